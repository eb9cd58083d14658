import type { Interval } from "./bootstrap.ts"
import { bootstrapResamples } from "./bootstrap.ts"
import type { IsoflopOptions, IsoflopPoint } from "../fit/isoflop.ts"
import { fitIsoflop, groupIndicesByBudget } from "../fit/isoflop.ts"
import { forecastIsoflop } from "../fit/isoflopForecast.ts"
import type { OptimalSizeInterval } from "./envelopeBootstrap.ts"
import type { BootstrapSummary, PowerLawIntervals } from "./resampledFits.ts"
import { bootstrapSummary, checkBootstrapOptions, intervalOver, pick, powerLawIntervals, refitResamples } from "./resampledFits.ts"
import type { Stepwise } from "../stepwise.ts"

/** `minimum`: how each budget's minimum is read, in the fit of the data and of every resample alike. */
export interface IsoflopBootstrapOptions extends IsoflopOptions {
  readonly resamples: number
  readonly seed: number
  /** Central coverage of every interval; 0.8 when left out. */
  readonly level?: number
  /** Budgets (FLOPs) at which to give forecast intervals. */
  readonly compute: ReadonlyArray<number>
}

/** N* and D* intervals at a compute, and the compute-optimal loss's. */
export interface ForecastInterval extends OptimalSizeInterval {
  readonly loss: Interval
}

export interface IsoflopBootstrap extends BootstrapSummary, PowerLawIntervals {
  readonly forecasts: ReadonlyArray<ForecastInterval>
}

/**
 * Percentile bootstrap intervals for the IsoFLOP power laws and their forecasts. Runs are
 * resampled with replacement within each budget, so every budget keeps its number of runs (the
 * sweep's design), and each resample is refitted with `fitIsoflop`. Throws LawInputError when the
 * data themselves cannot be fitted or when fewer than 2 resamples can.
 */
export function* bootstrapIsoflop(points: ReadonlyArray<IsoflopPoint>, options: IsoflopBootstrapOptions): Stepwise<IsoflopBootstrap> {
  const level = checkBootstrapOptions(options)
  // The full data must fit: a failure there is the user's to fix, not a resampling accident.
  fitIsoflop(points, options)
  const budgetOfRun = new Array<number>(points.length)
  groupIndicesByBudget(points).forEach((group, budgetIndex) => {
    for (const index of group) budgetOfRun[index] = budgetIndex
  })
  const resampled = yield* refitResamples(
    bootstrapResamples(points.length, options.resamples, options.seed, budgetOfRun),
    (sample) => fitIsoflop(pick(points, sample), options),
    "Add runs per budget so that resampling keeps at least 3 sizes and a bracketed minimum"
  )
  const { fits } = resampled
  return {
    ...bootstrapSummary(level, resampled),
    ...powerLawIntervals(fits, level),
    forecasts: options.compute.map((compute) => {
      const forecasts = fits.map((fit) => forecastIsoflop(fit, compute))
      return {
        compute,
        params: intervalOver(forecasts, (f) => f.params, level),
        tokens: intervalOver(forecasts, (f) => f.tokens, level),
        loss: intervalOver(forecasts, (f) => f.loss, level)
      }
    })
  }
}
