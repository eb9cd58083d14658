import type { Interval } from "./bootstrap.ts"
import { bootstrapResamples, percentileInterval, requireLevel } from "./bootstrap.ts"
import type { IsoflopFit, IsoflopPoint } from "./isoflop.ts"
import { fitIsoflop, groupIndicesByBudget } from "./isoflop.ts"
import { forecastIsoflop } from "./isoflopForecast.ts"
import { LawInputError } from "./lawInputError.ts"
import { requireInteger, requirePositive } from "./validate.ts"

export interface IsoflopBootstrapOptions {
  readonly resamples: number
  readonly seed: number
  /** Central coverage of every interval; 0.8 when left out. */
  readonly level?: number
  /** Budgets (FLOPs) at which to give forecast intervals. */
  readonly compute: ReadonlyArray<number>
}

export interface ForecastInterval {
  readonly compute: number
  readonly params: Interval
  readonly tokens: Interval
  readonly loss: Interval
}

export interface IsoflopBootstrap {
  readonly level: number
  readonly resamples_used: number
  /**
   * Resamples whose refit was impossible (e.g. a budget drew fewer than 3 distinct sizes, or lost
   * its bracketed minimum); they are left out of every interval, not fatal.
   */
  readonly failed_resamples: number
  /** The reason the first failed resample gave, so a user can see why; null when none failed. */
  readonly first_failure: string | null
  readonly params_opt_a: Interval
  readonly params_opt_k: Interval
  readonly tokens_opt_b: Interval
  readonly tokens_opt_k: Interval
  readonly forecasts: ReadonlyArray<ForecastInterval>
}

// Fewer successful refits than this cannot place the tails of an interval at all.
const minimumSuccessfulResamples = 2

/** One array per quantity collected across resamples, preallocated at the number of resamples. */
const collector = (resamples: number, computes: ReadonlyArray<number>) => ({
  a: new Float64Array(resamples),
  paramsK: new Float64Array(resamples),
  b: new Float64Array(resamples),
  tokensK: new Float64Array(resamples),
  forecasts: computes.map((compute) => ({
    compute,
    params: new Float64Array(resamples),
    tokens: new Float64Array(resamples),
    loss: new Float64Array(resamples)
  }))
})

const refit = (points: ReadonlyArray<IsoflopPoint>, sample: Int32Array): IsoflopFit | LawInputError => {
  const resampled = Array.from(sample, (index) => points[index] as IsoflopPoint)
  try {
    return fitIsoflop(resampled)
  } catch (error) {
    if (error instanceof LawInputError) return error
    throw error
  }
}

/**
 * Percentile bootstrap intervals for the IsoFLOP power laws and their forecasts. Runs are
 * resampled with replacement within each budget, so every budget keeps its number of runs (the
 * sweep's design), and each resample is refitted with `fitIsoflop`. Throws LawInputError when the
 * data themselves cannot be fitted or when fewer than 2 resamples can.
 */
export const bootstrapIsoflop = (points: ReadonlyArray<IsoflopPoint>, options: IsoflopBootstrapOptions): IsoflopBootstrap => {
  requireInteger(options.resamples, minimumSuccessfulResamples, "the number of bootstrap resamples")
  options.compute.forEach((compute, index) => requirePositive(compute, `compute[${index}]`))
  const level = options.level ?? 0.8
  requireLevel(level)
  // The full data must fit: a failure there is the user's to fix, not a resampling accident.
  fitIsoflop(points)
  const budgetOfRun = new Array<number>(points.length)
  groupIndicesByBudget(points).forEach((group, budgetIndex) => {
    for (const index of group) budgetOfRun[index] = budgetIndex
  })

  const collected = collector(options.resamples, options.compute)
  let used = 0
  let failed = 0
  let firstFailure: string | null = null
  for (const sample of bootstrapResamples(points.length, options.resamples, options.seed, budgetOfRun)) {
    const fit = refit(points, sample)
    if (fit instanceof LawInputError) {
      failed++
      firstFailure ??= fit.message
      continue
    }
    collected.a[used] = fit.params_opt.a
    collected.paramsK[used] = fit.params_opt.k
    collected.b[used] = fit.tokens_opt.b
    collected.tokensK[used] = fit.tokens_opt.k
    for (const series of collected.forecasts) {
      const forecast = forecastIsoflop(fit, series.compute)
      series.params[used] = forecast.params
      series.tokens[used] = forecast.tokens
      series.loss[used] = forecast.loss
    }
    used++
  }
  if (used < minimumSuccessfulResamples) {
    throw new LawInputError(
      `only ${used} of ${options.resamples} bootstrap resamples could be refitted; the first failure: ${firstFailure}. Add runs per budget so that resampling keeps at least 3 sizes and a bracketed minimum`
    )
  }
  const interval = (values: Float64Array): Interval => percentileInterval(values.subarray(0, used), level)
  return {
    level,
    resamples_used: used,
    failed_resamples: failed,
    first_failure: firstFailure,
    params_opt_a: interval(collected.a),
    params_opt_k: interval(collected.paramsK),
    tokens_opt_b: interval(collected.b),
    tokens_opt_k: interval(collected.tokensK),
    forecasts: collected.forecasts.map((series) => ({
      compute: series.compute,
      params: interval(series.params),
      tokens: interval(series.tokens),
      loss: interval(series.loss)
    }))
  }
}
