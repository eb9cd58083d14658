import type { IsoflopFit } from "./isoflop.ts"
import { requirePositive } from "../validate.ts"

export interface ComputeForecast {
  readonly compute: number
  readonly params: number
  readonly tokens: number
  readonly loss: number
}

/**
 * The compute-optimal N, D and loss at `compute`, read off the fitted IsoFLOP power laws. The loss
 * law L*(C) = k·C^c has no irreducible term, so it reads low beyond the fitted budgets; the
 * parametric fit is the better loss forecaster there.
 */
export const forecastIsoflop = (fit: IsoflopFit, compute: number): ComputeForecast => {
  requirePositive(compute, "compute")
  return {
    compute,
    params: fit.params_opt.k * compute ** fit.params_opt.a,
    tokens: fit.tokens_opt.k * compute ** fit.tokens_opt.b,
    loss: fit.loss_opt.k * compute ** fit.loss_opt.c
  }
}
