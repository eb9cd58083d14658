// The compute multiplier with its bootstrap interval, and its trend with compute, from the
// bootstrap refits of both laws.
import type { Interval } from "../bootstrap/bootstrap.ts"
import { percentileIntervalUnbounded, requireLevel } from "../bootstrap/bootstrap.ts"
import { type BootstrapHealth, bootstrapHealth } from "../bootstrap/bootstrapHealth.ts"
import type { LossLaw } from "../fit/lossLaw.ts"
import { LawInputError } from "../lawInputError.ts"
import { requirePositive } from "../validate.ts"
import { type ComputeMultiplier, computeMultiplier } from "./computeMultiplier.ts"

/** A fitted loss law with its bootstrap refits, as a comparison reads it. */
export interface BootstrappedLaw {
  readonly law: LossLaw
  /** The refits of the resamples that succeeded, in resample order; undefined without a bootstrap. */
  readonly replicates: ReadonlyArray<LossLaw> | undefined
  /** Resamples whose refit failed (left out of `replicates`). */
  readonly failed: number
}

/** The multiplier at a budget, with its interval over the replicate pairs. */
export interface MultiplierEstimate extends ComputeMultiplier {
  /**
   * The central interval over the replicate pairs; its upper bound is Infinity when more than its
   * tail of the pairs have a baseline that never reaches the candidate's loss. Undefined without a
   * bootstrap of both laws, or when no pair gave a multiplier.
   */
  readonly interval: Interval | undefined
  /** Replicate pairs whose baseline never reaches the candidate's loss: draws of Infinity, kept in the interval. */
  readonly unreachable: number
  /** Pairs used and failed (a refit that failed in either fit, or a law with no optimum here); undefined without a bootstrap. */
  readonly health: BootstrapHealth | undefined
}

export type TrendDirection = "grows" | "holds" | "shrinks"

/** How the multiplier moves with compute: the slope of log10(multiplier) against log10(C) over a span. */
export interface MultiplierTrend {
  readonly from: number
  readonly to: number
  /**
   * The mean slope of log10(multiplier) against log10(C) from `from` to `to`: the multiplier grows
   * as C^slope. Infinity when the baseline reaches the candidate at `from` but never at `to`;
   * undefined when it reaches the candidate at neither (the multiplier is infinite throughout).
   */
  readonly slope: number | undefined
  readonly interval: Interval | undefined
  /** grows when the interval lies above 0, shrinks when below, holds when it holds 0; undefined without an interval. */
  readonly direction: TrendDirection | undefined
  readonly health: BootstrapHealth | undefined
}

/**
 * The i-th refit of the baseline with the i-th of the candidate. Fitted alone, the two experiments
 * are independent, so any pairing of their refits is a draw from the joint bootstrap distribution;
 * fitted jointly (one shared floor), the i-th refits of all experiments come from one joint
 * resample, and only pairing by index keeps what they share. A resample that failed in either fit
 * leaves a pair short: `failed` counts them against the larger bootstrap.
 */
const replicatePairs = (baseline: BootstrappedLaw, candidate: BootstrappedLaw) => {
  if (baseline.replicates === undefined || candidate.replicates === undefined) return undefined
  const pairs = Math.min(baseline.replicates.length, candidate.replicates.length)
  const requested = Math.max(baseline.replicates.length + baseline.failed, candidate.replicates.length + candidate.failed)
  return {
    pairs: Array.from({ length: pairs }, (_, i) => ({ baseline: baseline.replicates?.[i] as LossLaw, candidate: candidate.replicates?.[i] as LossLaw })),
    failed: requested - pairs
  }
}

/** `quantity` of every replicate pair; a pair whose laws cannot give it (LawInputError, or undefined) counts as failed. */
const overPairs = (
  baseline: BootstrappedLaw,
  candidate: BootstrappedLaw,
  quantity: (baseline: LossLaw, candidate: LossLaw) => number | undefined
): { readonly values: ReadonlyArray<number>; readonly failed: number } | undefined => {
  const paired = replicatePairs(baseline, candidate)
  if (paired === undefined) return undefined
  const values: Array<number> = []
  let failed = paired.failed
  for (const pair of paired.pairs) {
    try {
      const value = quantity(pair.baseline, pair.candidate)
      if (value === undefined) failed++
      else values.push(value)
    } catch (error) {
      if (!(error instanceof LawInputError)) throw error
      failed++
    }
  }
  return { values, failed }
}

const intervalOf = (values: ReadonlyArray<number>, level: number): Interval | undefined =>
  values.length === 0 ? undefined : percentileIntervalUnbounded(values, level)

/**
 * The compute multiplier of `candidate` over `baseline` at `compute`, with the central `level`
 * interval over their replicate pairs (a joint bootstrap of both fits). Throws LawInputError when
 * the fitted laws themselves have no multiplier there.
 */
export const multiplierAt = (baseline: BootstrappedLaw, candidate: BootstrappedLaw, compute: number, level: number): MultiplierEstimate => {
  requireLevel(level)
  const point = computeMultiplier(baseline.law, candidate.law, compute)
  const replicates = overPairs(baseline, candidate, (b, c) => computeMultiplier(b, c, compute).multiplier)
  return {
    ...point,
    interval: replicates === undefined ? undefined : intervalOf(replicates.values, level),
    unreachable: replicates?.values.filter((value) => value === Number.POSITIVE_INFINITY).length ?? 0,
    health: replicates === undefined ? undefined : bootstrapHealth(replicates.values.length, replicates.failed)
  }
}

/** The mean slope of log10 multiplier in log10 C between two budgets; undefined when infinite at both. */
const meanSlope = (baseline: LossLaw, candidate: LossLaw, from: number, to: number): number | undefined => {
  const low = computeMultiplier(baseline, candidate, from)
  if (!low.reachable) return undefined
  const high = computeMultiplier(baseline, candidate, to)
  return (Math.log10(high.multiplier) - Math.log10(low.multiplier)) / (Math.log10(to) - Math.log10(from))
}

const directionOf = (interval: Interval): TrendDirection => interval[0] > 0 ? "grows" : interval[1] < 0 ? "shrinks" : "holds"

/**
 * Whether the multiplier grows, holds or shrinks with compute from `from` to `to` (the smallest
 * budget swept to the largest forecast): the mean slope of log10(multiplier) against log10(C) for
 * the fitted laws and for every replicate pair, and the verdict of its central `level` interval.
 */
export const multiplierTrend = (baseline: BootstrappedLaw, candidate: BootstrappedLaw, from: number, to: number, level: number): MultiplierTrend => {
  requireLevel(level)
  requirePositive(from, "the trend's first budget")
  requirePositive(to, "the trend's last budget")
  if (!(to > from)) {
    throw new LawInputError(`the multiplier's trend needs a span of budgets: from ${from.toExponential(3)} to ${to.toExponential(3)} FLOPs is none; forecast past the largest budget swept`)
  }
  const replicates = overPairs(baseline, candidate, (b, c) => meanSlope(b, c, from, to))
  const interval = replicates === undefined ? undefined : intervalOf(replicates.values, level)
  return {
    from,
    to,
    slope: meanSlope(baseline.law, candidate.law, from, to),
    interval,
    direction: interval === undefined ? undefined : directionOf(interval),
    health: replicates === undefined ? undefined : bootstrapHealth(replicates.values.length, replicates.failed)
  }
}
