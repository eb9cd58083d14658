import type { Objective } from "../optim/lbfgs.ts"
import { requirePositive } from "../validate.ts"
import { kaplanCoordinates, type KaplanCoefficients, kaplanLossLaw, kaplanObjective, predictKaplanLogLoss } from "./kaplanLaw.ts"
import { chinchillaLossLaw, type LossLaw } from "./lossLaw.ts"
import { minimizeFromStarts } from "./multiStart.ts"
import {
  chinchillaDelta,
  gridStarts,
  logObservations,
  type ParametricCoefficients,
  type ParametricFit,
  type ParametricPoint,
  steps,
  validatePoints
} from "./parametric.ts"
import { type LogObservations, parametricObjective, predictLogLoss } from "./parametricObjective.ts"

/**
 * The laws of loss in N and D that a parametric fit can take:
 * - `chinchilla`: E + A/N^α + B/D^β (Hoffmann et al. 2022, eq. 2);
 * - `tied`: the same with α = β (Gadre et al. 2024, "Language models scale reliably with
 *   over-training and on downstream tasks", eq. 4);
 * - `no-e`: A/N^α + B/D^β, no irreducible term;
 * - `kaplan`: [(N_c/N)^(α_N/α_D) + D_c/D]^α_D (Kaplan et al. 2020, eq. 1.5).
 */
export const LAW_FORMS = ["chinchilla", "tied", "no-e", "kaplan"] as const
export type LawForm = (typeof LAW_FORMS)[number]

/** The constants of a fitted form by name: E, A, B, alpha, beta for the first three, N_c, D_c, alpha_N, alpha_D for kaplan. */
export type LawFormParameters = Readonly<Record<string, number>>

export interface FormDefinition {
  /** The law as the CLI prints it. */
  readonly formula: string
  /** The constants' names in messages. */
  readonly constants: ReadonlyArray<string>
  readonly objective: (observations: LogObservations, delta: number) => Objective
  readonly predictLogLoss: (x: ArrayLike<number>, logParams: number, logTokens: number) => number
  readonly parameters: (x: ArrayLike<number>) => LawFormParameters
  readonly coordinates: (parameters: LawFormParameters) => number[]
  /** Starting points of the full fit and of a quick refit (a backtest), in optimiser coordinates. */
  readonly starts: { readonly full: ReadonlyArray<number[]>; readonly small: ReadonlyArray<number[]> }
  readonly law: (parameters: LawFormParameters) => LossLaw
  /** The optimiser coordinate that is ln E, for a form with an irreducible loss; undefined for a form without one. */
  readonly floorCoordinate: number | undefined
}

const parameter = (parameters: LawFormParameters, name: string): number => {
  const value = parameters[name]
  if (value === undefined) throw new Error(`law-form parameters lack ${name}`)
  return value
}

const chinchillaCoefficients = (parameters: LawFormParameters): ParametricCoefficients => ({
  E: parameter(parameters, "E"),
  A: parameter(parameters, "A"),
  B: parameter(parameters, "B"),
  alpha: parameter(parameters, "alpha"),
  beta: parameter(parameters, "beta")
})

/**
 * A form of the E + A/N^α + B/D^β family with some coordinates constrained: `expand` writes the
 * five-coordinate point [ln A, ln B, ln E, α, β] of reduced coordinates x, `fold` sums the full
 * gradient back onto x's coordinates. The objective is Chinchilla's, so every family member is
 * fitted by the same code.
 */
const constrainedChinchilla = (options: {
  readonly form: Exclude<LawForm, "kaplan">
  readonly formula: string
  readonly constants: ReadonlyArray<string>
  readonly expand: (x: ArrayLike<number>, full: Float64Array) => void
  readonly fold: (full: Float64Array, gradient: Float64Array) => void
  readonly reduce: (coefficients: ParametricCoefficients) => number[]
  readonly starts: FormDefinition["starts"]
  readonly floorCoordinate: number | undefined
}): FormDefinition => {
  const expanded = (x: ArrayLike<number>): Float64Array => {
    const full = new Float64Array(5)
    options.expand(x, full)
    return full
  }
  return {
    formula: options.formula,
    constants: options.constants,
    objective: (observations, delta) => {
      const full = parametricObjective(observations, delta)
      const point = new Float64Array(5)
      const fullGradient = new Float64Array(5)
      return (x, gradient) => {
        options.expand(x, point)
        const value = full(point, fullGradient)
        options.fold(fullGradient, gradient)
        return value
      }
    },
    predictLogLoss: (x, logParams, logTokens) => predictLogLoss(expanded(x), logParams, logTokens),
    parameters: (x) => {
      const full = expanded(x)
      return { E: Math.exp(full[2] as number), A: Math.exp(full[0] as number), B: Math.exp(full[1] as number), alpha: full[3] as number, beta: full[4] as number }
    },
    coordinates: (parameters) => options.reduce(chinchillaCoefficients(parameters)),
    starts: options.starts,
    law: (parameters) => ({ ...chinchillaLossLaw(chinchillaCoefficients(parameters)), form: options.form }),
    floorCoordinate: options.floorCoordinate
  }
}

