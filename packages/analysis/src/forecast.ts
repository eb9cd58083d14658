import { Effect } from "effect"
import { forecastIsoflop, type IsoflopMinimumEstimator, lawByName, type Stepwise } from "@scalelab/laws"
import type { ForecastMethod } from "@scalelab/spec"
import { attempt, attemptStepwise } from "@scalelab/sweep"
import { allocationAt, type AllocationInterval, replicateInterval, type Target } from "./allocationInterval.ts"
import { type Allocation, fitIsoflopResults, fitParametricResults, parametricForecaster, publishedForecaster } from "./resultsFit.ts"
import type { LoadedResults, ResultPoint } from "./resultsInput.ts"

/** The compute-optimal allocation at a target, with its interval when a bootstrap gave one. */
export interface Forecast {
  readonly point: Allocation
  readonly interval: AllocationInterval | undefined
  /** Why a bootstrap gave no interval, when it could not. */
  readonly note: string | undefined
}

function* isoflopForecast(
  points: ReadonlyArray<ResultPoint>,
  minimum: IsoflopMinimumEstimator,
  target: Target,
  resamples: number,
  seed: number
): Stepwise<Forecast> {
  const computes = target.quantity === "compute" ? [target.value] : []
  const { fit, bootstrap } = yield* fitIsoflopResults(points, { resamples, seed, minimum }, computes)
  const point = allocationAt((compute) => forecastIsoflop(fit, compute), target)
  const interval = bootstrap?.forecasts[0]
  return {
    point,
    interval: interval === undefined ? undefined : { compute: [interval.compute, interval.compute], params: interval.params, tokens: interval.tokens, loss: interval.loss },
    note: bootstrap !== undefined && interval === undefined
      ? "the isoflop bootstrap gives intervals at a fixed compute only: use --compute, or --method parametric"
      : undefined
  }
}

const parametricForecast = (points: ReadonlyArray<ResultPoint>, target: Target, resamples: number, seed: number) =>
  Effect.flatMap(fitParametricResults(points, { resamples, seed }), ({ fit, bootstrap }) =>
    attempt((): Forecast => ({
      point: allocationAt(parametricForecaster(fit), target),
      interval: bootstrap === undefined ? undefined : replicateInterval(bootstrap.replicates.map(parametricForecaster), target),
      note: undefined
    })))

/**
 * The forecast of a fit of the results' points by `method`, with `resamples` bootstrap resamples for
 * its interval (0 for none); the IsoFLOP fit reads each budget's minimum as the results say.
 */
export const forecastFromFit = (
  results: Pick<LoadedResults, "points" | "isoflopMinimum">,
  method: ForecastMethod,
  target: Target,
  resamples: number,
  seed: number
) =>
  method === "isoflop"
    ? attemptStepwise(() => isoflopForecast(results.points, results.isoflopMinimum, target, resamples, seed))
    : parametricForecast(results.points, target, resamples, seed)

/** The forecast of a published law, by its name (see `publishedLaws`), and the law's own name. */
export const forecastFromLaw = (name: string, target: Target) =>
  Effect.gen(function*() {
    const law = yield* attempt(() => lawByName(name))
    const forecast: Forecast = { point: yield* attempt(() => allocationAt(publishedForecaster(law), target)), interval: undefined, note: undefined }
    return { forecast, law: law.name }
  })
