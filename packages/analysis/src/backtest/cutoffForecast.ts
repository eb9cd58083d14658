import {
  bootstrapIsoflopLevels,
  fitIsoflop,
  type IsoflopMinimumEstimator,
  forecastIsoflop,
  type Interval,
  type IsoflopBootstrap,
  type IsoflopFit,
  type IsoflopPoint,
  LawInputError,
  type Stepwise
} from "@scalelab/laws"
import { Result } from "effect"
import { computeOptimalLossForecast, type LossForecast } from "../lossForecast.ts"
import type { LossForecastModel } from "../lossForecastModel.ts"
import { hasSpread } from "../reportWriter.ts"

/** A forecast's intervals at one central coverage; a quantity is null when the bootstrap gave none for it. */
export interface LeveledIntervals {
  readonly level: number
  readonly params: Interval | null
  readonly tokens: Interval | null
  readonly loss: Interval | null
}

/** What the laws fitted below one cutoff say about one held-out budget: N*, D*, L* and their intervals at every level. */
export interface CutoffBudgetForecast {
  readonly budget: number
  readonly params: number
  readonly tokens: number
  readonly loss: number
  readonly intervals_by_level: ReadonlyArray<LeveledIntervals>
}

export interface CutoffForecast {
  readonly fit: IsoflopFit
  /** The IsoFLOP bootstrap at the first level (for its resample counts); null without one. */
  readonly bootstrap: IsoflopBootstrap | null
  readonly budgets: ReadonlyArray<CutoffBudgetForecast>
  /** Why N* and D* have no intervals, when they have none. */
  readonly intervalsNote: string | null
}

export interface ForecastSettings {
  readonly resamples: number
  readonly seed: number
  /** The central coverages to give every interval at. */
  readonly levels: ReadonlyArray<number>
  /** How each budget's minimum is read (the spec's `fit.isoflop_minimum`); the default when left out. */
  readonly minimum?: IsoflopMinimumEstimator
}

const minimumOf = (settings: ForecastSettings) => (settings.minimum === undefined ? {} : { minimum: settings.minimum })

type IsoflopIntervals =
  | { readonly _tag: "Bootstrapped"; readonly byLevel: ReadonlyArray<IsoflopBootstrap> }
  | { readonly _tag: "NoIntervals"; readonly reason: string }

/** The IsoFLOP bootstrap at every level: percentiles of one set of refitted laws. */
function* isoflopIntervals(points: ReadonlyArray<IsoflopPoint>, budgets: ReadonlyArray<number>, settings: ForecastSettings): Stepwise<IsoflopIntervals> {
  if (settings.resamples === 0) return { _tag: "NoIntervals", reason: "bootstrap turned off (0 resamples)" }
  let byLevel: ReadonlyArray<IsoflopBootstrap>
  try {
    byLevel = yield* bootstrapIsoflopLevels(points, {
      resamples: settings.resamples,
      seed: settings.seed,
      levels: settings.levels,
      compute: budgets,
      ...minimumOf(settings)
    })
  } catch (error) {
    if (error instanceof LawInputError) return { _tag: "NoIntervals", reason: error.message }
    throw error
  }
  const first = byLevel[0]
  if (first !== undefined && !hasSpread(first)) {
    return {
      _tag: "NoIntervals",
      reason: "every resample that could be refitted drew the same runs, so the intervals have no width; add sizes per budget"
    }
  }
  return { _tag: "Bootstrapped", byLevel }
}

/**
 * The compute-optimal loss forecast at `budget` with its interval at `level`, from the one loss
 * forecaster. A forecast below the law's irreducible loss means the law fitted below the cutoff is
 * broken there: no forecast can be made from this cutoff.
 */
const modelLossForecast = (model: LossForecastModel, budget: number, level: number): LossForecast => {
  const forecast = computeOptimalLossForecast(model, budget, level)
  if (Result.isFailure(forecast)) throw new LawInputError(forecast.failure.message)
  return forecast.success
}

/**
 * The forecast of one cutoff: fits the IsoFLOP power laws on `points` (the runs below the cutoff)
 * and reads N*, D* off them at each held-out budget with bootstrap intervals at every level. The
 * compute-optimal loss and its intervals come from `lossModel` (the parametric law, through the same
 * model the summary, report and `forecast` read) or, when it is null, from the IsoFLOP L*(C).
 * Pure apart from pausing between bootstrap refits; throws LawInputError when the power laws cannot
 * be fitted or the loss law forecasts below its own irreducible loss.
 */
export function* forecastAtCutoff(
  points: ReadonlyArray<IsoflopPoint>,
  heldOutBudgets: ReadonlyArray<number>,
  settings: ForecastSettings,
  lossModel: LossForecastModel | null
): Stepwise<CutoffForecast> {
  const fit = fitIsoflop(points, minimumOf(settings))
  const intervals = yield* isoflopIntervals(points, heldOutBudgets, settings)
  const budgets = heldOutBudgets.map((budget): CutoffBudgetForecast => {
    const isoflop = forecastIsoflop(fit, budget)
    return {
      budget,
      params: isoflop.params,
      tokens: isoflop.tokens,
      loss: lossModel === null ? isoflop.loss : lossModel.law.optimumAt(budget).loss,
      intervals_by_level: settings.levels.map((level, index): LeveledIntervals => {
        const bootstrapped = intervals._tag === "Bootstrapped"
          ? intervals.byLevel[index]?.forecasts.find((f) => f.compute === budget)
          : undefined
        return {
          level,
          params: bootstrapped?.params ?? null,
          tokens: bootstrapped?.tokens ?? null,
          loss: lossModel === null ? bootstrapped?.loss ?? null : modelLossForecast(lossModel, budget, level).interval ?? null
        }
      })
    }
  })
  return {
    fit,
    bootstrap: intervals._tag === "Bootstrapped" ? intervals.byLevel[0] ?? null : null,
    budgets,
    intervalsNote: intervals._tag === "NoIntervals" ? intervals.reason : null
  }
}
