// How sure the predicted best mixture is: resample the runs, refit every domain's law, and find
// the optimum again; the spread of the re-optimised weights and target loss gives the interval.
import { bootstrapResamples, type Interval, percentileInterval, requireLevel } from "../bootstrap/bootstrap.ts"
import { LawInputError } from "../lawInputError.ts"
import { mulberry32 } from "../random.ts"
import { fitMixingLaw, type MixingLawFit, type MixtureOptimum, type MixturePoint, optimalMixture, predictDomainLosses, targetLoss } from "./mixingLaw.ts"

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
  /** The law refitted on each resample that fitted: intervals at other mixtures come from these. */
  readonly refits: ReadonlyArray<MixingLawFit>
  readonly level: number
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
  if (options.resamples === 0) return { fit, optimum, resamplesFitted: 0, refits: [], level }
  const refits: Array<MixingLawFit> = []
  const targets: Array<number> = []
  const weights: Array<Array<number>> = optimum.weights.map(() => [])
  for (const sample of bootstrapResamples(points.length, options.resamples, options.seed ?? 1)) {
    try {
      const law = fitMixingLaw(Array.from(sample, (index) => points[index] as MixturePoint))
      const refit = optimalMixture(law, options.target)
      refits.push(law)
      targets.push(refit.target)
      refit.weights.forEach((weight, j) => weights[j]?.push(weight))
    } catch (error) {
      // Too few distinct mixtures in this resample to fit: it says nothing about the spread.
      if (!(error instanceof LawInputError)) throw error
    }
  }
  if (targets.length < 2) return { fit, optimum, resamplesFitted: targets.length, refits, level }
  return {
    fit,
    optimum,
    refits,
    level,
    targetInterval: percentileInterval(targets, level),
    weightIntervals: weights.map((values) => percentileInterval(values, level)),
    resamplesFitted: targets.length
  }
}

/** Intervals of the target at one mixture: the law's prediction, and what one new run there would measure. */
export interface MixtureTargetIntervals {
  /** The spread of the refitted laws' target at `weights`: how sure the law's mean prediction is. */
  readonly law: Interval
  /**
   * With the runs' own scatter about the law added (each refit's prediction plus the residuals of
   * one run drawn at random, all domains together): where a single new run's target loss should land.
   */
  readonly newRun: Interval
}

/**
 * The bootstrap's intervals on the target loss at mixture `weights` (e.g. the predicted optimum
 * rounded as it is trained); undefined without at least two refits.
 */
export const mixtureTargetIntervals = (
  bootstrap: MixtureBootstrap,
  points: ReadonlyArray<MixturePoint>,
  target: ReadonlyArray<number>,
  weights: ReadonlyArray<number>,
  seed = 1
): MixtureTargetIntervals | undefined => {
  if (bootstrap.refits.length < 2 || points.length === 0) return undefined
  const residuals = points.map((point) => {
    const predicted = predictDomainLosses(bootstrap.fit, point.weights)
    return point.losses.reduce((sum, loss, i) => sum + (target[i] ?? 0) * (loss - (predicted[i] ?? 0)), 0)
  })
  const random = mulberry32(seed)
  const laws = bootstrap.refits.map((law) => targetLoss(law, target, weights))
  const newRuns = laws.map((value) => value + (residuals[Math.floor(random() * residuals.length)] ?? 0))
  return { law: percentileInterval(laws, bootstrap.level), newRun: percentileInterval(newRuns, bootstrap.level) }
}
