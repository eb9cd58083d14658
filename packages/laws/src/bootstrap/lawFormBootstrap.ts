import type { Interval } from "./bootstrap.ts"
import { bootstrapResamples, percentileInterval } from "./bootstrap.ts"
import type { ResampleCounts } from "./bootstrapHealth.ts"
import { resampleCounts } from "./bootstrapHealth.ts"
import { LawInputError } from "../lawInputError.ts"
import type { LawForm, LawFormParameters } from "../fit/lawForms.ts"
import { fitLawForm, lawFormLaw } from "../fit/lawForms.ts"
import type { LossLaw } from "../fit/lossLaw.ts"
import type { ParametricPoint } from "../fit/parametric.ts"
import type { Stepwise } from "../stepwise.ts"

export interface LawFormBootstrapOptions {
  readonly resamples: number
  readonly seed: number
  /** Central interval level; 0.8 gives the 10th and 90th percentiles. */
  readonly level?: number
  readonly delta?: number
}

export interface LawFormBootstrap extends ResampleCounts {
  readonly form: LawForm
  /** The refitted constants of every resample that could be fitted. */
  readonly replicates: ReadonlyArray<LawFormParameters>
  /** The same refits as laws of the form. */
  readonly laws: ReadonlyArray<LossLaw>
  /** A percentile interval per constant. */
  readonly ci: Readonly<Record<string, Interval>>
  readonly level: number
}

/**
 * A nonparametric bootstrap of a law-form fit: runs resampled with replacement, each resample
 * refitted as the same form from the full fit's constants alone. A resample moves the optimum only
 * a little, so one warm start finds it where a fresh grid search would cost thousands of starts.
 * Pauses after every refit, so a long bootstrap can be stopped between resamples.
 */
export function* bootstrapLawForm(
  form: LawForm,
  points: ReadonlyArray<ParametricPoint>,
  fitted: LawFormParameters,
  options: LawFormBootstrapOptions
): Stepwise<LawFormBootstrap> {
  const replicates: LawFormParameters[] = []
  let failed = 0
  for (const sample of bootstrapResamples(points.length, options.resamples, options.seed)) {
    const resampled = Array.from(sample, (index) => points[index] as ParametricPoint)
    try {
      const { parameters } = fitLawForm(form, resampled, { starts: [fitted], ...(options.delta === undefined ? {} : { delta: options.delta }) })
      // A refit that ran a constant off to infinity (a term the resample cannot pin down) has no
      // law to report: it counts as failed, like a resample that cannot be fitted at all.
      if (Object.values(parameters).every(Number.isFinite)) replicates.push(parameters)
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
  const level = options.level ?? 0.8
  return {
    form,
    replicates,
    laws: replicates.map((parameters) => lawFormLaw(form, parameters)),
    ci: Object.fromEntries(Object.keys(fitted).map((name) => [name, percentileInterval(replicates.map((replicate) => replicate[name] as number), level)])),
    level,
    ...resampleCounts(replicates.length, failed)
  }
}
