import type { AccuracySigmoid, AccuracySigmoidFit } from "./accuracySigmoid.ts"
import { accuracyAtNll, fitAccuracySigmoid } from "./accuracySigmoid.ts"
import type { OffsetPowerLaw, OffsetPowerLawFit } from "./offsetPowerLaw.ts"
import { evaluateOffsetPowerLaw, fitOffsetPowerLaw } from "./offsetPowerLaw.ts"
import { requirePositive } from "../validate.ts"

/** One model evaluated on a task: its training compute, its normalised NLL of the correct answer, its accuracy. */
export interface DownstreamPoint {
  readonly compute: number
  readonly nll: number
  readonly accuracy: number
}

/** A model seen only at stage 2 (e.g. from another family): NLL and accuracy, compute unknown or not comparable. */
export interface NllAccuracyPoint {
  readonly nll: number
  readonly accuracy: number
}

/** The two stages: task NLL as a function of compute, then accuracy as a function of NLL. */
export interface DownstreamLaw {
  readonly nll: OffsetPowerLaw
  readonly accuracy: AccuracySigmoid
}

export interface DownstreamFit extends DownstreamLaw {
  readonly nll: OffsetPowerLawFit
  readonly accuracy: AccuracySigmoidFit
}

export interface AccuracyForecast {
  readonly compute: number
  readonly nll: number
  readonly accuracy: number
}

/**
 * The two-stage downstream forecast of Llama 3 (§3.2.1), as in OLMo's task ladder: stage 1 fits
 * the task NLL as nll(C) = E + A·C^(−α) from the sweep's own models; stage 2 fits accuracy as a
 * sigmoid of that NLL. Stage 2 needs no compute, so it may also learn from `extraAccuracyPoints`
 * (Llama 3 adds older, larger models there to pin the sigmoid's upper part). When the task NLL is
 * modelled in N and D instead (fitParametric on the NLL column), chain it with `accuracyAtNll`.
 */
export const fitDownstream = (
  points: ReadonlyArray<DownstreamPoint>,
  extraAccuracyPoints: ReadonlyArray<NllAccuracyPoint> = []
): DownstreamFit => {
  const accuracyPoints = [...points, ...extraAccuracyPoints]
  return {
    nll: fitOffsetPowerLaw(points.map((p) => p.compute), points.map((p) => p.nll)),
    accuracy: fitAccuracySigmoid(accuracyPoints.map((p) => p.nll), accuracyPoints.map((p) => p.accuracy))
  }
}

/** The task NLL, then the accuracy, a model trained with `compute` FLOPs is forecast to reach. */
export const forecastAccuracy = (law: DownstreamLaw, compute: number): AccuracyForecast => {
  requirePositive(compute, "compute")
  const nll = evaluateOffsetPowerLaw(law.nll, compute)
  return { compute, nll, accuracy: accuracyAtNll(law.accuracy, nll) }
}
