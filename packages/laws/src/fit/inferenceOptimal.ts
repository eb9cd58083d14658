// The inference-aware optimum of Sardana et al. 2024, "Beyond Chinchilla-Optimal: Accounting for
// Inference in Language Model Scaling Laws" (arXiv:2401.00448), §2: the model size N and training
// tokens D that reach a target loss with the fewest FLOPs over the model's life, training 6·N·D
// plus inference 2·N·T for T tokens served. T = 0 is the Chinchilla (compute-optimal) allocation.
import { flopsPerParamToken } from "../accounting/flops.ts"
import { LawInputError } from "../lawInputError.ts"
import { bisectLog } from "../optim/bisection.ts"
import type { LossLaw } from "./lossLaw.ts"

/** FLOPs per parameter per token served: one forward pass (Sardana et al. 2024, §2). */
export const inferenceFlopsPerParamToken = 2

/** A model that reaches the target loss, and what it costs to train and to serve. */
export interface InferenceAllocation {
  readonly params: number
  readonly tokens: number
  readonly trainingFlops: number
  readonly inferenceFlops: number
  readonly totalFlops: number
}

export interface InferenceOptimum {
  readonly loss: number
  readonly inferenceTokens: number
  /** The allocation that minimises training plus inference FLOPs. */
  readonly optimal: InferenceAllocation
  /** The Chinchilla-optimal (T = 0) allocation for the same loss, and what serving T tokens with it costs. */
  readonly chinchilla: InferenceAllocation
}

// Token counts are searched between one token and far past any corpus: a law whose loss at 1e60
// tokens is still above the target cannot reach it with that many parameters.
const fewestTokens = 1
const mostTokens = 1e60
// The cost is scanned over this many decades of N above the smallest model that can reach the
// loss. The optimum lies within a factor ((α+β)/β)^(1/α) (about 10 for Chinchilla's law) at T = 0
// and closer as T grows, so twelve decades leave room for any law.
const scannedDecades = 12
const scanPoints = 480
// Golden-section steps: each shrinks a bracket of at most ln(1e60) ≈ 138 by 0.618, so these
// reach double precision.
const goldenSteps = 200

/**
 * The training tokens D at which a model of `params` parameters reaches `loss` under `law`
 * (lossAt(N, D) = loss, the law falling in D); Infinity when even 1e60 tokens leave it above.
 */
export const tokensForLoss = (law: LossLaw, params: number, loss: number): number => {
  if (law.lossAt(params, mostTokens) > loss) return Number.POSITIVE_INFINITY
  if (law.lossAt(params, fewestTokens) <= loss) return fewestTokens
  return Math.exp(bisectLog(fewestTokens, mostTokens, (tokens) => law.lossAt(params, tokens) <= loss))
}

const allocation = (params: number, tokens: number, inferenceTokens: number): InferenceAllocation => {
  const trainingFlops = flopsPerParamToken * params * tokens
  const inferenceFlops = inferenceFlopsPerParamToken * params * inferenceTokens
  return { params, tokens, trainingFlops, inferenceFlops, totalFlops: trainingFlops + inferenceFlops }
}

/** The ln N that minimises training plus inference FLOPs at `loss`, over N with D solved from the loss. */
const optimalLogParams = (law: LossLaw, loss: number, inferenceTokens: number, smallestLogParams: number): number => {
  const cost = (logParams: number): number => {
    const params = Math.exp(logParams)
    const tokens = tokensForLoss(law, params, loss)
    return Number.isFinite(tokens) ? allocation(params, tokens, inferenceTokens).totalFlops : Number.POSITIVE_INFINITY
  }
  // A scan first, so that a flat or kinked cost cannot lead the refinement to a local minimum,
  // then golden-section search between the best point's neighbours.
  const span = scannedDecades * Math.LN10
  const grid = Array.from({ length: scanPoints + 1 }, (_, i) => smallestLogParams + (span * i) / scanPoints)
  const costs = grid.map(cost)
  const best = costs.reduce((bestIndex, value, i) => (value < (costs[bestIndex] ?? Infinity) ? i : bestIndex), 0)
  if (!Number.isFinite(costs[best] ?? Infinity) || best === scanPoints) {
    throw new LawInputError(
      `the law has no finite-cost model reaching loss ${loss} within ${scannedDecades} decades of model size: ` +
        "check that its loss falls with both parameters and tokens"
    )
  }
  let low = grid[Math.max(0, best - 1)] ?? smallestLogParams
  let high = grid[best + 1] ?? smallestLogParams + span
  const ratio = (Math.sqrt(5) - 1) / 2
  let inner = high - ratio * (high - low)
  let outer = low + ratio * (high - low)
  let innerCost = cost(inner)
  let outerCost = cost(outer)
  for (let step = 0; step < goldenSteps && high - low > 1e-12; step++) {
    if (innerCost <= outerCost) {
      high = outer
      outer = inner
      outerCost = innerCost
      inner = high - ratio * (high - low)
      innerCost = cost(inner)
    } else {
      low = inner
      inner = outer
      innerCost = outerCost
      outer = low + ratio * (high - low)
      outerCost = cost(outer)
    }
  }
  return (low + high) / 2
}

/**
 * The model that reaches `loss` with the fewest training plus inference FLOPs when it will serve
 * `inferenceTokens` tokens: min 6·N·D + 2·N·T subject to L(N, D) = loss (Sardana et al. 2024,
 * §2, eq. 3), by a one-dimensional search over ln N with D solved from the loss. The problem has
 * no closed form for T > 0 (they use Newton's method on its first-order conditions); a scan then
 * golden-section refinement is slower but cannot diverge. Also returns the Chinchilla-optimal
 * (T = 0) model for the same loss, with what serving T tokens with it would cost.
 */
export const inferenceOptimal = (law: LossLaw, loss: number, inferenceTokens: number): InferenceOptimum => {
  if (!Number.isFinite(loss) || loss <= law.floor) {
    throw new LawInputError(
      `the target loss ${loss} is at or below the law's irreducible loss ${law.floor}: no model reaches it with finite ` +
        `parameters and tokens; ask for a loss above ${law.floor}`
    )
  }
  if (!Number.isFinite(inferenceTokens) || inferenceTokens < 0) {
    throw new LawInputError(`inference tokens must be a finite number of at least 0, got ${inferenceTokens}`)
  }
  // The smallest model that can reach the loss at all: below it, no token count is enough.
  if (law.lossAt(mostTokens, mostTokens) > loss) {
    throw new LawInputError(`the law does not reach loss ${loss} even at 1e60 parameters and tokens: ask for a higher loss`)
  }
  const smallestLogParams = bisectLog(1, mostTokens, (params) => law.lossAt(params, mostTokens) <= loss)
  const at = (tokensServed: number, forCost: number): InferenceAllocation => {
    const params = Math.exp(optimalLogParams(law, loss, forCost, smallestLogParams))
    return allocation(params, tokensForLoss(law, params, loss), tokensServed)
  }
  return { loss, inferenceTokens, optimal: at(inferenceTokens, inferenceTokens), chinchilla: at(inferenceTokens, 0) }
}