const product = (axes: ReadonlyArray<ReadonlyArray<number>>): number[][] =>
  axes.reduce<number[][]>((points, axis) => points.flatMap((point) => axis.map((value) => [...point, value])), [[]])

// Hoffmann et al.'s grid, less the axes a constraint removes: ln A, ln B in 0..25, ln E in −1..1,
// exponents in 0..2.
const logScales = steps(0, 25, 5)
const logFloors = steps(-1, 1, 0.5)
const exponents = steps(0, 2, 0.5)
const smallLogScales = [5, 20]
const smallExponents = [0.5, 1.5]

const definitions: { readonly [F in LawForm]: FormDefinition } = {
  chinchilla: constrainedChinchilla({
    form: "chinchilla",
    formula: "E + A/N^alpha + B/D^beta",
    constants: ["E", "A", "B", "α", "β"],
    expand: (x, full) => full.set([x[0] as number, x[1] as number, x[2] as number, x[3] as number, x[4] as number]),
    fold: (full, gradient) => gradient.set(full),
    reduce: (c) => [Math.log(c.A), Math.log(c.B), Math.log(c.E), c.alpha, c.beta],
    starts: { full: gridStarts("chinchilla"), small: gridStarts("small") },
    floorCoordinate: 2
  }),
  tied: constrainedChinchilla({
    form: "tied",
    formula: "E + A/N^alpha + B/D^alpha",
    constants: ["E", "A", "B", "α"],
    expand: (x, full) => full.set([x[0] as number, x[1] as number, x[2] as number, x[3] as number, x[3] as number]),
    fold: (full, gradient) => gradient.set([full[0] as number, full[1] as number, full[2] as number, (full[3] as number) + (full[4] as number)]),
    reduce: (c) => [Math.log(c.A), Math.log(c.B), Math.log(c.E), (c.alpha + c.beta) / 2],
    starts: { full: product([logScales, logScales, logFloors, exponents]), small: product([smallLogScales, smallLogScales, [0, 1], smallExponents]) },
    floorCoordinate: 2
  }),
  "no-e": constrainedChinchilla({
    form: "no-e",
    formula: "A/N^alpha + B/D^beta",
    constants: ["A", "B", "α", "β"],
    // ln E = −∞: the floor's term drops out of the log-sum-exp and its weight and gradient are 0.
    expand: (x, full) => full.set([x[0] as number, x[1] as number, Number.NEGATIVE_INFINITY, x[2] as number, x[3] as number]),
    fold: (full, gradient) => gradient.set([full[0] as number, full[1] as number, full[3] as number, full[4] as number]),
    reduce: (c) => [Math.log(c.A), Math.log(c.B), c.alpha, c.beta],
    starts: { full: product([logScales, logScales, exponents, exponents]), small: product([smallLogScales, smallLogScales, smallExponents, smallExponents]) },
    floorCoordinate: undefined
  }),
  kaplan: {
    formula: "[(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D",
    constants: ["N_c", "D_c", "α_N", "α_D"],
    objective: kaplanObjective,
    predictLogLoss: predictKaplanLogLoss,
    parameters: (x) => ({ N_c: Math.exp(x[0] as number), D_c: Math.exp(x[1] as number), alpha_N: x[2] as number, alpha_D: x[3] as number }),
    coordinates: (parameters) => kaplanCoordinates(kaplanCoefficients(parameters)),
    // ln N_c and ln D_c over 10..50 (Kaplan et al. fitted 8.8e13 and 5.4e13, ln ≈ 32; tiny models sit
    // far lower), exponents 0.05..0.4 (theirs: 0.076 and 0.095).
    starts: {
      full: product([steps(10, 50, 10), steps(10, 50, 10), [0.05, 0.1, 0.2, 0.4], [0.05, 0.1, 0.2, 0.4]]),
      small: product([[20, 40], [20, 40], [0.1, 0.3], [0.1, 0.3]])
    },
    law: (parameters) => kaplanLossLaw(kaplanCoefficients(parameters)),
    floorCoordinate: undefined
  }
}

