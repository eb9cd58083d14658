import {
  type AccuracyForecast,
  budgetGroups,
  bootstrapCustomLaw,
  bootstrapDownstream,
  bootstrapEnvelope,
  bootstrapIsoflop,
  bootstrapLawForm,
  calibrateExtrapolation,
  chinchillaFormFit,
  chooseLawForm,
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
  fitLawForm,
  fitParametricParallel,
  type ExtrapolationCalibration,
  type FormScore,
  type Interval,
  LAW_FORMS,
  type LawForm,
  type LawFormFit,
  type LawFormParameters,
  type LossLaw,
  scoreLawForms,
  type Uncalibrated,
  forecastAccuracy,
  type IsoflopBootstrap,
  isoflopDiagnostics,
  type IsoflopDiagnostics,
  type IsoflopFit,
  type IsoflopMinimumEstimator,
  LawInputError,
  type LawRow,
  type ParametricFit,
  type PublishedLaw,
  type ResampleCounts,
  resampleCounts,
  rSquared,
  type Stepwise,
  type TrainingCurve
} from "@scalelab/laws"
import { Effect } from "effect"
import { DEFAULT_LAW_FORM, type LawFormChoice } from "@scalelab/spec"
import { attempt, attemptAsync, attemptStepwise, type UserInputError } from "@scalelab/sweep"
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

/** The bootstrap of the chosen law form: every resample refitted as that form. */
export interface ParametricFormBootstrap extends ResampleCounts {
  /** The refitted laws, of the chosen form. */
  readonly replicates: ReadonlyArray<LossLaw>
  /** The refitted constants, in the same order. */
  readonly parameters: ReadonlyArray<LawFormParameters>
  /** A percentile interval per constant of the form. */
  readonly ci: Readonly<Record<string, Interval>>
  readonly level: number
}

/** Which law form was fitted, and why. */
export interface FormChoice {
  /** What was asked for: a form, or `auto` (the best leave-largest-out score). */
  readonly requested: LawFormChoice
  readonly chosen: LawForm
  readonly reason: string
}

