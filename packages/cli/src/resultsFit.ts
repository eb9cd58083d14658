import {
  bootstrapIsoflop,
  bootstrapParametric,
  computeOptimal,
  fitIsoflop,
  fitParametric,
  type IsoflopBootstrap,
  type IsoflopFit,
  type ParametricBootstrap,
  type ParametricCoefficients,
  type ParametricFit,
  type PublishedLaw
} from "@scalelab/laws"
import type { ResultPoint } from "./resultsInput.ts"

export const fitMethods = ["isoflop", "parametric"] as const
export type FitMethod = (typeof fitMethods)[number]

export interface BootstrapRequest {
  readonly resamples: number
  readonly seed: number
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
  readonly bootstrap: IsoflopBootstrap | undefined
}

export interface ParametricResult {
  readonly fit: ParametricFit
  readonly bootstrap: ParametricBootstrap | undefined
}

export const publishedForecaster = (law: PublishedLaw): Forecaster => (compute) => {
  const optimal = computeOptimal(law, compute)
  return { compute, params: optimal.params, tokens: optimal.tokens, loss: optimal.loss ?? null }
}

export const parametricForecaster = (coefficients: ParametricCoefficients): Forecaster =>
  publishedForecaster({ kind: "parametric", name: "fit", description: "fitted", source: "fit", ...coefficients })

/** The IsoFLOP fit and, with resamples, its bootstrap with forecast intervals at `computes`. */
export const fitIsoflopResults = (
  points: ReadonlyArray<ResultPoint>,
  bootstrap: BootstrapRequest,
  computes: ReadonlyArray<number> = []
): IsoflopResult => ({
  fit: fitIsoflop(points),
  bootstrap: bootstrap.resamples > 0 ? bootstrapIsoflop(points, { ...bootstrap, compute: computes }) : undefined
})

export const fitParametricResults = (points: ReadonlyArray<ResultPoint>, bootstrap: BootstrapRequest): ParametricResult => {
  const fit = fitParametric(points)
  return { fit, bootstrap: bootstrap.resamples > 0 ? bootstrapParametric(points, fit, bootstrap) : undefined }
}
