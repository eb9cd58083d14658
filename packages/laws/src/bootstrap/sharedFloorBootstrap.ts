// The bootstrap of a shared-floor fit: every experiment's runs resampled as its own parametric
// bootstrap resamples them, each joint resample refitted jointly.
import { type LawFormFit, lawFormLaw } from "../fit/lawForms.ts"
import type { LossLaw } from "../fit/lossLaw.ts"
import type { ParametricPoint } from "../fit/parametric.ts"
import { fitSharedFloor, type SharedFloorExperiment, type SharedFloorFit } from "../fit/sharedFloor.ts"
import { LawInputError } from "../lawInputError.ts"
import type { Stepwise } from "../stepwise.ts"
import { bootstrapResamples } from "./bootstrap.ts"
import type { ResampleCounts } from "./bootstrapHealth.ts"
import { resampleCounts } from "./bootstrapHealth.ts"
import { refitResamples } from "./resampledFits.ts"

export interface SharedFloorBootstrapOptions {
  readonly resamples: number
  /** One seed per experiment: each experiment's runs are resampled as its own parametric bootstrap resamples them. */
  readonly seeds: ReadonlyArray<number>
  readonly delta?: number
}

export interface SharedFloorBootstrap extends ResampleCounts {
  /** The shared floor E of every resample that could be refitted. */
  readonly floors: ReadonlyArray<number>
  /**
   * Per experiment (in the order given), its refitted laws, one per resample that could be refitted:
   * the i-th law of every experiment comes from one joint refit, so they are paired by index.
   */
  readonly laws: ReadonlyArray<ReadonlyArray<LossLaw>>
  /** The reason the first failed resample gave; null when none failed. */
  readonly first_failure: string | null
}

/** The i-th resample of every experiment, each drawn from its own stream. */
function* jointResamples(experiments: ReadonlyArray<SharedFloorExperiment>, resamples: number, seeds: ReadonlyArray<number>): Generator<ReadonlyArray<Int32Array>> {
  const streams = experiments.map((experiment, index) => bootstrapResamples(experiment.points.length, resamples, seeds[index] as number)[Symbol.iterator]())
  for (let r = 0; r < resamples; r++) yield streams.map((stream) => stream.next().value as Int32Array)
}

/**
 * The bootstrap of a shared-floor fit: every experiment's runs resampled with replacement as the
 * parametric bootstrap resamples them (each experiment from its own seed), and each joint resample
 * refitted jointly, warm-started from the joint fit alone. A refit that runs a constant off to
 * infinity, or draws a resample that cannot be fitted, counts as failed for every experiment.
 */
export function* bootstrapSharedFloor(
  experiments: ReadonlyArray<SharedFloorExperiment>,
  fitted: SharedFloorFit,
  options: SharedFloorBootstrapOptions
): Stepwise<SharedFloorBootstrap> {
  if (options.seeds.length !== experiments.length) {
    throw new LawInputError(`a shared-floor bootstrap needs one seed per experiment: got ${options.seeds.length} seeds for ${experiments.length} experiments`)
  }
  const starts = fitted.fits.map((fit) => fit.parameters)
  const refit = (samples: ReadonlyArray<Int32Array>): SharedFloorFit => {
    const resampled = experiments.map((experiment, index) => ({
      form: experiment.form,
      points: Array.from(samples[index] as Int32Array, (point) => experiment.points[point] as ParametricPoint)
    }))
    const fit = fitSharedFloor(resampled, { starts, ...(options.delta === undefined ? {} : { delta: options.delta }) })
    if (!fit.fits.every((law) => Object.values(law.parameters).every(Number.isFinite))) {
      throw new LawInputError("a refit ran a constant off to infinity: the resample cannot pin that term down")
    }
    return fit
  }
  const resampled = yield* refitResamples(
    jointResamples(experiments, options.resamples, options.seeds),
    refit,
    "Add runs at more sizes and token counts to every experiment."
  )
  return {
    floors: resampled.fits.map((fit) => fit.floor),
    laws: experiments.map((experiment, index) => resampled.fits.map((fit) => lawFormLaw(experiment.form, (fit.fits[index] as LawFormFit).parameters))),
    first_failure: resampled.first_failure,
    ...resampleCounts(resampled.fits.length, resampled.failed)
  }
}

