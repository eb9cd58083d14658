import {
  type BootstrapHealth,
  bootstrapHealth,
  chinchillaLossLaw,
  LAW_FORMS,
  lawFormLaw,
  type ExtrapolationCalibration,
  extrapolationDecades,
  type Interval,
  type LossLaw,
  widenLossInterval
} from "@scalelab/laws"
import type { ParametricRecord } from "@scalelab/runner"
import type { ParametricResult } from "./resultsFit.ts"

/**
 * Everything a loss forecast reads from a parametric fit: the fitted law, its bootstrap refits and
 * how the bootstrap went, and the calibration that widens an interval for extrapolation. The
 * summary, report, `forecast`, dashboard and backtest all forecast loss through this, so that they
 * agree.
 */
export interface LossForecastModel {
  /** The fitted law, of the chosen form (`law.form`). */
  readonly law: LossLaw
  /** The bootstrap's refitted laws, of the same form; undefined without a bootstrap. */
  readonly replicates: ReadonlyArray<LossLaw> | undefined
  readonly health: BootstrapHealth | undefined
  /** Whether `widen` applies a measured extrapolation error (true) or leaves intervals as the bootstrap gave them. */
  readonly calibrated: boolean
  /** The loss interval at (params, tokens), widened for extrapolation when calibrated. */
  readonly widen: (interval: Interval, params: number, tokens: number) => Interval
  /** The measured miss per decade and the compute it is measured from, when calibrated. */
  readonly calibration: ExtrapolationCalibration | undefined
  /** Why intervals are not calibrated, when they are not (to print beside them). */
  readonly uncalibratedReason: string | undefined
  /** Decades of compute (6·N·D) past the largest fitted budget; 0 inside it, undefined when uncalibrated. */
  readonly decadesBeyond: (params: number, tokens: number) => number | undefined
}

/** The loss-forecast model of a parametric fit: its chosen form, that form's bootstrap, and its calibration. */
export const lossForecastModel = (result: ParametricResult): LossForecastModel => {
  const calibration = result.calibration.calibrated ? result.calibration : undefined
  return {
    law: result.law.law,
    replicates: result.bootstrap?.replicates,
    health: result.bootstrap === undefined ? undefined : bootstrapHealth(result.bootstrap.resamples_used, result.bootstrap.failed_resamples),
    calibrated: calibration !== undefined,
    widen: (interval, params, tokens) => calibration === undefined ? interval : widenLossInterval(calibration, interval, params, tokens),
    calibration,
    uncalibratedReason: result.calibration.calibrated ? undefined : result.calibration.reason,
    decadesBeyond: (params, tokens) => calibration === undefined ? undefined : extrapolationDecades(calibration, params, tokens)
  }
}

/** A published or otherwise fixed law as a model with nothing to bootstrap: its forecasts have no interval. */
export const fixedLossModel = (law: LossLaw): LossForecastModel => ({
  law,
  replicates: undefined,
  health: undefined,
  calibrated: false,
  widen: (interval) => interval,
  calibration: undefined,
  uncalibratedReason: undefined,
  decadesBeyond: () => undefined
})

const isLawForm = (form: string): form is (typeof LAW_FORMS)[number] => (LAW_FORMS as ReadonlyArray<string>).includes(form)

/**
 * The loss law a stored fit.json records: its law form when it names one (and its constants),
 * else the five constants. A stored fit keeps no bootstrap, so its forecasts have no interval.
 */
export const storedLossModel = (record: ParametricRecord): LossForecastModel =>
  fixedLossModel(
    record.form !== undefined && record.parameters !== undefined && isLawForm(record.form)
      ? lawFormLaw(record.form, record.parameters)
      : chinchillaLossLaw(record)
  )
