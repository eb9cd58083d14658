// Evenly spaced sequences for sweeps. Written here rather than taken from mathjs so that the
// sandboxed expression language offers exactly these semantics (inclusive ends, a point cap).

/** Above this many points a sweep is almost certainly a typo, and the array would be costly. */
export const MAX_POINTS = 1000

const checkCount = (name: string, count: number): void => {
  if (!Number.isInteger(count) || count < 1 || count > MAX_POINTS) {
    throw new RangeError(`${name}: the number of points must be an integer from 1 to ${MAX_POINTS}, got ${count}`)
  }
}

const checkFinite = (name: string, from: number, to: number): void => {
  if (!Number.isFinite(from) || !Number.isFinite(to)) {
    throw new RangeError(`${name}: the ends must be finite numbers, got ${from} and ${to}`)
  }
}

/** `count` values from `from` to `to` inclusive, equally spaced. */
export const linspace = (from: number, to: number, count: number): Array<number> => {
  checkFinite("linspace", from, to)
  checkCount("linspace", count)
  if (count === 1) return [from]
  const step = (to - from) / (count - 1)
  // The last point is set exactly so that rounding never moves the declared end.
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? to : from + i * step))
}

/** `count` values from `from` to `to` inclusive, equally spaced in log scale (both ends > 0). */
export const logspace = (from: number, to: number, count: number): Array<number> => {
  checkFinite("logspace", from, to)
  if (from <= 0 || to <= 0) {
    throw new RangeError(`logspace: both ends must be positive, got ${from} and ${to}`)
  }
  checkCount("logspace", count)
  if (count === 1) return [from]
  const ratio = to / from
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? to : from * ratio ** (i / (count - 1))))
}
