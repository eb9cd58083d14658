// How sure the predicted best mixture is: resample the runs, refit every domain's law, and find
// the optimum again; the spread of the re-optimised weights and target loss gives the interval.
import { bootstrapResamples, type Interval, percentileInterval, requireLevel } from "../bootstrap/bootstrap.ts"
import { LawInputError } from "../lawInputError.ts"
import { fitMixingLaw, type MixingLawFit, type MixtureOptimum, type MixturePoint, optimalMixture } from "./mixingLaw.ts"

export interface MixtureBootstrapOptions {
  /** Weights of the domains' losses in the target, summing to 1 (the mean of the domains' losses: 1/K each). */
  readonly target: ReadonlyArray<number>
  readonly resamples: number
  readonly seed?: number
  /** Interval level; 0.8 for an 80% interval. */
  readonly level?: number
}

export interface MixtureBootstrap {
  readonly fit: MixingLawFit
  readonly optimum: MixtureOptimum
  /** The level-interval of the predicted target loss at the optimum; undefined without resamples that fitted. */
  readonly targetInterval?: Interval
  /** One interval per domain on its weight in the optimum. */
  readonly weightIntervals?: ReadonlyArray<Interval>
  /** Resamples whose refit succeeded (a resample may repeat too few mixtures to fit). */
  readonly resamplesFitted: number
}

/**
 * The data-mixing law fitted to all runs, its optimum for `target`, and percentile intervals from
 * refitting and re-optimising on `resamples` resamples of the runs (with replacement).
 */
export const bootstrapMixingLaw = (points: ReadonlyArray<MixturePoint>, options: MixtureBootstrapOptions): MixtureBootstrap => {
  const level = options.level ?? 0.8
  requireLevel(level)
  const fit = fitMixingLaw(points)
  const optimum = optimalMixture(fit, options.target)
  if (options.resamples === 0) return { fit, optimum, resamplesFitted: 0 }
  const targets: Array<number> = []
  const weights: Array<Array<number>> = optimum.weights.map(() => [])
  for (const sample of bootstrapResamples(points.length, options.resamples, options.seed ?? 1)) {
    try {
      const refit = optimalMixture(fitMixingLaw(Array.from(sample, (index) => points[index] as MixturePoint)), options.target)
      targets.push(refit.target)
      refit.weights.forEach((weight, j) => weights[j]?.push(weight))
    } catch (error) {
      // Too few distinct mixtures in this resample to fit: it says nothing about the spread.
      if (!(error instanceof LawInputError)) throw error
    }
  }
  if (targets.length < 2) return { fit, optimum, resamplesFitted: targets.length }
  return {
    fit,
    optimum,
    targetInterval: percentileInterval(targets, level),
    weightIntervals: weights.map((values) => percentileInterval(values, level)),
    resamplesFitted: targets.length
  }
}
