import { LawInputError } from "../lawInputError.ts"
import { minimizeFromStarts } from "./multiStart.ts"
import type { LogObservations } from "./parametricObjective.ts"
import { parametricObjective, predictLogLoss } from "./parametricObjective.ts"
import type { ParametricLaw } from "../published/published.ts"
import { distinctCount, requirePositive } from "../validate.ts"

/** One finished run: total parameters N, training tokens D, final loss L. */
export interface ParametricPoint {
  readonly params: number
  readonly tokens: number
  readonly loss: number
  readonly id?: string
}

/** The constants of L(N, D) = E + A/N^α + B/D^β. */
export type ParametricCoefficients = Pick<ParametricLaw, "E" | "A" | "B" | "alpha" | "beta">

export interface ParametricFitOptions {
  /** Starting points: Hoffmann et al.'s 4,500-point grid, or a 32-point one for quick refits. */
  readonly grid?: "chinchilla" | "small"
  /** Huber threshold on the log-loss residual. */
  readonly delta?: number
  /**
   * Fit only every `count`-th starting point from `index`, so that `count` threads can share a grid;
   * the best of their fits is the grid's fit (see fitParametricParallel).
   */
  readonly shard?: { readonly index: number; readonly count: number }
  /** Explicit starting points replacing the grid, e.g. a previous fit to warm-start a bootstrap refit. */
  readonly starts?: ReadonlyArray<ParametricCoefficients>
}

export interface ParametricFit extends ParametricCoefficients {
  /** Σ Huber_δ(ln L̂ − ln L) at the fitted constants. */
  readonly objective: number
  readonly n_points: number
  readonly starts: number
  /** Starts whose optimiser met its convergence test (the rest stopped at a limit or a failed line search). */
  readonly converged_starts: number
  /** ln L̂ − ln L per point, in input order. */
  readonly residuals: number[]
}

// Hoffmann et al. 2022 (§D.2) use δ = 10⁻³ and this grid of initialisations; the values are those
// of Epoch AI's replication (Besiroglu et al. 2024) so fits are comparable with theirs.
export const chinchillaDelta = 1e-3
export const steps = (from: number, to: number, by: number): number[] =>
  Array.from({ length: Math.round((to - from) / by) + 1 }, (_, i) => from + i * by)
const grids = {
  chinchilla: { a: steps(0, 25, 5), b: steps(0, 25, 5), e: steps(-1, 1, 0.5), alpha: steps(0, 2, 0.5), beta: steps(0, 2, 0.5) },
  small: { a: [5, 20], b: [5, 20], e: [0, 1], alpha: [0.5, 1.5], beta: [0.5, 1.5] }
} as const

/** Starting points in the optimiser's coordinates [a, b, e, α, β] = [ln A, ln B, ln E, α, β]. */
export const gridStarts = (grid: keyof typeof grids): number[][] => {
  const { a, b, e, alpha, beta } = grids[grid]
  return a.flatMap((ai) => b.flatMap((bi) => e.flatMap((ei) => alpha.flatMap((al) => beta.map((be) => [ai, bi, ei, al, be])))))
}

const toCoordinates = (start: ParametricCoefficients, index: number): number[] => {
  for (const field of ["E", "A", "B"] as const) requirePositive(start[field], `start ${index}: ${field}`)
  return [Math.log(start.A), Math.log(start.B), Math.log(start.E), start.alpha, start.beta]
}

const toCoefficients = (x: Float64Array): ParametricCoefficients => ({
  E: Math.exp(x[2] as number),
  A: Math.exp(x[0] as number),
  B: Math.exp(x[1] as number),
  alpha: x[3] as number,
  beta: x[4] as number
})

const rowLabel = (point: ParametricPoint, index: number): string =>
  point.id === undefined ? `row ${index}` : `row ${index} (run ${point.id})`

/** Checks a law of `constants` can be fitted to the runs: enough of them, positive, at several sizes and token counts. */
export const validatePoints = (points: ReadonlyArray<ParametricPoint>, constants: ReadonlyArray<string> = ["E", "A", "B", "α", "β"]): void => {
  if (points.length < constants.length) {
    throw new LawInputError(
      `a parametric fit has ${constants.length} constants (${constants.join(", ")}) and needs at least ${constants.length} runs, got ${points.length}: add runs at more sizes and token counts`
    )
  }
  points.forEach((point, index) => {
    for (const field of ["params", "tokens", "loss"] as const) {
      requirePositive(point[field], `${rowLabel(point, index)}: ${field}`)
    }
  })
  for (const field of ["params", "tokens"] as const) {
    if (distinctCount(points.map((point) => point[field])) === 1) {
      throw new LawInputError(
        `all ${points.length} runs have ${field} = ${points[0]?.[field]}: a parametric fit needs runs at several ${field === "params" ? "model sizes" : "token counts"} to separate the ${field === "params" ? "A/N^α" : "B/D^β"} term`
      )
    }
  }
}

export const logObservations = (points: ReadonlyArray<ParametricPoint>): LogObservations => ({
  logParams: Float64Array.from(points, (point) => Math.log(point.params)),
  logTokens: Float64Array.from(points, (point) => Math.log(point.tokens)),
  logLoss: Float64Array.from(points, (point) => Math.log(point.loss))
})

/**
 * Chinchilla approach 3: L(N, D) = E + A/N^α + B/D^β fitted by minimising the summed Huber loss of
 * log-loss residuals with L-BFGS from every starting point of a grid, keeping the lowest objective
 * (Hoffmann et al. 2022, §3.3 and §D.2).
 */
export const fitParametric = (points: ReadonlyArray<ParametricPoint>, options: ParametricFitOptions = {}): ParametricFit => {
  validatePoints(points)
  const delta = options.delta ?? chinchillaDelta
  requirePositive(delta, "delta")
  const allStarts = options.starts?.map(toCoordinates) ?? gridStarts(options.grid ?? "chinchilla")
  const shard = options.shard
  const starts = shard === undefined ? allStarts : allStarts.filter((_, i) => i % shard.count === shard.index)
  const observations = logObservations(points)
  const minimum = minimizeFromStarts(parametricObjective(observations, delta), starts)
  const x = minimum.x
  return {
    ...toCoefficients(x),
    objective: minimum.value,
    n_points: points.length,
    starts: minimum.starts,
    converged_starts: minimum.converged,
    residuals: Array.from(observations.logLoss, (logLoss, i) => predictLogLoss(x, observations.logParams[i] as number, observations.logTokens[i] as number) - logLoss)
  }
}
