// The compute multiplier of one loss law over another: how much compute the baseline needs to
// reach the loss the candidate reaches compute-optimally at a budget, as a multiple of that budget.
import { LawInputError } from "../lawInputError.ts"
import type { LossLaw } from "../fit/lossLaw.ts"
import { bisectLog } from "../optim/bisection.ts"
import { requirePositive } from "../validate.ts"

/** The candidate's loss at a budget, and what the baseline needs to reach it. */
export interface ComputeMultiplier {
  /** The candidate's budget C in FLOPs. */
  readonly compute: number
  /** The candidate's compute-optimal loss at C. */
  readonly loss: number
  /** C_b: the compute at which the baseline's compute-optimal loss equals `loss`; Infinity when it never does. */
  readonly baselineCompute: number
  /** C_b / C: above 1 when the candidate is the better spender of compute; Infinity when the baseline never reaches `loss`. */
  readonly multiplier: number
  /**
   * False when no compute brings the baseline to `loss`: the loss lies at or below the baseline's
   * irreducible loss, or so near it that even `mostCompute` FLOPs leave the baseline above it.
   */
  readonly reachable: boolean
}

// The search for C_b spans compute from far below any model to far beyond any budget; the
// closed-form optima of every law form stay finite across it.
const leastCompute = 1e-30
const mostCompute = 1e300

/** The law's compute-optimal loss at `compute`; a law with no finite optimum there cannot be compared. */
const optimalLoss = (law: LossLaw, compute: number): number => {
  const { loss } = law.optimumAt(compute)
  if (Number.isNaN(loss)) {
    throw new LawInputError(`the ${law.form} law has no compute-optimal loss at C = ${compute.toExponential(3)} FLOPs: check that its exponents are positive`)
  }
  return loss
}

/**
 * The compute at which the law's compute-optimal loss L*(C) falls to `loss`, solved by bisection
 * in ln C (L*(C) falls with C): Infinity when `loss` is at or below the law's floor, which no
 * compute reaches, or when even `mostCompute` FLOPs leave the law above it.
 */
export const computeForLoss = (law: LossLaw, loss: number): number => {
  if (Number.isNaN(loss)) throw new LawInputError("the loss to reach is not a number")
  if (!(loss > law.floor) || optimalLoss(law, mostCompute) > loss) return Number.POSITIVE_INFINITY
  if (optimalLoss(law, leastCompute) <= loss) {
    throw new LawInputError(
      `the ${law.form} law reaches loss ${loss} with under ${leastCompute} FLOPs: the loss is too high to compare at, or the law is broken`
    )
  }
  return Math.exp(bisectLog(leastCompute, mostCompute, (compute) => optimalLoss(law, compute) <= loss))
}

/**
 * The compute multiplier of `candidate` over `baseline` at budget `compute` (C): C_b / C, where
 * the baseline's compute-optimal loss at C_b equals the candidate's at C. A candidate law equal to
 * the baseline's at (k^½·N, k^½·D) has multiplier k at every budget.
 */
export const computeMultiplier = (baseline: LossLaw, candidate: LossLaw, compute: number): ComputeMultiplier => {
  requirePositive(compute, "compute")
  const loss = optimalLoss(candidate, compute)
  const baselineCompute = computeForLoss(baseline, loss)
  return { compute, loss, baselineCompute, multiplier: baselineCompute / compute, reachable: Number.isFinite(baselineCompute) }
}
