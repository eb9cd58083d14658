import { type BootstrapHealth, bootstrapHealth, chinchillaLossLaw, type Interval, type LossLaw } from "@scalelab/laws"
import type { ParametricResult } from "./resultsFit.ts"

/**
 * Everything a loss forecast reads from a parametric fit: the fitted law, its bootstrap refits and
 * how the bootstrap went, and the calibration that widens an interval for extrapolation. The
 * summary, report, `forecast`, dashboard and backtest all forecast loss through this, so that they
 * agree.
 */
export interface LossForecastModel {
  readonly law: LossLaw
  /** The bootstrap's refitted laws; undefined without a bootstrap. */
  readonly replicates: ReadonlyArray<LossLaw> | undefined
  readonly health: BootstrapHealth | undefined
  /** Whether `widen` applies a measured extrapolation error (true) or leaves intervals as the bootstrap gave them. */
  readonly calibrated: boolean
  /** The loss interval at (params, tokens), widened for extrapolation when calibrated. */
  readonly widen: (interval: Interval, params: number, tokens: number) => Interval
}

/** The loss-forecast model of a parametric fit. */
export const lossForecastModel = (result: ParametricResult): LossForecastModel => ({
  law: chinchillaLossLaw(result.fit),
  replicates: result.bootstrap?.replicates.map(chinchillaLossLaw),
  health: result.bootstrap === undefined ? undefined : bootstrapHealth(result.bootstrap.replicates.length, result.bootstrap.failed),
  calibrated: false,
  widen: (interval) => interval
})
