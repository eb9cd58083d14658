import type { Interval } from "./bootstrap.ts"
import { percentileInterval, requireLevel } from "./bootstrap.ts"
import type { ResampleCounts } from "./bootstrapHealth.ts"
import { resampleCounts } from "./bootstrapHealth.ts"
import { LawInputError } from "../lawInputError.ts"
import type { Stepwise } from "../stepwise.ts"
import { requireInteger, requirePositive } from "../validate.ts"

/** The refits of a bootstrap: those that succeeded, and how many did not and why. */
export interface ResampledFits<Fit> {
  readonly fits: ReadonlyArray<Fit>
  readonly failed: number
  /** The reason the first failed resample gave, so a user can see why; null when none failed. */
  readonly first_failure: string | null
}

/**
 * What every bootstrap result says about its own resampling: how many resamples were asked for,
 * used and failed, whether the interval can be trusted, and why the first failure failed.
 */
export interface BootstrapSummary extends ResampleCounts {
  /** Central coverage of every interval. */
  readonly level: number
  /** The reason the first failed resample gave, so a user can see why; null when none failed. */
  readonly first_failure: string | null
}

/** Intervals of the compute-optimal power laws N*(C) = k·C^a and D*(C) = k·C^b. */
export interface PowerLawIntervals {
  readonly params_opt_a: Interval
  readonly params_opt_k: Interval
  readonly tokens_opt_b: Interval
  readonly tokens_opt_k: Interval
}

// Fewer successful refits than this cannot place the tails of an interval at all.
export const minimumSuccessfulResamples = 2

/** Checks the options every bootstrap shares and returns the interval level (0.8 when left out). */
export const checkBootstrapOptions = (options: {
  readonly resamples: number
  readonly level?: number
  readonly compute?: ReadonlyArray<number>
}): number => {
  requireInteger(options.resamples, minimumSuccessfulResamples, "the number of bootstrap resamples")
  options.compute?.forEach((compute, index) => requirePositive(compute, `compute[${index}]`))
  const level = options.level ?? 0.8
  requireLevel(level)
  return level
}

/**
 * Refits every resample. A resample whose refit throws LawInputError (e.g. it drew too few
 * distinct sizes) is counted as failed and left out, not fatal: resampling can always draw a
 * degenerate sample from data that fit well; the summary's `trustworthy` says when too many did. Throws when fewer than 2 succeed, with `remedy`
 * telling the user what data would make resampling survivable. Pauses after every refit, so a
 * long bootstrap can be stopped between resamples.
 */
export function* refitResamples<Sample, Fit>(
  samples: Iterable<Sample>,
  refit: (sample: Sample) => Fit,
  remedy: string
): Stepwise<ResampledFits<Fit>> {
  const fits: Fit[] = []
  let failed = 0
  let firstFailure: string | null = null
  for (const sample of samples) {
    try {
      fits.push(refit(sample))
    } catch (error) {
      if (!(error instanceof LawInputError)) throw error
      failed++
      firstFailure ??= error.message
    }
    yield
  }
  if (fits.length < minimumSuccessfulResamples) {
    throw new LawInputError(
      `only ${fits.length} of ${fits.length + failed} bootstrap resamples could be refitted; the first failure: ${firstFailure}. ${remedy}`
    )
  }
  return { fits, failed, first_failure: firstFailure }
}

/** The summary every bootstrap result starts with. */
export const bootstrapSummary = <Fit>(level: number, resampled: ResampledFits<Fit>): BootstrapSummary => ({
  level,
  ...resampleCounts(resampled.fits.length, resampled.failed),
  first_failure: resampled.first_failure
})

/** The percentile interval of one quantity read off every refit. */
export const intervalOver = <Fit>(fits: ReadonlyArray<Fit>, quantity: (fit: Fit) => number, level: number): Interval =>
  percentileInterval(Float64Array.from(fits, quantity), level)

/** The power-law intervals over refits that carry N*(C) = k·C^a and D*(C) = k·C^b (IsoFLOP, envelope). */
export const powerLawIntervals = (
  fits: ReadonlyArray<{ readonly params_opt: { readonly k: number; readonly a: number }; readonly tokens_opt: { readonly k: number; readonly b: number } }>,
  level: number
): PowerLawIntervals => ({
  params_opt_a: intervalOver(fits, (fit) => fit.params_opt.a, level),
  params_opt_k: intervalOver(fits, (fit) => fit.params_opt.k, level),
  tokens_opt_b: intervalOver(fits, (fit) => fit.tokens_opt.b, level),
  tokens_opt_k: intervalOver(fits, (fit) => fit.tokens_opt.k, level)
})

/** Picks the entries of `items` at the indices of a resample. */
export const pick = <Item>(items: ReadonlyArray<Item>, sample: Int32Array): Item[] => Array.from(sample, (index) => items[index] as Item)
