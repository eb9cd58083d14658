import type { Interval } from "@scalelab/laws"
import { zOfLevel } from "./normalQuantile.ts"

/**
 * The quantities a backtest checks at a held-out budget:
 * - `loss`: the forecast compute-optimal loss L* against the final loss of the run trained at the forecast N*;
 * - `cloze_accuracy`: the two-stage downstream forecast against that run's cloze accuracy;
 * - `params_opt`, `tokens_opt`, `loss_opt`: the forecast N*, D* and L* against the minimum of the budget's own
 *   IsoFLOP parabola (or, in a synthetic study, against the known law's optimum).
 */
export type ComparedQuantity = "loss" | "cloze_accuracy" | "params_opt" | "tokens_opt" | "loss_opt"

/** How the backtest's table and its calibration plot name each compared quantity. */
export const comparedQuantityLabels: Readonly<Record<ComparedQuantity, string>> = {
  loss: "loss of run at N*",
  cloze_accuracy: "cloze accuracy",
  params_opt: "N* (budget's min)",
  tokens_opt: "D* (budget's min)",
  loss_opt: "L* (budget's min)"
}

export const comparedQuantities: ReadonlyArray<ComparedQuantity> = ["loss", "cloze_accuracy", "params_opt", "tokens_opt", "loss_opt"]

/**
 * The central coverages every interval is also given at, from the same bootstrap replicates, so
 * that a backtest can say whether a nominal 80% interval holds 80% of the truths: one level is one
 * point of the calibration curve. The report's level (0.8) is among them.
 */
export const coverageLevels: ReadonlyArray<number> = [0.5, 0.8, 0.9, 0.95]

/** A forecast's interval at one central coverage. */
export interface LevelInterval {
  readonly level: number
  readonly interval: Interval
}

/** Whether the truth lies inside the forecast's interval at one level. */
export interface LevelCheck {
  readonly level: number
  readonly interval: Interval
  readonly inside: boolean
  /** The truth's own interval at this level, when its uncertainty is measured (N* only). */
  readonly truth_interval?: Interval
}

/**
 * How uncertain the truth itself is. The N* a held-out budget measured is the minimum of a parabola
 * through noisy runs: its standard error in log10 (from the curve's curvature and residuals), when
 * the IsoFLOP fit gives one, turns a point truth into an interval.
 */
export type TruthUncertainty =
  | {
    readonly measured: true
    /** Standard error of log10 of the truth. */
    readonly log10_se: number
    /** log10(predicted / actual): the error in decades. */
    readonly error_decades: number
    /** √(se_forecast² + se_truth²) in decades, se_forecast read off the forecast's 80% interval (its half-width over z). */
    readonly combined_se_decades: number
    /** error_decades / combined_se_decades: how many combined standard errors apart forecast and truth are. */
    readonly error_in_se: number
  }
  | { readonly measured: false; readonly note: string }

export const truthUncertaintyNotMeasured =
  "the truth's uncertainty is not measured (the budget's IsoFLOP fit gives no standard error of its minimum): inside means the point truth lies in the forecast interval"

/** How a forecast's error is measured: relative (losses, sizes) or in accuracy points (fractions × 100). */
export type ErrorUnit = "relative" | "points"

export interface Comparison {
  readonly quantity: ComparedQuantity
  readonly predicted: number
  /** The forecast's 80% interval (bootstrap percentiles), null when there is none. */
  readonly interval: Interval | null
  readonly actual: number
  /** predicted / actual − 1 for `relative`; (predicted − actual) × 100 for `points`. */
  readonly error: number
  readonly error_unit: ErrorUnit
  /** Whether the 80% interval holds the actual value (see `by_level`); null without an interval. */
  readonly inside: boolean | null
  /** The same check at every level of `coverageLevels` the forecast has an interval at. */
  readonly by_level: ReadonlyArray<LevelCheck>
  /** For N* against a measured optimum: whether that optimum's own uncertainty is known, and the error in its terms. */
  readonly truth_uncertainty?: TruthUncertainty
}

/** The targets a forecast should meet to be trusted at the next scale. */
export const backtestTargets = {
  /** |predicted / actual − 1| of the loss. */
  loss_relative_error: 0.02,
  /** |predicted − actual| of the accuracy, in points (percent). */
  accuracy_points: 3,
  /** The truth should lie inside the forecast's interval of this central coverage (the report's bootstrap level). */
  interval_level: 0.8
} as const

export const relativeError = (predicted: number, actual: number): number => predicted / actual - 1

/** Accuracy is stored as a fraction; errors in it are read in percentage points. */
export const pointsError = (predicted: number, actual: number): number => (predicted - actual) * 100

export const insideInterval = (value: number, interval: Interval): boolean =>
  value >= Math.min(interval[0], interval[1]) && value <= Math.max(interval[0], interval[1])

const errorUnitOf = (quantity: ComparedQuantity): ErrorUnit => quantity === "cloze_accuracy" ? "points" : "relative"

const decades = (value: number): number => Math.log10(value)

/**
 * The check at one level when the truth has a standard error in log10: forecast and truth agree at
 * this level when their difference in decades lies within z·√(se_f² + se_t²), se_f being the forecast
 * interval's half-width over z. That holds a fraction `level` of the time when both errors are
 * normal in log10; asking only that the two intervals overlap would hold far more often (for equal
 * errors, up to |Δ| ≤ 2z·se instead of √2·z·se), so it would not be an interval of that level.
 */
const checkWithTruthSe = (predicted: number, actual: number, log10Se: number) => ({ level, interval }: LevelInterval): LevelCheck => {
  const z = zOfLevel(level)
  const forecastSe = (decades(interval[1]) - decades(interval[0])) / (2 * z)
  const combined = Math.hypot(forecastSe, log10Se)
  return {
    level,
    interval,
    inside: Math.abs(decades(predicted) - decades(actual)) <= z * combined,
    truth_interval: [10 ** (decades(actual) - z * log10Se), 10 ** (decades(actual) + z * log10Se)]
  }
}

