import type { Interval } from "./bootstrap.ts"
import { requireLevel } from "./bootstrap.ts"
import { requirePositive } from "../validate.ts"
import type { Backtest } from "../fit/lawFormScores.ts"

/**
 * How far a law's extrapolations have missed, per decade of compute past the largest fitted
 * budget: what widens a loss interval for the law's misspecification, which a bootstrap (refitting
 * the same form to resampled runs) cannot see.
 */
export interface ExtrapolationCalibration {
  readonly calibrated: true
  readonly level: number
  /** s: the miss in ln(loss) per decade of extrapolation that `level` of the backtests' runs stayed within. */
  readonly per_decade: number
  /** The held-out runs it was measured on. */
  readonly errors_used: number
  /** The compute (6·N·D) of the largest budget the law was fitted to: distances are measured from it. */
  readonly reference_compute: number
}

export interface Uncalibrated {
  readonly calibrated: false
  readonly reason: string
}

// Leave-one- and leave-two-largest-out both: one backtest measures the miss at a single distance.
export const minCalibrationBacktests = 2

/**
 * The split-conformal quantile of |ln(predicted/actual)| / decades over the backtests' held-out runs.
 *
 * Why this shape: an error δ in a fitted exponent moves ln L̂ by about δ·ln(C) — linearly in the
 * decades extrapolated — so dividing each miss by its distance puts the runs of every backtest on
 * one scale s, and the widening at a forecast d decades out is s·d, growing with distance. Why this
 * quantile: taking s as the ⌈(n+1)·level⌉-th smallest of the n scaled misses is split-conformal
 * prediction (Vovk et al. 2005; Angelopoulos & Bates 2023): if the forecast's scaled miss is
 * exchangeable with the backtests', it is at most s with probability ≥ level. With level 0.8, the
 * widened interval is an 80% interval for misspecification as the bootstrap's is for noise.
 * The held-out runs of one budget share a fit, so they are not independent: the guarantee is
 * approximate, and needs the two backtests (minCalibrationBacktests) to see more than one distance.
 */
export const calibrateExtrapolation = (
  backtests: ReadonlyArray<Backtest>,
  referenceCompute: number,
  level = 0.8
): ExtrapolationCalibration | Uncalibrated => {
  requireLevel(level)
  requirePositive(referenceCompute, "the reference compute")
  if (backtests.length < minCalibrationBacktests) {
    return {
      calibrated: false,
      reason: `calibrating extrapolation needs leave-one- and leave-two-largest-out backtests (at least 4 budgets); ${
        backtests.length === 0 ? "none could be run" : "only leave-one-largest-out could be run"
      }`
    }
  }
  const scaled = backtests
    .flatMap((backtest) => backtest.errors)
    .filter((error) => error.decades > 0 && Number.isFinite(error.log_error))
    .map((error) => Math.abs(error.log_error) / error.decades)
    .sort((p, q) => p - q)
  if (scaled.length === 0) return { calibrated: false, reason: "no held-out run lies beyond its backtest's largest fitted budget" }
  const rank = Math.min(Math.ceil((scaled.length + 1) * level), scaled.length)
  return { calibrated: true, level, per_decade: scaled[rank - 1] as number, errors_used: scaled.length, reference_compute: referenceCompute }
}

/** Decades of compute (6·N·D) past the reference; 0 inside the fitted range. */
export const extrapolationDecades = (calibration: ExtrapolationCalibration, params: number, tokens: number): number =>
  Math.max(0, Math.log10((6 * params * tokens) / calibration.reference_compute))

/**
 * A loss interval widened for extrapolation: each end moved out by the factor e^(s·d) at d decades
 * past the largest fitted budget. Adding the miss to the bootstrap's spread in ln(loss), rather
 * than in quadrature, errs wide: the two are not independent (both grow with distance).
 */
export const widenLossInterval = (calibration: ExtrapolationCalibration, interval: Interval, params: number, tokens: number): Interval => {
  const factor = Math.exp(calibration.per_decade * extrapolationDecades(calibration, params, tokens))
  return [interval[0] / factor, interval[1] * factor]
}
