import type { Interval } from "@scalelab/laws"

/**
 * The quantities a backtest checks at a held-out budget:
 * - `loss`: the forecast compute-optimal loss L* against the final loss of the run trained at the forecast N*;
 * - `cloze_accuracy`: the two-stage downstream forecast against that run's cloze accuracy;
 * - `params_opt`, `loss_opt`: the forecast N* and L* against the minimum of the budget's own IsoFLOP parabola.
 */
export type ComparedQuantity = "loss" | "cloze_accuracy" | "params_opt" | "loss_opt"

/** How a forecast's error is measured: relative (losses, sizes) or in accuracy points (fractions × 100). */
export type ErrorUnit = "relative" | "points"

export interface Comparison {
  readonly quantity: ComparedQuantity
  readonly predicted: number
  /** The forecast's interval (bootstrap percentiles), null when there is none. */
  readonly interval: Interval | null
  readonly actual: number
  /** predicted / actual − 1 for `relative`; (predicted − actual) × 100 for `points`. */
  readonly error: number
  readonly error_unit: ErrorUnit
  /** Whether the interval holds the actual value; null without an interval. */
  readonly inside: boolean | null
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

export const compare = (
  quantity: ComparedQuantity,
  predicted: number,
  interval: Interval | null,
  actual: number
): Comparison => {
  const unit = errorUnitOf(quantity)
  return {
    quantity,
    predicted,
    interval,
    actual,
    error: unit === "points" ? pointsError(predicted, actual) : relativeError(predicted, actual),
    error_unit: unit,
    inside: interval === null ? null : insideInterval(actual, interval)
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
