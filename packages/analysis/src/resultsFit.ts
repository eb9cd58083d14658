import {
  type AccuracyForecast,
  bootstrapCustomLaw,
  bootstrapDownstream,
  bootstrapEnvelope,
  bootstrapIsoflop,
  bootstrapParametric,
  computeOptimal,
  type CustomLaw,
  type CustomLawBootstrap,
  type CustomLawFit,
  type DownstreamBootstrap,
  type DownstreamFit,
  type DownstreamPoint,
  type EnvelopeBootstrap,
  type EnvelopeFit,
  envelopeOptimal,
  fitCustomLaw,
  fitDownstream,
  fitEnvelope,
  fitIsoflop,
  fitParametricParallel,
  forecastAccuracy,
  type IsoflopBootstrap,
  isoflopDiagnostics,
  type IsoflopDiagnostics,
  type IsoflopFit,
  type IsoflopMinimumEstimator,
  LawInputError,
  type LawRow,
  type ParametricBootstrap,
  type ParametricCoefficients,
  type ParametricFit,
  type PublishedLaw,
  rSquared,
  type Stepwise,
  type TrainingCurve
} from "@scalelab/laws"
import { Effect } from "effect"
import { attemptAsync, attemptStepwise, type UserInputError } from "@scalelab/sweep"
import type { ResultPoint } from "./resultsInput.ts"

export interface BootstrapRequest {
  readonly resamples: number
  readonly seed: number
}

export interface IsoflopRequest extends BootstrapRequest {
  /** How each budget's minimum is read, in the fit and its bootstrap alike. */
  readonly minimum: IsoflopMinimumEstimator
}

/** Compute-optimal params, tokens and loss at a compute; loss is null where the law does not predict it. */
export interface Allocation {
  readonly compute: number
  readonly params: number
  readonly tokens: number
  readonly loss: number | null
}
export type Forecaster = (compute: number) => Allocation

export interface IsoflopResult {
  readonly fit: IsoflopFit
  readonly diagnostics: IsoflopDiagnostics
  readonly bootstrap: IsoflopBootstrap | undefined
}

/** How far the parametric law sits from the runs, in ln(loss) where its objective works. */
export interface ParametricDiagnostics {
  readonly r2_log: number
  readonly rms_log_residual: number
}

export interface ParametricResult {
  readonly fit: ParametricFit
  readonly diagnostics: ParametricDiagnostics
  readonly bootstrap: ParametricBootstrap | undefined
}

export interface EnvelopeResult {
  readonly fit: EnvelopeFit
  readonly bootstrap: EnvelopeBootstrap | undefined
  /** N* and D* the envelope's power laws give at each requested compute. */
  readonly forecasts: ReadonlyArray<{ readonly compute: number; readonly params: number; readonly tokens: number }>
}

export interface LawResult {
  readonly fit: CustomLawFit
  readonly bootstrap: CustomLawBootstrap | undefined
}

export interface DownstreamResult {
  readonly task: string
  readonly fit: DownstreamFit
  readonly bootstrap: DownstreamBootstrap | undefined
  readonly forecasts: ReadonlyArray<AccuracyForecast>
}

export const publishedForecaster = (law: PublishedLaw): Forecaster => (compute) => {
  const optimal = computeOptimal(law, compute)
  return { compute, params: optimal.params, tokens: optimal.tokens, loss: optimal.loss ?? null }
}

export const parametricForecaster = (coefficients: ParametricCoefficients): Forecaster =>
  publishedForecaster({ kind: "parametric", name: "fit", description: "fitted", source: "fit", ...coefficients })

const parametricDiagnostics = (points: ReadonlyArray<ResultPoint>, fit: ParametricFit): ParametricDiagnostics => {
  const logLoss = points.map((point) => Math.log(point.loss))
  const residuals = fit.residuals
  return {
    r2_log: rSquared(logLoss, logLoss.map((value, i) => value + (residuals[i] ?? Number.NaN))),
    rms_log_residual: Math.sqrt(residuals.reduce((sum, r) => sum + r * r, 0) / residuals.length)
  }
}

