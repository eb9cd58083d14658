import type { LlamaShape, MoeRouting } from "./accounting.ts"
import { activeParamsUnchecked } from "./accounting.ts"
import { LawInputError } from "../lawInputError.ts"
import { requireInteger, requirePositive } from "../validate.ts"

/** The architecture rules a model family fixes; shapeForParams chooses depth and width within them. */
export interface ShapeRules {
  /** Target d_model / layers. */
  readonly aspect: number
  readonly head_dim: number
  /** Upper bound on key/value heads; the largest divisor of the head count not above it is used. */
  readonly kv_heads: number
  readonly context: number
  readonly vocab: number
  /** ffn ≈ ffn_multiplier · d_model (Llama uses 8/3 so that SwiGLU costs what a 4·d_model MLP costs). */
  readonly ffn_multiplier: number
  readonly tied_embeddings: boolean
  /** A fixed depth: only the width varies with the size, and `aspect` is not used. */
  readonly layers?: number
  /** Mixture-of-experts feed-forwards: models are then sized by their active parameters. */
  readonly moe?: MoeRouting
}

// Shapes within this relative distance of the target always beat shapes outside it, so the
// aspect can never pull a model far off the size an IsoFLOP sweep asked for (sweeps need sizes
// spread evenly in log N); outside shapes are chosen only where no inside one exists.
const sizeTolerance = Math.log(1.25)
const outsideSurcharge = 100

// Within the tolerance, weight of the aspect penalty relative to the size error, both in natural
// log units: a 5% miss on N costs as much as an aspect off by a factor of 1.18.
const aspectWeight = 0.3

// Shapes beyond this many times the target can never beat a smaller one, so the scan stops there.
const scanCeiling = 4

const largestDivisorAtMost = (n: number, bound: number): number => {
  for (let candidate = Math.min(n, bound); candidate > 1; candidate--) {
    if (n % candidate === 0) return candidate
  }
  return 1
}

const shapeOf = (layers: number, headCount: number, rules: ShapeRules): LlamaShape => {
  const d_model = headCount * rules.head_dim
  return {
    layers,
    d_model,
    heads: headCount,
    kv_heads: largestDivisorAtMost(headCount, rules.kv_heads),
    head_dim: rules.head_dim,
    ffn: Math.max(8, Math.round((rules.ffn_multiplier * d_model) / 8) * 8),
    context: rules.context,
    vocab: rules.vocab,
    tied_embeddings: rules.tied_embeddings,
    ...(rules.moe === undefined ? {} : { moe: rules.moe })
  }
}

const validateRules = (target: number, rules: ShapeRules): void => {
  requirePositive(target, "target parameter count")
  requirePositive(rules.aspect, "model.aspect")
  requirePositive(rules.ffn_multiplier, "model.ffn_multiplier")
  requireInteger(rules.head_dim, 1, "model.head_dim")
  requireInteger(rules.kv_heads, 1, "model.kv_heads")
  requireInteger(rules.context, 1, "model.context")
  requireInteger(rules.vocab, 1, "model.vocab")
  if (rules.moe !== undefined) {
    requireInteger(rules.moe.experts, 2, "model.experts")
    requireInteger(rules.moe.top_k, 1, "model.top_k")
    if (rules.moe.top_k > rules.moe.experts) {
      throw new LawInputError(`model.top_k (${rules.moe.top_k}) must be at most model.experts (${rules.moe.experts})`)
    }
  }
}

/** At a fixed depth, the width (in whole heads) whose active parameter count is nearest `target` in log N. */
const closestWidth = (target: number, layers: number, rules: ShapeRules): LlamaShape => {
  requireInteger(layers, 1, "model.layers")
  let best = shapeOf(layers, 1, rules)
  for (let headCount = 2; activeParamsUnchecked(best) < target; headCount++) {
    const wider = shapeOf(layers, headCount, rules)
    const error = (shape: LlamaShape) => Math.abs(Math.log(activeParamsUnchecked(shape) / target))
    if (error(wider) >= error(best)) break
    best = wider
  }
  return best
}

/**
 * The Llama-style shape whose active parameter count (the total, for a dense model) is closest to `target` while d_model/layers
 * stays near `rules.aspect`. Small models have coarse granularity (one layer or one head more is
 * a large relative step), so no formula hits the target: (layers, heads) pairs are scored by
 * |ln N − ln target| + 0.3·|ln(aspect_actual / aspect)|, plus a surcharge when N misses the target
 * by more than 25%, and the lowest score wins. d_model is a multiple of head_dim by construction.
 *
 * The scan is bounded: widths stop once N passes a few times the target, and depths stop once
 * even the narrowest model is that large, or once even the widest allowed width leaves an aspect
 * penalty above the best score found (deeper models only make both worse). A target below the
 * smallest model gets the smallest model: callers compare countParams with what they asked for.
 * With `rules.layers` set, the depth is fixed and only the width is chosen.
 */
export const shapeForParams = (target: number, rules: ShapeRules): LlamaShape => {
  validateRules(target, rules)
  if (rules.layers !== undefined) return closestWidth(target, rules.layers, rules)
  const aspectPenalty = (shape: LlamaShape): number =>
    aspectWeight * Math.abs(Math.log(shape.d_model / shape.layers / rules.aspect))
  const score = (shape: LlamaShape): number => {
    const sizeError = Math.abs(Math.log(activeParamsUnchecked(shape) / target))
    return sizeError + aspectPenalty(shape) + (sizeError > sizeTolerance ? outsideSurcharge : 0)
  }
  let best = shapeOf(1, 1, rules)
  let bestScore = score(best)
  for (let layers = 1; ; layers++) {
    let shape = shapeOf(layers, 1, rules)
    if (activeParamsUnchecked(shape) > scanCeiling * target) return best
    for (let headCount = 1; ; headCount++) {
      shape = shapeOf(layers, headCount, rules)
      const shapeScore = score(shape)
      if (shapeScore < bestScore) {
        best = shape
        bestScore = shapeScore
      }
      const tooWide = shape.d_model / layers > rules.aspect && aspectPenalty(shape) > bestScore
      if (tooWide || activeParamsUnchecked(shape) > scanCeiling * target) break
    }
    const tooDeep = shape.d_model / layers < rules.aspect && aspectPenalty(shape) > bestScore
    if (tooDeep) return best
  }
}
