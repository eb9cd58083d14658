// Where every loss forecast of a set of runs comes from: the parametric law fitted to them (with
// its bootstrap, for intervals), or why there is none and what to do about it.
import { Effect, Result } from "effect"
import type { FitMethod } from "@scalelab/spec"
import { sci } from "@scalelab/sweep"
import { computeOptimalLossForecast, type ImpossibleLossForecast, type LossForecast } from "./lossForecast.ts"
import { type LossForecastModel, lossForecastModel } from "./lossForecastModel.ts"
import { fitParametricResults, type ParametricRequest, type ParametricResult } from "./resultsFit.ts"
import type { ResultPoint } from "./resultsInput.ts"

// Chinchilla's approach 3 fits five constants: fewer runs leave it undetermined.
export const parametricMinimumRuns = 5

export type LossSource =
  | {
    readonly _tag: "Fitted"
    readonly result: ParametricResult
    readonly model: LossForecastModel
    /** Why the forecasts have no intervals although a bootstrap was asked for. */
    readonly noIntervals: string | undefined
  }
  | { readonly _tag: "NoLaw"; readonly reason: string }

/** Why a spec that does not fit the parametric law gets no loss forecast. */
export const parametricNotAsked =
  "`parametric` is not in the spec's fit.methods, and only the parametric law (which has an irreducible loss) forecasts loss: " +
  "add it to fit.methods, or run `scalelab forecast --from SPEC --compute C`"

const tooFewRuns = (runs: number) =>
  `the parametric law needs at least ${parametricMinimumRuns} runs to fit its five constants, got ${runs}: add runs at more sizes and token counts`

/**
 * Fits the parametric law to `points` with `bootstrap` resamples. A bootstrap that fails leaves the
 * law standing without intervals; a law that cannot be fitted becomes the reason there is no loss
 * forecast. With `methods`, the law is fitted only where they name it (a spec's fit.methods).
 */
export const fitLossSource = (
  points: ReadonlyArray<ResultPoint>,
  bootstrap: ParametricRequest,
  methods?: ReadonlyArray<FitMethod>
): Effect.Effect<LossSource> => {
  if (methods !== undefined && !methods.includes("parametric")) return Effect.succeed({ _tag: "NoLaw", reason: parametricNotAsked })
  if (points.length < parametricMinimumRuns) return Effect.succeed({ _tag: "NoLaw", reason: tooFewRuns(points.length) })
  const fitted = (request: ParametricRequest, noIntervals: string | undefined) =>
    Effect.map(fitParametricResults(points, request), (result): LossSource => ({ _tag: "Fitted", result, model: lossForecastModel(result), noIntervals }))
  return fitted(bootstrap, undefined).pipe(
    Effect.catch((bootstrapFailure) =>
      bootstrap.resamples === 0 ? Effect.fail(bootstrapFailure) : fitted({ ...bootstrap, resamples: 0 }, bootstrapFailure.message)
    ),
    Effect.catch((failure) =>
      Effect.succeed<LossSource>({ _tag: "NoLaw", reason: `the parametric law could not be fitted: ${failure.message}` })
    )
  )
}

/** The compute-optimal loss forecast at one budget, or why that forecast is impossible. */
export interface ComputeLossForecast {
  readonly compute: number
  readonly forecast: Result.Result<LossForecast, ImpossibleLossForecast>
}

/** The loss forecasts of a summary or report, one per budget, or why there are none. */
export type LossForecasts =
  | { readonly _tag: "Forecasts"; readonly rows: ReadonlyArray<ComputeLossForecast>; readonly noIntervals: string | undefined }
  | { readonly _tag: "NoLaw"; readonly reason: string }

/** The source's compute-optimal loss at each of `computes`. */
export const lossForecastsAt = (source: LossSource, computes: ReadonlyArray<number>): LossForecasts =>
  source._tag === "NoLaw"
    ? source
    : {
      _tag: "Forecasts",
      rows: computes.map((compute) => ({ compute, forecast: computeOptimalLossForecast(source.model, compute) })),
      noIntervals: source.noIntervals
    }

/** The forecast at `compute`, when there is one that is possible. */
export const lossForecastAtCompute = (forecasts: LossForecasts, compute: number): LossForecast | undefined => {
  if (forecasts._tag === "NoLaw") return undefined
  const row = forecasts.rows.find((r) => r.compute === compute)
  return row === undefined || Result.isFailure(row.forecast) ? undefined : row.forecast.success
}

/** One line per problem with the loss forecasts: no law, an impossible forecast, a bootstrap that gave no intervals or untrustworthy ones. */
export const lossForecastProblems = (forecasts: LossForecasts): ReadonlyArray<string> => {
  if (forecasts._tag === "NoLaw") return [`no loss forecast: ${forecasts.reason}`]
  const impossible = forecasts.rows.flatMap((row) =>
    Result.isFailure(row.forecast) ? [`no loss forecast at C = ${sci(row.compute)}: ${row.forecast.failure.message}`] : []
  )
  const warnings = [...new Set(forecasts.rows.flatMap((row) =>
    Result.isSuccess(row.forecast) && row.forecast.success.health?.warning !== undefined ? [row.forecast.success.health.warning] : []
  ))]
  return [
    ...impossible,
    ...(forecasts.noIntervals === undefined ? [] : [`no loss intervals: the parametric bootstrap failed: ${forecasts.noIntervals}`]),
    ...warnings.map((warning) => `loss intervals not reliable: ${warning}`)
  ]
}
