import type { Interval } from "./bootstrap.ts"
import { bootstrapResamples, percentileInterval } from "./bootstrap.ts"
import type { ResampleCounts } from "./bootstrapHealth.ts"
import { resampleCounts } from "./bootstrapHealth.ts"
import { LawInputError } from "../lawInputError.ts"
import type { ParametricCoefficients, ParametricFit, ParametricPoint } from "../fit/parametric.ts"
import { fitParametric } from "../fit/parametric.ts"
import type { Stepwise } from "../stepwise.ts"

const coefficientNames = ["E", "A", "B", "alpha", "beta"] as const

export interface ParametricBootstrapOptions {
  readonly resamples: number
  readonly seed: number
  /** Central interval level; 0.8 gives the 10th and 90th percentiles. */
  readonly level?: number
  readonly delta?: number
}

export interface ParametricBootstrap extends ResampleCounts {
  /** The refitted constants of every resample that could be fitted. */
  readonly replicates: ReadonlyArray<ParametricCoefficients>
  /** A percentile interval per constant. */
  readonly ci: { readonly [name in (typeof coefficientNames)[number]]: Interval }
  /** Resamples that could not be fitted (e.g. every drawn run at one model size); `failed_resamples` too. */
  readonly failed: number
}

/**
 * A nonparametric bootstrap of the parametric fit: runs resampled with replacement, each resample
 * refitted from the full fit's constants alone. A resample moves the optimum only a little, so
 * one warm start finds it where a fresh grid search would cost thousands of starts. Pauses after
 * every refit, so a long bootstrap can be stopped between resamples.
 */
export function* bootstrapParametric(
  points: ReadonlyArray<ParametricPoint>,
  fit: ParametricFit,
  options: ParametricBootstrapOptions
): Stepwise<ParametricBootstrap> {
  const replicates: ParametricCoefficients[] = []
  let failed = 0
  for (const sample of bootstrapResamples(points.length, options.resamples, options.seed)) {
    const resampled = Array.from(sample, (index) => points[index] as ParametricPoint)
    try {
      const { E, A, B, alpha, beta } = fitParametric(resampled, { starts: [fit], ...(options.delta === undefined ? {} : { delta: options.delta }) })
      // A refit that ran a constant off to infinity (a term the resample cannot pin down) has no
      // law to report: it counts as failed, like a resample that cannot be fitted at all.
      if ([E, A, B, alpha, beta].every(Number.isFinite)) replicates.push({ E, A, B, alpha, beta })
      else failed++
    } catch (error) {
      if (!(error instanceof LawInputError)) throw error
      failed++
    }
    yield
  }
  if (replicates.length === 0) {
    throw new LawInputError(`none of ${options.resamples} bootstrap resamples could be fitted: add runs at more sizes and token counts`)
  }
  const interval = (name: (typeof coefficientNames)[number]) =>
    percentileInterval(replicates.map((replicate) => replicate[name]), options.level)
  return {
    replicates,
    ci: { E: interval("E"), A: interval("A"), B: interval("B"), alpha: interval("alpha"), beta: interval("beta") },
    failed,
    ...resampleCounts(replicates.length, failed)
  }
}
