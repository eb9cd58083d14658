import type { Interval } from "./bootstrap.ts"
import { bootstrapResamples } from "./bootstrap.ts"
import type { EnvelopeFit, EnvelopeOptions, TrainingCurve } from "../fit/envelope.ts"
import { envelopeOptimal, fitEnvelope } from "../fit/envelope.ts"
import type { BootstrapSummary, PowerLawIntervals } from "./resampledFits.ts"
import { bootstrapSummary, checkBootstrapOptions, intervalOver, pick, powerLawIntervals, refitResamples } from "./resampledFits.ts"
import type { Stepwise } from "../stepwise.ts"

export interface EnvelopeBootstrapOptions extends EnvelopeOptions {
  readonly resamples: number
  readonly seed: number
  /** Central coverage of every interval; 0.8 when left out. */
  readonly level?: number
  /** Budgets (FLOPs) at which to give intervals for N* and D*. */
  readonly compute: ReadonlyArray<number>
}

export interface OptimalSizeInterval {
  readonly compute: number
  readonly params: Interval
  readonly tokens: Interval
}

export interface EnvelopeBootstrap extends BootstrapSummary, PowerLawIntervals {
  readonly forecasts: ReadonlyArray<OptimalSizeInterval>
}

/**
 * Percentile bootstrap intervals for the envelope's power laws and for N*, D* at each target
 * compute. Whole runs (training curves) are resampled with replacement, not envelope points: the
 * points along one curve share that run's seed and schedule, so they are not independent draws,
 * and the envelope is rebuilt from each resample of runs. Throws LawInputError when fewer than 2
 * resamples can be refitted.
 */
export function* bootstrapEnvelope(curves: ReadonlyArray<TrainingCurve>, options: EnvelopeBootstrapOptions): Stepwise<EnvelopeBootstrap> {
  const level = checkBootstrapOptions(options)
  const envelopeOptions = options.gridSize === undefined ? {} : { gridSize: options.gridSize }
  // The full data must fit: a failure there is the user's to fix, not a resampling accident.
  fitEnvelope(curves, envelopeOptions)
  const resampled = yield* refitResamples(
    bootstrapResamples(curves.length, options.resamples, options.seed),
    (sample) => fitEnvelope(pick(curves, sample), envelopeOptions),
    "Train more model sizes, so that a resample of runs keeps an optimum with smaller and larger runs beside it"
  )
  const { fits } = resampled
  const interval = (quantity: (fit: EnvelopeFit) => number): Interval => intervalOver(fits, quantity, level)
  return {
    ...bootstrapSummary(level, resampled),
    ...powerLawIntervals(fits, level),
    forecasts: options.compute.map((compute) => ({
      compute,
      params: interval((fit) => envelopeOptimal(fit, compute).params),
      tokens: interval((fit) => envelopeOptimal(fit, compute).tokens)
    }))
  }
}
