import { LawInputError } from "../lawInputError.ts"
import { mulberry32 } from "../random.ts"
import { requireInteger } from "../validate.ts"

/** A [low, high] interval. */
export type Interval = readonly [number, number]

export const requireLevel = (level: number): void => {
  if (!(level > 0 && level < 1)) {
    throw new LawInputError(`an interval level must lie strictly between 0 and 1 (0.8 for an 80% interval), got ${level}`)
  }
}

/**
 * The q-quantile of ascending `sorted`, interpolating linearly between order statistics; between a
 * finite value and +Infinity every quantile past the finite one is +Infinity.
 */
const quantileOfSorted = (sorted: Float64Array, q: number): number => {
  const position = q * (sorted.length - 1)
  const below = Math.floor(position)
  const above = Math.min(below + 1, sorted.length - 1)
  const lower = sorted[below] ?? Number.NaN
  const upper = sorted[above] ?? Number.NaN
  if (position === below || lower === upper) return lower
  return lower + (position - below) * (upper - lower)
}

const centralInterval = (values: ArrayLike<number>, level: number, allowed: (value: number) => boolean, what: string): [number, number] => {
  requireLevel(level)
  if (values.length === 0) {
    throw new LawInputError("a percentile interval needs at least one value, got none: check that some bootstrap resamples succeeded")
  }
  const sorted = Float64Array.from(values)
  const badIndex = sorted.findIndex((value) => !allowed(value))
  if (badIndex >= 0) {
    throw new LawInputError(`value ${badIndex} of a percentile interval is ${sorted[badIndex]}: every value must be ${what}; drop failed replicates before asking for an interval`)
  }
  sorted.sort()
  const tail = (1 - level) / 2
  return [quantileOfSorted(sorted, tail), quantileOfSorted(sorted, 1 - tail)]
}

/**
 * The central `level` percentile interval of `values` (Efron's percentile bootstrap interval when
 * the values are bootstrap replicates): the (1 − level)/2 and (1 + level)/2 quantiles.
 */
export const percentileInterval = (values: ArrayLike<number>, level = 0.8): [number, number] =>
  centralInterval(values, level, Number.isFinite, "finite")

/**
 * percentileInterval of values that may be +Infinity: replicates of a quantity that can be
 * unbounded (the compute a baseline needs for a loss below its floor). Such a replicate is a real
 * draw, not a failure, so it sorts above every finite one: the upper bound is +Infinity once more
 * than its tail of the replicates are.
 */
export const percentileIntervalUnbounded = (values: ArrayLike<number>, level = 0.8): [number, number] =>
  centralInterval(values, level, (value) => Number.isFinite(value) || value === Number.POSITIVE_INFINITY, "finite or +Infinity")

/** Index lists per group label, in order of first appearance. */
const membersByGroup = (groups: ReadonlyArray<number>): Int32Array[] => {
  const members = new Map<number, number[]>()
  groups.forEach((label, index) => {
    const list = members.get(label)
    if (list === undefined) members.set(label, [index])
    else list.push(index)
  })
  return [...members.values()].map((list) => Int32Array.from(list))
}

/**
 * `resamples` bootstrap resamples of the indices 0..n−1, drawn with replacement from a mulberry32
 * stream seeded by `seed` (the same seed gives the same resamples). With `groups` (one label per
 * index), position i is drawn from the indices that share i's label, so every group keeps its
 * size: a stratified bootstrap, as when each IsoFLOP budget must keep its number of runs.
 */
export const bootstrapResamples = (
  n: number,
  resamples: number,
  seed: number,
  groups?: ReadonlyArray<number>
): Iterable<Int32Array> => {
  requireInteger(n, 1, "the number of points to resample")
  requireInteger(resamples, 0, "the number of bootstrap resamples")
  if (!Number.isFinite(seed)) throw new LawInputError(`the bootstrap seed must be a finite number, got ${seed}`)
  if (groups !== undefined && groups.length !== n) {
    throw new LawInputError(`bootstrap groups must give one label per point: got ${groups.length} labels for ${n} points`)
  }
  // Without groups, all indices form one stratum.
  const strata = membersByGroup(groups ?? new Array<number>(n).fill(0))
  return {
    *[Symbol.iterator]() {
      const random = mulberry32(seed)
      for (let r = 0; r < resamples; r++) {
        const sample = new Int32Array(n)
        for (const members of strata) {
          for (const position of members) {
            sample[position] = members[Math.floor(random() * members.length)] ?? position
          }
        }
        yield sample
      }
    }
  }
}