export interface ParametricResult {
  /**
   * The chosen form's constants when it is of the E + A/N^α + B/D^β family (chinchilla; tied with
   * α = β; no-e with E = 0); for kaplan, the five-constant chinchilla fit. For surfaces that print
   * E, A, B, α, β: every loss forecast reads `law` (through lossForecastModel).
   */
  readonly fit: ParametricFit
  /** The chosen form's fit. */
  readonly law: LawFormFit
  readonly form: FormChoice
  /** Every form's leave-largest-out score, which `auto` chooses by. */
  readonly form_scores: ReadonlyArray<FormScore>
  /** The chosen form's extrapolation error per decade, from its backtests, or why there is none. */
  readonly calibration: ExtrapolationCalibration | Uncalibrated
  readonly diagnostics: ParametricDiagnostics
  readonly bootstrap: ParametricFormBootstrap | undefined
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

const parametricDiagnostics = (points: ReadonlyArray<ResultPoint>, residuals: ReadonlyArray<number>): ParametricDiagnostics => {
  const logLoss = points.map((point) => Math.log(point.loss))
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

export interface ParametricRequest extends BootstrapRequest {
  /** The law form to fit, or `auto`: the form with the best leave-largest-out score. */
  readonly lawForm?: LawFormChoice
}

/** A chinchilla-family fit's constants as the five-constant fit surfaces print. */
const asParametricFit = (law: LawFormFit): ParametricFit => ({
  E: law.parameters.E as number,
  A: law.parameters.A as number,
  B: law.parameters.B as number,
  alpha: law.parameters.alpha as number,
  beta: law.parameters.beta as number,
  objective: law.objective,
  n_points: law.n_points,
  starts: law.starts,
  converged_starts: law.converged_starts,
  residuals: [...law.residuals]
})

/** Every law form's leave-largest-out score, and the form to fit: the one asked for, or for `auto` the best-scoring. */
export interface ParametricFormChoice {
  readonly requested: LawFormChoice
  readonly scores: ReadonlyArray<FormScore>
  readonly chosen: LawForm
  readonly reason: string
}

export const chooseParametricForm = (points: ReadonlyArray<ResultPoint>, request: ParametricRequest): ParametricFormChoice => {
  const requested = request.lawForm ?? DEFAULT_LAW_FORM
  const scores = scoreLawForms(points, LAW_FORMS)
  const choice = requested === "auto" ? chooseLawForm(scores, "chinchilla") : { form: requested, reason: `${requested}: as asked` }
  return { requested, scores, chosen: choice.form, reason: choice.reason }
}

/** Whether the result needs the five-constant E + A/N^α + B/D^β fit: the chosen form, or what the report's five-constant sections show beside kaplan. */
export const needsFiveConstantFit = (choice: ParametricFormChoice): boolean => choice.chosen === "kaplan" || choice.chosen === "chinchilla"

/**
 * The parametric result of the chosen form: its fit (for chinchilla, `fiveConstants` itself), its
 * backtests calibrating extrapolation, and its bootstrap refitting the same form. `fiveConstants`
 * is the five-constant fit, made by the caller from whatever start grid it affords; required when
 * `needsFiveConstantFit(choice)`.
 */
export function* parametricResultOf(
  points: ReadonlyArray<ResultPoint>,
  request: ParametricRequest,
  choice: ParametricFormChoice,
  fiveConstants: ParametricFit | undefined
): Stepwise<ParametricResult> {
  const law = choice.chosen === "chinchilla" && fiveConstants !== undefined
    ? chinchillaFormFit(fiveConstants)
    : fitLawForm(choice.chosen, points)
  const groups = budgetGroups(points)
  const largest = groups[groups.length - 1]?.compute ?? Number.NaN
  const backtests = choice.scores.find((score) => score.form === choice.chosen)?.backtests ?? []
  const bootstrap = request.resamples > 0 ? yield* bootstrapLawForm(choice.chosen, points, law.parameters, request) : undefined
  return {
    fit: fiveConstants ?? asParametricFit(law),
    law,
    form: { requested: choice.requested, chosen: choice.chosen, reason: choice.reason },
    form_scores: choice.scores,
    calibration: calibrateExtrapolation(backtests, largest, bootstrap?.level ?? 0.8),
    diagnostics: parametricDiagnostics(points, law.residuals),
    bootstrap: bootstrap === undefined
      ? undefined
      : { ...resampleCounts(bootstrap.resamples_used, bootstrap.failed_resamples), replicates: bootstrap.laws, parameters: bootstrap.replicates, ci: bootstrap.ci, level: bootstrap.level }
  }
}

/**
 * Chinchilla's approach 3 in the chosen law form: every form scored by leave-largest-out backtests,
 * the requested form (or, for `auto`, the best-scoring one) fitted from its full start grid (for
 * chinchilla, the 4,500-start grid shared among one worker thread per core), its backtests
 * calibrating extrapolation, and its bootstrap refitting the same form.
 */
export const fitParametricResults = (
  points: ReadonlyArray<ResultPoint>,
  request: ParametricRequest
): Effect.Effect<ParametricResult, UserInputError> =>
  Effect.gen(function*() {
    const choice = yield* attempt(() => chooseParametricForm(points, request))
    const fiveConstants = needsFiveConstantFit(choice)
      ? yield* attemptAsync(async () => finiteFit(await fitParametricParallel(points)))
      : undefined
    return yield* attemptStepwise(() => parametricResultOf(points, request, choice, fiveConstants))
  })

/**
 * The fit, unless a constant left the float range: when the losses barely depend on N (or D)
 * over the runs, the optimiser can drive an exponent up until A = exp(a) overflows while A/N^α
 * stays finite. Such a fit determines nothing of that term and cannot be written to fit.json.
 */
const finiteFit = (fit: ParametricFit): ParametricFit => {
  const constants = { E: fit.E, A: fit.A, B: fit.B, alpha: fit.alpha, beta: fit.beta }
  const overflowed = Object.entries(constants).filter(([, value]) => !Number.isFinite(value))
  if (overflowed.length === 0) return fit
  throw new LawInputError(
    `the parametric fit left the float range (${overflowed.map(([name, value]) => `${name} = ${value}`).join(", ")}; ` +
      `alpha ${fit.alpha.toPrecision(3)}, beta ${fit.beta.toPrecision(3)}): the runs' losses do not pin down that term, ` +
      "typically because they barely depend on N (or D) over the sizes swept; sweep a wider span of sizes or more budgets"
  )
}

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
