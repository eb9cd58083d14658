import type { Parabola } from "../optim/leastSquares.ts"
import { LawInputError } from "../lawInputError.ts"
import { fitPowerLaw } from "./powerLaw.ts"
import { distinctCount, requirePositive } from "../validate.ts"
import type { IsoflopMinimumEstimator } from "./isoflopMinimum.ts"
import { defaultIsoflopMinimum, readCurveMinimum } from "./isoflopMinimum.ts"

/** One finished run of an IsoFLOP sweep. */
export interface IsoflopPoint {
  readonly params: number
  readonly tokens: number
  /** The compute budget the run was planned for: runs of one budget form one curve. */
  readonly budget: number
  readonly loss: number
  readonly id?: string
}

/** The loss curve of one budget and the minimum read off it. */
export interface IsoflopBudgetFit {
  readonly budget: number
  readonly n_points: number
  /** Null when the curve is not convex (the window's parabolas do not both open upward): it has no minimum. */
  readonly params_opt: number | null
  readonly tokens_opt: number | null
  readonly loss_opt: number | null
  /** The minimum lies strictly inside the swept sizes (and tokens), so it is interpolated, not extrapolated. */
  readonly bracketed: boolean
  /** Both parabolas (in log10 N and log10 D, over the window's runs) open upward. */
  readonly convex: boolean
  readonly params_range: readonly [number, number]
  /**
   * The sizes whose runs the minimum was read from: the parabolas below are fitted to the runs with
   * params inside it (all of the budget's runs for the `parabola` estimator; the lowest size and its
   * neighbours for `window`; for `akima`, the sizes its spline piece around the minimum depends on).
   */
  readonly window: readonly [number, number]
  /**
   * The standard error of log10 of `params_opt` (the minimum's own uncertainty): the delta method
   * on the vertex of `parabola_params` with its coefficient covariance (residual variance ×
   * (XᵀX)⁻¹). Null when it cannot be estimated: no minimum, or no more runs in the window than the
   * parabola's 3 coefficients.
   */
  readonly log10_params_opt_se: number | null
  /**
   * loss = c0 + c1·x + c2·x² with x = log10(params), least squares over the window's runs. For
   * `parabola` and `window` the minimum is its vertex; for `akima` it is the curve's local shape
   * around the spline's minimum (which it does not pass through exactly), kept so that the window's
   * residuals and the minimum's se are measured on it.
   */
  readonly parabola_params: Parabola
  /** loss = c0 + c1·x + c2·x² with x = log10(tokens). */
  readonly parabola_tokens: Parabola
  /**
   * The curve the minimum was read from, sampled over the swept sizes, when it is not
   * `parabola_params` (an Akima spline); absent when the minimum is the parabola's vertex.
   */
  readonly curve?: ReadonlyArray<{ readonly params: number; readonly loss: number }>
}

export interface ExcludedBudget {
  readonly budget: number
  readonly reason: string
}

/** Power laws in compute C: N*(C) = k·C^a, D*(C) = k·C^b, L*(C) = k·C^c. */
export interface IsoflopFit {
  /** How each budget's minimum was read off its runs. */
  readonly minimum: IsoflopMinimumEstimator
  readonly budgets: ReadonlyArray<IsoflopBudgetFit>
  readonly params_opt: { readonly k: number; readonly a: number }
  readonly tokens_opt: { readonly k: number; readonly b: number }
  readonly loss_opt: { readonly k: number; readonly c: number }
  /** R² of each power law in log-log space. */
  readonly r2s: { readonly params: number; readonly tokens: number; readonly loss: number }
  readonly used_budgets: ReadonlyArray<number>
  readonly excluded_budgets: ReadonlyArray<ExcludedBudget>
}

// Budgets that went through text (CSV, printed floats) may differ in the last digits; they are
// still one budget.
const sameBudgetTolerance = 1e-6

/** Whether `budget` belongs to the budget `anchor`, within the tolerance of printed floats. */
export const sameBudget = (anchor: number, budget: number): boolean =>
  Math.abs(budget - anchor) <= sameBudgetTolerance * anchor

const rowLabel = (point: IsoflopPoint, index: number): string =>
  point.id === undefined ? `row ${index}` : `row ${index} (run ${point.id})`

