// Bisection steps: each halves a bracket in ln x; a bracket as wide as ln(1e300/1e-30) ≈ 760
// reaches double precision well within this many.
const bisectionSteps = 200

/** The ln x in [low, high] where `below(x)` turns from false to true, for `below` monotone in x. */
export const bisectLog = (low: number, high: number, below: (x: number) => boolean): number => {
  let lo = Math.log(low)
  let hi = Math.log(high)
  for (let step = 0; step < bisectionSteps && hi - lo > 1e-15 * Math.max(1, Math.abs(hi)); step++) {
    const mid = (lo + hi) / 2
    if (below(Math.exp(mid))) hi = mid
    else lo = mid
  }
  return hi
}