/** The IsoFLOP fit and, with resamples, its bootstrap with forecast intervals at `computes`. */
export function* fitIsoflopResults(
  points: ReadonlyArray<ResultPoint>,
  request: IsoflopRequest,
  computes: ReadonlyArray<number> = []
): Stepwise<IsoflopResult> {
  const fit = fitIsoflop(points, request)
  return {
    fit,
    diagnostics: isoflopDiagnostics(points, fit),
    bootstrap: request.resamples > 0 ? yield* bootstrapIsoflop(points, { ...request, compute: computes }) : undefined
  }
}

/** Chinchilla's approach 3, its 4,500-start grid shared among one worker thread per core. */
export const fitParametricResults = (
  points: ReadonlyArray<ResultPoint>,
  bootstrap: BootstrapRequest
): Effect.Effect<ParametricResult, UserInputError> =>
  Effect.gen(function*() {
    const fit = yield* attemptAsync(() => fitParametricParallel(points))
    return {
      fit,
      diagnostics: parametricDiagnostics(points, fit),
      bootstrap: bootstrap.resamples > 0 ? yield* attemptStepwise(() => bootstrapParametric(points, fit, bootstrap)) : undefined
    }
  })

/** Chinchilla's approach 1 on the runs' training curves; N*, D* at `computes`, with intervals when bootstrapped. */
export function* fitEnvelopeResults(
  curves: ReadonlyArray<TrainingCurve>,
  bootstrap: BootstrapRequest,
  computes: ReadonlyArray<number>
): Stepwise<EnvelopeResult> {
  const fit = fitEnvelope(curves)
  return {
    fit,
    bootstrap: bootstrap.resamples > 0 ? yield* bootstrapEnvelope(curves, { ...bootstrap, compute: computes }) : undefined,
    forecasts: computes.map((compute) => envelopeOptimal(fit, compute))
  }
}

/** A run as a row of a custom law: the columns a law's variables may name, and the loss. */
const lawRow = (point: ResultPoint): LawRow => ({
  params: point.params,
  tokens: point.tokens,
  flops: point.flops,
  budget: point.budget,
  loss: point.loss
})
export const lawVariables: ReadonlyArray<string> = ["params", "tokens", "flops", "budget"]

export function* fitLawResults(law: CustomLaw, points: ReadonlyArray<ResultPoint>, bootstrap: BootstrapRequest): Stepwise<LawResult> {
  const rows = points.map(lawRow)
  if (bootstrap.resamples === 0) return { fit: fitCustomLaw(law, rows, { seed: bootstrap.seed }), bootstrap: undefined }
  const resampled = yield* bootstrapCustomLaw(law, rows, bootstrap)
  return { fit: resampled.fit, bootstrap: resampled }
}

/** The runs that scored `task` (both NLL and accuracy), as stage-1/stage-2 points at their training FLOPs. */
export const downstreamPoints = (points: ReadonlyArray<ResultPoint>, task: string): DownstreamPoint[] =>
  points.flatMap((point) => {
    const scores = point.tasks?.[task]
    return scores?.nll === undefined || scores.acc === undefined ? [] : [{ compute: point.flops, nll: scores.nll, accuracy: scores.acc }]
  })

/** Llama 3's two-stage downstream law for one task, with accuracy forecasts at `computes`. */
export function* fitDownstreamResults(
  points: ReadonlyArray<ResultPoint>,
  task: string,
  bootstrap: BootstrapRequest,
  computes: ReadonlyArray<number>
): Stepwise<DownstreamResult> {
  const scored = downstreamPoints(points, task)
  if (scored.length === 0) {
    throw new LawInputError(`no run has both task.${task}.nll and task.${task}.acc; fill both columns for the runs that were evaluated`)
  }
  const fit = fitDownstream(scored)
  return {
    task,
    fit,
    bootstrap: bootstrap.resamples > 0 ? yield* bootstrapDownstream(scored, { ...bootstrap, compute: computes }) : undefined,
    forecasts: computes.map((compute) => forecastAccuracy(fit, compute))
  }
}