const validatePoints = (points: ReadonlyArray<IsoflopPoint>): void => {
  if (points.length === 0) {
    throw new LawInputError("an IsoFLOP fit needs runs, got none: train the sweep first or check the input file")
  }
  points.forEach((point, index) => {
    for (const field of ["params", "tokens", "budget", "loss"] as const) {
      requirePositive(point[field], `${rowLabel(point, index)}: ${field}`)
    }
  })
  if (distinctCount(points.map((point) => point.params)) === 1) {
    throw new LawInputError(
      `all ${points.length} runs have params = ${points[0]?.params}: an IsoFLOP fit needs several model sizes per budget; plan a sweep over sizes`
    )
  }
}

/**
 * The indices of `points` grouped into budgets, budgets in increasing order: what resampling and
 * per-point diagnostics need to map a run back to its curve.
 */
export const groupIndicesByBudget = (points: ReadonlyArray<IsoflopPoint>): number[][] => {
  const budgetOf = (index: number): number => points[index]?.budget ?? Number.NaN
  const order = points.map((_, index) => index).sort((i, j) => budgetOf(i) - budgetOf(j))
  const groups: number[][] = []
  for (const index of order) {
    const current = groups.at(-1)
    if (current !== undefined && sameBudget(budgetOf(current[0] ?? -1), budgetOf(index))) current.push(index)
    else groups.push([index])
  }
  return groups
}

const groupByBudget = (points: ReadonlyArray<IsoflopPoint>): IsoflopPoint[][] =>
  groupIndicesByBudget(points).map((group) => group.map((index) => points[index] as IsoflopPoint))

export interface IsoflopOptions {
  /** How each budget's minimum is read off its runs (isoflopMinimum.ts); default `defaultIsoflopMinimum`. */
  readonly minimum?: IsoflopMinimumEstimator
}

const fitBudget = (points: ReadonlyArray<IsoflopPoint>, estimator: IsoflopMinimumEstimator): IsoflopBudgetFit => {
  const budget = points[0]?.budget ?? Number.NaN
  const sizes = distinctCount(points.map((point) => point.params))
  if (sizes < 3) {
    throw new LawInputError(
      `budget ${budget.toExponential(3)} has runs at ${sizes} distinct model size${sizes === 1 ? "" : "s"}; a parabola needs at least 3: train more sizes at this budget or drop its runs`
    )
  }
  const minimum = readCurveMinimum(
    {
      logParams: points.map((point) => Math.log10(point.params)),
      logTokens: points.map((point) => Math.log10(point.tokens)),
      losses: points.map((point) => point.loss)
    },
    estimator
  )
  const params = points.map((point) => point.params)
  const [low, high] = minimum.window
  const exp10 = (x: number | null): number | null => (x === null ? null : 10 ** x)
  return {
    budget,
    n_points: points.length,
    params_opt: exp10(minimum.logParamsOpt),
    tokens_opt: exp10(minimum.logTokensOpt),
    loss_opt: minimum.lossOpt,
    bracketed: minimum.bracketed,
    convex: minimum.convex,
    params_range: [Math.min(...params), Math.max(...params)],
    // The runs' own sizes at the ends, not 10^log10 of them, so a filter on params picks them exactly.
    window: [Math.min(...params.filter((n) => Math.log10(n) >= low)), Math.max(...params.filter((n) => Math.log10(n) <= high))],
    log10_params_opt_se: minimum.logParamsOptSe,
    parabola_params: minimum.parabolaParams,
    parabola_tokens: minimum.parabolaTokens,
    ...(minimum.spline === null ? {} : { curve: minimum.spline.map(({ logParams, loss }) => ({ params: 10 ** logParams, loss })) })
  }
}

/**
 * Per-budget loss curves (Chinchilla approach 2; Llama 3 §3.2.1), without the power laws across
 * budgets: what a plot or an adaptive re-plan needs even when too few budgets are usable for a law.
 */
export const fitIsoflopCurves = (points: ReadonlyArray<IsoflopPoint>, options: IsoflopOptions = {}): IsoflopBudgetFit[] => {
  validatePoints(points)
  const estimator = options.minimum ?? defaultIsoflopMinimum
  return groupByBudget(points).map((runs) => fitBudget(runs, estimator))
}

