// The one loss forecaster: every surface that prints a loss forecast (the end of a sweep, the
// report, `scalelab forecast`, the dashboard, the backtest) reads it from here, through a fit's
// LossForecastModel, so that they print the same number for the same fit.
import { Data, Result } from "effect"
import {
  type BootstrapHealth,
  bootstrapHealth,
  type Interval,
  type LossAllocation,
  type LossLaw,
  percentileInterval,
  sixNDFlops
} from "@scalelab/laws"
import type { LossForecastModel } from "./lossForecastModel.ts"

/** Central coverage of every loss interval printed. */
export const lossIntervalLevel = 0.8

/** A loss forecast at a model size and token count, with its interval when the fit was bootstrapped. */
export interface LossForecast {
  /** 6·N·D. */
  readonly compute: number
  readonly params: number
  readonly tokens: number
  readonly loss: number
  /** The 80% interval over the bootstrap's refitted laws, widened for extrapolation when calibrated; undefined without a bootstrap. */
  readonly interval: Interval | undefined
  /** How the bootstrap went at this forecast (a refit with no finite forecast here counts as failed); undefined without one. */
  readonly health: BootstrapHealth | undefined
  /** Whether the interval was widened by a measured extrapolation error (see LossForecastModel.calibrated). */
  readonly calibrated: boolean
}

/**
 * A loss forecast below the law's irreducible loss: no model reaches it, so the law (or one of its
 * bootstrap refits) is broken, not the user's request. A failure of the fit (exit 1), never output.
 */
export class ImpossibleLossForecast extends Data.TaggedError("ImpossibleLossForecast")<{ readonly message: string }> {}

const where = (params: number, tokens: number) => `N = ${params.toExponential(3)}, D = ${tokens.toExponential(3)}`

const belowFloor = (law: LossLaw, loss: number, params: number, tokens: number, which: string) =>
  new ImpossibleLossForecast({
    message: `${which} forecasts loss ${loss.toFixed(4)} at ${where(params, tokens)}, below its own irreducible loss ` +
      `${law.floor.toFixed(4)}: no model can reach that, so the fit is broken there. Check the fit's residuals ` +
      "(`scalelab fit INPUT --method parametric`), add runs nearer this size and data, or forecast less far out"
  })

/**
 * A forecast from the model's law and every replicate, each asked the same question. The point and
 * each replicate must lie at or above their own law's floor; replicates with no finite answer (an
 * exponent refitted to about 0) are left out and count as failed resamples.
 */
const forecastWith = (
  model: LossForecastModel,
  at: (law: LossLaw) => LossAllocation,
  level: number
): Result.Result<LossForecast, ImpossibleLossForecast> => {
  const point = at(model.law)
  if (point.loss < model.law.floor) return Result.fail(belowFloor(model.law, point.loss, point.params, point.tokens, `the ${model.law.form} law`))
  const base = { compute: sixNDFlops(point.params, point.tokens), params: point.params, tokens: point.tokens, loss: point.loss, calibrated: model.calibrated }
  if (model.replicates === undefined || model.health === undefined) return Result.succeed({ ...base, interval: undefined, health: undefined })
  const losses: Array<number> = []
  for (const [index, replicate] of model.replicates.entries()) {
    const forecast = at(replicate)
    if (!Number.isFinite(forecast.loss)) continue
    if (forecast.loss < replicate.floor) {
      return Result.fail(belowFloor(replicate, forecast.loss, forecast.params, forecast.tokens, `bootstrap refit ${index + 1} of the ${replicate.form} law`))
    }
    losses.push(forecast.loss)
  }
  const health = bootstrapHealth(losses.length, model.health.failed + model.replicates.length - losses.length)
  const interval = losses.length === 0 ? undefined : model.widen(percentileInterval(losses, level), point.params, point.tokens)
  return Result.succeed({ ...base, interval, health })
}

/**
 * The compute-optimal loss at `compute` FLOPs: the law's optimum there, with the replicates' optima
 * for its interval at `level` (a backtest asks for several).
 */
export const computeOptimalLossForecast = (model: LossForecastModel, compute: number, level = lossIntervalLevel) =>
  forecastWith(model, (law) => law.optimumAt(compute), level)

/** The loss of a model of `params` parameters trained on `tokens` tokens, with the replicates' losses there for its interval. */
export const lossForecastAt = (model: LossForecastModel, params: number, tokens: number) =>
  forecastWith(model, (law) => ({ params, tokens, loss: law.lossAt(params, tokens) }), lossIntervalLevel)


/** How an interval is to be read, in words: "from K bootstrap resamples" and, when they are not enough, why. */
export const intervalProvenance = (forecast: Pick<LossForecast, "health" | "calibrated">): string | undefined => {
  const { health } = forecast
  if (health === undefined) return undefined
  const source = `from ${health.used} of ${health.requested} bootstrap resamples` +
    (forecast.calibrated ? ", widened by the measured extrapolation error" : ", not calibrated for extrapolation")
  return health.trustworthy ? source : `${source}; ${health.warning}`
}

/** A forecast's bootstrap as JSON: how many resamples it used, whether to trust and how it was widened. */
export const lossBootstrapJson = (forecast: Pick<LossForecast, "health" | "calibrated">) =>
  forecast.health === undefined ? undefined : {
    resamples_requested: forecast.health.requested,
    resamples_used: forecast.health.used,
    resamples_failed: forecast.health.failed,
    trustworthy: forecast.health.trustworthy,
    calibrated: forecast.calibrated,
    ...(forecast.health.warning === undefined ? {} : { warning: forecast.health.warning })
  }
