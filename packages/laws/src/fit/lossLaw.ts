import type { ParametricCoefficients } from "./parametric.ts"
import { parametricComputeOptimal, parametricLoss } from "../published/computeOptimal.ts"
import { requirePositive } from "../validate.ts"

/** A compute-optimal allocation with the loss the law predicts there. */
export interface LossAllocation {
  readonly params: number
  readonly tokens: number
  readonly loss: number
}

/**
 * A fitted law of loss in model size N and training tokens D, whatever its form: what every loss
 * forecast (compute-optimal or at a chosen N and D) reads, so that the summary, report, `forecast`,
 * dashboard and backtest all forecast loss with one piece of code.
 */
export interface LossLaw {
  /** The law's form, e.g. `chinchilla` for E + A/N^α + B/D^β. */
  readonly form: string
  /** The predicted loss of a model of `params` parameters trained on `tokens` tokens. */
  readonly lossAt: (params: number, tokens: number) => number
  /** The irreducible loss: the infimum of `lossAt` over every N and D (0 for a form without one). */
  readonly floor: number
  /** The allocation of `compute` FLOPs (C = 6·N·D) that minimises the loss, and that loss. */
  readonly optimumAt: (compute: number) => LossAllocation
}

/** L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, eq. 2) as a LossLaw. */
export const chinchillaLossLaw = (coefficients: ParametricCoefficients): LossLaw => ({
  form: "chinchilla",
  lossAt: (params, tokens) => {
    requirePositive(params, "params")
    requirePositive(tokens, "tokens")
    return parametricLoss(coefficients, params, tokens)
  },
  floor: coefficients.E,
  optimumAt: (compute) => {
    requirePositive(compute, "compute")
    const { params, tokens } = parametricComputeOptimal(coefficients, compute)
    return { params, tokens, loss: parametricLoss(coefficients, params, tokens) }
  }
})