const exclusionReason = (curve: IsoflopBudgetFit): string | undefined => {
  if (curve.params_opt === null) {
    return `not convex (c2 = ${curve.parabola_params.c2.toPrecision(3)} in log10 N): the loss does not curve upward over the swept sizes; widen the sweep or add seeds to reduce noise`
  }
  if (!curve.bracketed) {
    const [low, high] = curve.params_range
    if (curve.params_opt > low && curve.params_opt < high) {
      return `not bracketed: the minimum in log10 D (D = ${curve.tokens_opt?.toPrecision(3)}) is outside the swept token counts; add sizes on both sides of N = ${curve.params_opt.toPrecision(3)}`
    }
    const side = curve.params_opt <= low ? "smaller" : "larger"
    return `not bracketed: the fitted minimum N = ${curve.params_opt.toPrecision(3)} is outside the swept sizes [${low}, ${high}]; extend the sweep toward ${side} models`
  }
  return undefined
}

/**
 * Weights 1/se² for the N*(C) and D*(C) laws, so a budget whose minimum is pinned down counts more
 * than a flat, noisy one (D* ≈ C/(6N*), so log10 D* carries the se of log10 N*). Null, meaning
 * equal weights, when any se is missing or not a positive finite number: weighting some budgets and
 * guessing the rest would be arbitrary.
 */
const minimumWeights = (used: ReadonlyArray<IsoflopBudgetFit>): number[] | undefined => {
  const ses = used.map((curve) => curve.log10_params_opt_se)
  return ses.every((se): se is number => se !== null && Number.isFinite(se) && se > 0) ? ses.map((se) => 1 / (se * se)) : undefined
}

/**
 * IsoFLOP fit: each budget's minimum (read by `options.minimum`), then power laws N*(C), D*(C)
 * and L*(C) over the budgets whose minimum is convex and bracketed. N*(C) and D*(C) are weighted
 * least squares in log-log space with weights 1/se² of each budget's log10 N* (equal weights when
 * any se is unknown); L*(C) is unweighted. Extrapolated minima are reported in `budgets` and listed
 * in `excluded_budgets` with the reason, never used for the laws.
 */
export const fitIsoflop = (points: ReadonlyArray<IsoflopPoint>, options: IsoflopOptions = {}): IsoflopFit => {
  const minimum = options.minimum ?? defaultIsoflopMinimum
  const budgets = fitIsoflopCurves(points, { minimum })
  const used: IsoflopBudgetFit[] = []
  const excluded: ExcludedBudget[] = []
  for (const curve of budgets) {
    const reason = exclusionReason(curve)
    if (reason === undefined) used.push(curve)
    else excluded.push({ budget: curve.budget, reason })
  }
  if (used.length < 2) {
    const listed = budgets.map((curve) => {
      const reason = excluded.find((entry) => entry.budget === curve.budget)?.reason
      return `  budget ${curve.budget.toExponential(3)}: ${reason ?? "qualifies"}`
    }).join("\n")
    const remedy = budgets.length < 2
      ? "sweep model sizes at more compute budgets (at least 2; 3 or more pin the exponents down)"
      : "add budgets, or fix the ones listed as their reasons say"
    throw new LawInputError(
      `an IsoFLOP power law needs at least 2 budgets whose loss over the swept model sizes has a convex minimum inside ` +
        `them (bracketed); ${used.length} of ${budgets.length} qualify:\n${listed}\nTo fit one: ${remedy}`
    )
  }
  // Every used curve is convex, so its optima are numbers.
  const compute = used.map((curve) => curve.budget)
  const weights = minimumWeights(used)
  const paramsLaw = fitPowerLaw(compute, used.map((curve) => curve.params_opt ?? Number.NaN), weights)
  const tokensLaw = fitPowerLaw(compute, used.map((curve) => curve.tokens_opt ?? Number.NaN), weights)
  const lossLaw = fitPowerLaw(compute, used.map((curve) => curve.loss_opt ?? Number.NaN))
  return {
    minimum,
    budgets,
    params_opt: { k: paramsLaw.k, a: paramsLaw.exponent },
    tokens_opt: { k: tokensLaw.k, b: tokensLaw.exponent },
    loss_opt: { k: lossLaw.k, c: lossLaw.exponent },
    r2s: { params: paramsLaw.r2, tokens: tokensLaw.r2, loss: lossLaw.r2 },
    used_budgets: compute,
    excluded_budgets: excluded
  }
}