const uncertaintyOf = (predicted: number, actual: number, log10Se: number, intervals: ReadonlyArray<LevelInterval>): TruthUncertainty => {
  const errorDecades = decades(predicted) - decades(actual)
  const at80 = intervals.find((i) => i.level === backtestTargets.interval_level)
  const forecastSe = at80 === undefined ? 0 : (decades(at80.interval[1]) - decades(at80.interval[0])) / (2 * zOfLevel(at80.level))
  const combined = Math.hypot(forecastSe, log10Se)
  return { measured: true, log10_se: log10Se, error_decades: errorDecades, combined_se_decades: combined, error_in_se: errorDecades / combined }
}

/**
 * The forecast against the truth, at every level it has an interval at. `truthLog10Se` is given for
 * N* against a measured optimum: a number makes the check account for the truth's own uncertainty;
 * null says it is not measured (the point truth is checked against the forecast's interval).
 */
export const compare = (
  quantity: ComparedQuantity,
  predicted: number,
  intervals: ReadonlyArray<LevelInterval>,
  actual: number,
  truthLog10Se?: number | null
): Comparison => {
  const unit = errorUnitOf(quantity)
  const byLevel = intervals.map((leveled): LevelCheck =>
    truthLog10Se === undefined || truthLog10Se === null
      ? { level: leveled.level, interval: leveled.interval, inside: insideInterval(actual, leveled.interval) }
      : checkWithTruthSe(predicted, actual, truthLog10Se)(leveled)
  )
  const at80 = byLevel.find((check) => check.level === backtestTargets.interval_level)
  return {
    quantity,
    predicted,
    interval: at80?.interval ?? null,
    actual,
    error: unit === "points" ? pointsError(predicted, actual) : relativeError(predicted, actual),
    error_unit: unit,
    inside: at80?.inside ?? null,
    by_level: byLevel,
    ...(truthLog10Se === undefined
      ? {}
      : {
        truth_uncertainty: truthLog10Se === null
          ? { measured: false, note: truthUncertaintyNotMeasured }
          : uncertaintyOf(predicted, actual, truthLog10Se, intervals)
      })
  }
}

export interface Coverage {
  /** Comparisons with an interval. */
  readonly compared: number
  /** Of those, the ones whose truth lies inside. */
  readonly inside: number
  /** inside / compared; null when nothing had an interval. */
  readonly fraction: number | null
}

/** Coverage at one nominal level: the truths inside that level's intervals. */
export interface LevelCoverage extends Coverage {
  readonly level: number
}

export interface QuantityLevelCoverage extends LevelCoverage {
  readonly quantity: ComparedQuantity
}

const coverageAt = (comparisons: ReadonlyArray<Comparison>, level: number): LevelCoverage => {
  const checks = comparisons.flatMap((c) => c.by_level.filter((check) => check.level === level))
  const inside = checks.filter((check) => check.inside).length
  return { level, compared: checks.length, inside, fraction: checks.length === 0 ? null : inside / checks.length }
}

/** Empirical coverage at each nominal level over all the comparisons: the calibration curve. */
export const coverageByLevel = (comparisons: ReadonlyArray<Comparison>, levels: ReadonlyArray<number> = coverageLevels): ReadonlyArray<LevelCoverage> =>
  levels.map((level) => coverageAt(comparisons, level))

/** The same, per compared quantity (those with at least one interval). */
export const coverageByQuantity = (
  comparisons: ReadonlyArray<Comparison>,
  levels: ReadonlyArray<number> = coverageLevels
): ReadonlyArray<QuantityLevelCoverage> =>
  comparedQuantities.flatMap((quantity) => {
    const ofQuantity = comparisons.filter((c) => c.quantity === quantity)
    return levels.map((level) => ({ quantity, ...coverageAt(ofQuantity, level) })).filter((row) => row.compared > 0)
  })

export const coverageOf = (comparisons: ReadonlyArray<Comparison>): Coverage => {
  const withInterval = comparisons.filter((c) => c.inside !== null)
  const inside = withInterval.filter((c) => c.inside === true).length
  return { compared: withInterval.length, inside, fraction: withInterval.length === 0 ? null : inside / withInterval.length }
}

/** Each target: met, missed, or null when nothing was measured against it. */
export interface TargetsMet {
  readonly loss_within_2_percent: boolean | null
  readonly accuracy_within_3_points: boolean | null
  readonly truth_inside_interval: boolean | null
}

const allOrNull = (values: ReadonlyArray<boolean>): boolean | null => values.length === 0 ? null : values.every(Boolean)

/**
 * Whether the forecasts met the targets over all held-out budgets: every truth run's loss within
 * 2% of L*, every accuracy within 3 points, every compared truth inside its 80% interval.
 */
export const targetsMet = (comparisons: ReadonlyArray<Comparison>): TargetsMet => ({
  loss_within_2_percent: allOrNull(
    comparisons.filter((c) => c.quantity === "loss").map((c) => Math.abs(c.error) <= backtestTargets.loss_relative_error)
  ),
  accuracy_within_3_points: allOrNull(
    comparisons.filter((c) => c.quantity === "cloze_accuracy").map((c) => Math.abs(c.error) <= backtestTargets.accuracy_points)
  ),
  truth_inside_interval: allOrNull(comparisons.flatMap((c) => c.inside === null ? [] : [c.inside]))
})

export const mean = (values: ReadonlyArray<number>): number => values.reduce((sum, v) => sum + v, 0) / values.length
