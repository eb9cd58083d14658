import type { Interval } from "./bootstrap.ts"
import type { ResampleCounts } from "./bootstrapHealth.ts"
import { resampleCounts } from "./bootstrapHealth.ts"
import { bootstrapLawForm } from "./lawFormBootstrap.ts"
import type { ParametricCoefficients, ParametricFit, ParametricPoint } from "../fit/parametric.ts"
import type { Stepwise } from "../stepwise.ts"

const coefficientNames = ["E", "A", "B", "alpha", "beta"] as const
type CoefficientName = (typeof coefficientNames)[number]

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
  readonly ci: { readonly [name in CoefficientName]: Interval }
  /** Resamples that could not be fitted (e.g. every drawn run at one model size). */
  readonly failed: number
}

const coefficients = (parameters: Readonly<Record<string, number>>): ParametricCoefficients =>
  Object.fromEntries(coefficientNames.map((name) => [name, parameters[name] as number])) as Record<CoefficientName, number>

/** The bootstrap of the five-constant E + A/N^α + B/D^β fit (bootstrapLawForm of the chinchilla form). */
export function* bootstrapParametric(
  points: ReadonlyArray<ParametricPoint>,
  fit: ParametricFit,
  options: ParametricBootstrapOptions
): Stepwise<ParametricBootstrap> {
  const { replicates, ci, failed_resamples: failed } = yield* bootstrapLawForm("chinchilla", points, { E: fit.E, A: fit.A, B: fit.B, alpha: fit.alpha, beta: fit.beta }, options)
  const interval = (name: CoefficientName): Interval => ci[name] as Interval
  return {
    replicates: replicates.map(coefficients),
    ci: { E: interval("E"), A: interval("A"), B: interval("B"), alpha: interval("alpha"), beta: interval("beta") },
    failed,
    ...resampleCounts(replicates.length, failed)
  }
}
