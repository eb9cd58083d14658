import { LawInputError } from "../lawInputError.ts"
import type { Interval } from "./bootstrap.ts"
import { bootstrapResamples } from "./bootstrap.ts"
import type { DownstreamFit, DownstreamPoint, NllAccuracyPoint } from "../downstream/downstream.ts"
import { fitDownstream, forecastAccuracy } from "../downstream/downstream.ts"
import type { BootstrapSummary } from "./resampledFits.ts"
import { bootstrapSummary, checkBootstrapOptions, intervalOver, pick, refitResamples } from "./resampledFits.ts"
import type { Stepwise } from "../stepwise.ts"

export interface DownstreamBootstrapOptions {
  readonly resamples: number
  readonly seed: number
  /** Central coverage of every interval; 0.8 when left out. */
  readonly level?: number
  /** Training budgets (FLOPs) at which to give forecast intervals. */
  readonly compute: ReadonlyArray<number>
  /** Stage-2-only points, as in `fitDownstream`; resampled among themselves. */
  readonly extraAccuracyPoints?: ReadonlyArray<NllAccuracyPoint>
}

export interface AccuracyForecastInterval {
  readonly compute: number
  readonly nll: Interval
  readonly accuracy: Interval
}

export interface DownstreamBootstrap extends BootstrapSummary {
  /** Stage 1: nll(C) = E + A·C^(−α). */
  readonly nll: { readonly E: Interval; readonly A: Interval; readonly alpha: Interval }
  /** Stage 2: the accuracy sigmoid of the NLL. */
  readonly accuracy: { readonly chance: Interval; readonly span: Interval; readonly steepness: Interval; readonly midpoint: Interval }
  readonly forecasts: ReadonlyArray<AccuracyForecastInterval>
}

/**
 * A resample whose fit runs off to infinity (a sigmoid that turns into a step on a few distinct
 * points, say) fails like one that cannot be fitted: it is left out and counted, rather than
 * making every interval impossible.
 */
const requireFiniteResample = (fit: DownstreamFit, computes: ReadonlyArray<number>): void => {
  const values = [
    fit.nll.E, fit.nll.A, fit.nll.alpha,
    fit.accuracy.chance, fit.accuracy.span, fit.accuracy.steepness, fit.accuracy.midpoint,
    ...computes.flatMap((compute) => {
      const forecast = forecastAccuracy(fit, compute)
      return [forecast.nll, forecast.accuracy]
    })
  ]
  if (!values.every(Number.isFinite)) {
    throw new LawInputError("a resample's fit has a parameter or forecast that is not finite")
  }
}

/**
 * Percentile bootstrap intervals for both stages of the downstream law and for the forecast NLL and
 * accuracy at each target compute. Models (points) are resampled with replacement and both stages
 * refitted on each resample, so the stage-2 interval carries the stage-1 uncertainty through the
 * chain. Extra stage-2 points are resampled within their own group, so each resample keeps as many
 * sweep models as the sweep has. Throws LawInputError when fewer than 2 resamples can be refitted.
 */
export function* bootstrapDownstream(points: ReadonlyArray<DownstreamPoint>, options: DownstreamBootstrapOptions): Stepwise<DownstreamBootstrap> {
  const level = checkBootstrapOptions(options)
  const extra = options.extraAccuracyPoints ?? []
  // The full data must fit: a failure there is the user's to fix, not a resampling accident.
  fitDownstream(points, extra)
  const all: ReadonlyArray<NllAccuracyPoint> = [...points, ...extra]
  const groups = all.map((_, index) => (index < points.length ? 0 : 1))
  const refit = (sample: Int32Array): DownstreamFit => {
    const drawn = pick(all, sample)
    // Stratification keeps the sweep's models in the first points.length positions.
    const fit = fitDownstream(drawn.slice(0, points.length) as DownstreamPoint[], drawn.slice(points.length))
    requireFiniteResample(fit, options.compute)
    return fit
  }
  const resampled = yield* refitResamples(
    bootstrapResamples(all.length, options.resamples, options.seed, groups),
    refit,
    "Add models at more compute budgets, so that a resample keeps at least 5 distinct ones"
  )
  const { fits } = resampled
  const interval = (quantity: (fit: DownstreamFit) => number): Interval => intervalOver(fits, quantity, level)
  return {
    ...bootstrapSummary(level, resampled),
    nll: { E: interval((fit) => fit.nll.E), A: interval((fit) => fit.nll.A), alpha: interval((fit) => fit.nll.alpha) },
    accuracy: {
      chance: interval((fit) => fit.accuracy.chance),
      span: interval((fit) => fit.accuracy.span),
      steepness: interval((fit) => fit.accuracy.steepness),
      midpoint: interval((fit) => fit.accuracy.midpoint)
    },
    forecasts: options.compute.map((compute) => {
      const forecasts = fits.map((fit) => forecastAccuracy(fit, compute))
      return {
        compute,
        nll: intervalOver(forecasts, (forecast) => forecast.nll, level),
        accuracy: intervalOver(forecasts, (forecast) => forecast.accuracy, level)
      }
    })
  }
}