const kaplanCoefficients = (parameters: LawFormParameters): KaplanCoefficients => ({
  N_c: parameter(parameters, "N_c"),
  D_c: parameter(parameters, "D_c"),
  alpha_N: parameter(parameters, "alpha_N"),
  alpha_D: parameter(parameters, "alpha_D")
})

/** The formula of a form, as output prints it. */
export const lawFormFormula = (form: LawForm): string => definitions[form].formula

/** A form's constants as a LossLaw. */
export const lawFormLaw = (form: LawForm, parameters: LawFormParameters): LossLaw => definitions[form].law(parameters)

export interface LawFormFitOptions {
  /** The form's full start grid (Hoffmann et al.'s 4,500 points for chinchilla), or a 16–32-point one for quick refits. */
  readonly grid?: "full" | "small"
  /** Explicit starting points replacing the grid, e.g. a previous fit to warm-start a bootstrap refit. */
  readonly starts?: ReadonlyArray<LawFormParameters>
  /** Huber threshold on the log-loss residual; Hoffmann et al.'s 10⁻³ by default. */
  readonly delta?: number
}

/** A law form fitted to runs. */
export interface LawFormFit {
  readonly form: LawForm
  readonly parameters: LawFormParameters
  readonly law: LossLaw
  /** Σ Huber_δ(ln L̂ − ln L) at the fitted constants. */
  readonly objective: number
  readonly n_points: number
  readonly starts: number
  readonly converged_starts: number
  /** ln L̂ − ln L per point, in input order. */
  readonly residuals: ReadonlyArray<number>
}

/**
 * Fits a law form by the approach-3 machinery every form shares: the Huber loss of ln-loss
 * residuals, minimised by L-BFGS from every point of the form's start grid, the lowest kept
 * (Hoffmann et al. 2022, §3.3 and §D.2).
 */
export const fitLawForm = (form: LawForm, points: ReadonlyArray<ParametricPoint>, options: LawFormFitOptions = {}): LawFormFit => {
  const definition = definitions[form]
  validatePoints(points, definition.constants)
  const delta = options.delta ?? chinchillaDelta
  requirePositive(delta, "delta")
  const observations = logObservations(points)
  const starts = options.starts?.map(definition.coordinates) ?? definition.starts[options.grid ?? "full"]
  const minimum = minimizeFromStarts(definition.objective(observations, delta), starts)
  return lawFormFitAt(form, minimum.x, observations, { objective: minimum.value, starts: minimum.starts, converged: minimum.converged })
}

/** A form's definition, for a fit that joins several forms' objectives (one floor shared among experiments). */
export const lawFormDefinition = (form: LawForm): FormDefinition => definitions[form]

/** Whether the form has an irreducible loss E (chinchilla, tied) that several experiments' fits can share. */
export const lawFormHasFloor = (form: LawForm): boolean => definitions[form].floorCoordinate !== undefined

/** The fit of `form` at optimiser coordinates `x`, with the objective and start counts of the search that found it. */
export const lawFormFitAt = (
  form: LawForm,
  x: ArrayLike<number>,
  observations: LogObservations,
  search: { readonly objective: number; readonly starts: number; readonly converged: number }
): LawFormFit => {
  const definition = definitions[form]
  const parameters = definition.parameters(x)
  return {
    form,
    parameters,
    law: definition.law(parameters),
    objective: search.objective,
    n_points: observations.logLoss.length,
    starts: search.starts,
    converged_starts: search.converged,
    residuals: Array.from(observations.logLoss, (logLoss, i) =>
      definition.predictLogLoss(x, observations.logParams[i] as number, observations.logTokens[i] as number) - logLoss)
  }
}

/** A chinchilla-form fit made by fitParametric (or its parallel grid) as a LawFormFit. */
export const chinchillaFormFit = (fit: ParametricFit): LawFormFit => {
  const parameters = { E: fit.E, A: fit.A, B: fit.B, alpha: fit.alpha, beta: fit.beta }
  return {
    form: "chinchilla",
    parameters,
    law: definitions.chinchilla.law(parameters),
    objective: fit.objective,
    n_points: fit.n_points,
    starts: fit.starts,
    converged_starts: fit.converged_starts,
    residuals: fit.residuals
  }
}
