/** φ(t) and φ'(t) at one step t along a search direction. */
export interface LinePoint {
  value: number
  slope: number
}

/** Evaluates φ(t) = f(x + t·d) and φ'(t) = ∇f(x + t·d)·d into `out`. */
export type LineFunction = (step: number, out: LinePoint) => void

export interface LineSearchOptions {
  /** Sufficient-decrease constant c1 (Armijo). */
  readonly sufficientDecrease?: number
  /** Curvature constant c2; 0.9 suits quasi-Newton directions (Nocedal & Wright §3.1). */
  readonly curvature?: number
  readonly maxEvaluations?: number
  readonly maxStep?: number
}

export interface LineSearchResult {
  /** True when `step` satisfies the strong Wolfe conditions. */
  readonly found: boolean
  /**
   * When found: the accepted step, and the LAST evaluation was made there (callers may keep the
   * buffers of that evaluation). When not found: the lowest step known to satisfy sufficient
   * decrease, or 0 when none does; the last evaluation may be elsewhere.
   */
  readonly step: number
  readonly value: number
  readonly slope: number
  readonly evaluations: number
  /** Why the search gave up; empty when found. */
  readonly failure: string
}

interface Bracket {
  step: number
  value: number
  slope: number
}

// Trial steps stay this far (as a fraction of the bracket) from its ends, so the bracket shrinks
// by a fixed factor even when the interpolant puts its minimum at an end.
const interpolationMargin = 0.1
const expansionFactor = 4

/**
 * Minimiser of the cubic through (t1, φ1, φ1') and (t2, φ2, φ2') (Nocedal & Wright eq. 3.59),
 * kept inside the bracket's interior; bisection when the cubic has no usable minimiser.
 */
const interpolateStep = (lo: Bracket, hi: Bracket): number => {
  const width = hi.step - lo.step
  const bisection = lo.step + width / 2
  if (!Number.isFinite(hi.value) || !Number.isFinite(hi.slope)) return bisection
  const d1 = lo.slope + hi.slope - (3 * (lo.value - hi.value)) / (lo.step - hi.step)
  const discriminant = d1 * d1 - lo.slope * hi.slope
  if (!(discriminant >= 0)) return bisection
  const d2 = Math.sign(width) * Math.sqrt(discriminant)
  const step = hi.step - width * ((hi.slope + d2 - d1) / (hi.slope - lo.slope + 2 * d2))
  const low = Math.min(lo.step, hi.step) + interpolationMargin * Math.abs(width)
  const high = Math.max(lo.step, hi.step) - interpolationMargin * Math.abs(width)
  return Number.isFinite(step) ? Math.min(Math.max(step, low), high) : bisection
}

interface Search {
  readonly phi: LineFunction
  readonly value0: number
  readonly slope0: number
  readonly c1: number
  readonly c2: number
  readonly maxEvaluations: number
  readonly trial: LinePoint
  evaluations: number
}

// Plain functions over a state record rather than closures made per search: a fit runs hundreds
// of thousands of searches, and per-call closures showed up in its profile.
const evaluate = (search: Search, step: number): void => {
  search.evaluations++
  search.phi(step, search.trial)
}

const sufficientDecrease = (search: Search, step: number, value: number): boolean =>
  Number.isFinite(value) && value <= search.value0 + search.c1 * step * search.slope0

const curvatureHolds = (search: Search, slope: number): boolean => Math.abs(slope) <= -search.c2 * search.slope0

const accept = (search: Search, step: number): LineSearchResult => ({
  found: true,
  step,
  value: search.trial.value,
  slope: search.trial.slope,
  evaluations: search.evaluations,
  failure: ""
})

const fail = (search: Search, best: Bracket, failure: string): LineSearchResult => ({
  found: false,
  step: best.step,
  value: best.value,
  slope: best.slope,
  evaluations: search.evaluations,
  failure
})

/** Algorithm 3.6: lo is the best step so far satisfying sufficient decrease; hi the other end of the bracket. */
const zoom = (search: Search, lo: Bracket, hi: Bracket): LineSearchResult => {
  const { trial } = search
  while (search.evaluations < search.maxEvaluations) {
    const step = interpolateStep(lo, hi)
    // The bracket cannot shrink further in floating point: the step is at the precision limit.
    if (step === lo.step || step === hi.step) {
      return fail(search, lo, "the bracket shrank to the floating-point resolution of the step")
    }
    evaluate(search, step)
    if (!sufficientDecrease(search, step, trial.value) || trial.value >= lo.value) {
      hi = { step, value: trial.value, slope: trial.slope }
      continue
    }
    if (curvatureHolds(search, trial.slope)) return accept(search, step)
    if (trial.slope * (hi.step - lo.step) >= 0) hi = lo
    lo = { step, value: trial.value, slope: trial.slope }
  }
  return fail(search, lo, `no strong Wolfe step within ${search.maxEvaluations} evaluations`)
}

/**
 * A step satisfying the strong Wolfe conditions
 *   φ(t) ≤ φ(0) + c1·t·φ'(0)   and   |φ'(t)| ≤ c2·|φ'(0)|
 * by bracketing then zooming with safeguarded cubic interpolation (Nocedal & Wright, Numerical
 * Optimization, 2nd ed., Algorithms 3.5 and 3.6). A non-finite φ(t) counts as "too far": the
 * search backs off instead of failing, so objectives may overflow away from their minimum.
 */
export const strongWolfeLineSearch = (
  phi: LineFunction,
  value0: number,
  slope0: number,
  initialStep: number,
  options: LineSearchOptions = {}
): LineSearchResult => {
  const search: Search = {
    phi,
    value0,
    slope0,
    c1: options.sufficientDecrease ?? 1e-4,
    c2: options.curvature ?? 0.9,
    maxEvaluations: options.maxEvaluations ?? 40,
    trial: { value: 0, slope: 0 },
    evaluations: 0
  }
  const maxStep = options.maxStep ?? 1e20
  const { trial } = search
  let previous: Bracket = { step: 0, value: value0, slope: slope0 }
  if (!(slope0 < 0)) return fail(search, previous, `not a descent direction (slope ${slope0})`)
  let step = Math.min(initialStep, maxStep)
  while (search.evaluations < search.maxEvaluations) {
    evaluate(search, step)
    const current: Bracket = { step, value: trial.value, slope: trial.slope }
    if (!sufficientDecrease(search, step, trial.value) || (search.evaluations > 1 && trial.value >= previous.value)) {
      return zoom(search, previous, current)
    }
    if (curvatureHolds(search, trial.slope)) return accept(search, step)
    if (trial.slope >= 0) return zoom(search, current, previous)
    if (step >= maxStep) return fail(search, current, `the step reached its maximum ${maxStep} with the value still decreasing`)
    previous = current
    step = Math.min(step * expansionFactor, maxStep)
  }
  return fail(search, previous, `no strong Wolfe step within ${search.maxEvaluations} evaluations`)
}
