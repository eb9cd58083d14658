import type { LlamaShape } from "./accounting.ts"
import { countParams, validateShape } from "./accounting.ts"
import { LawInputError } from "../lawInputError.ts"
import { requirePositive } from "../validate.ts"

/** How training FLOPs are counted; recorded per run because fitted laws depend on it. */
export type FlopConvention = "6N" | "6N+attention" | "exact"

export const flopConventions: ReadonlyArray<FlopConvention> = ["6N", "6N+attention", "exact"]

/**
 * Training FLOPs per parameter per token in the C ≈ 6·N·D rule (Kaplan et al. 2020, §2.1; Hoffmann
 * et al. 2022, §3): 2 for the forward pass's multiply-adds, 4 for the backward pass. Every published
 * law here, and the tables they were fitted to, count compute this way.
 */
export const flopsPerParamToken = 6

/** Training compute C = 6·N·D of a model of `params` parameters trained on `tokens` tokens (the 6N convention). */
export const sixNDFlops = (params: number, tokens: number): number => flopsPerParamToken * params * tokens

// A training step costs the forward pass plus a backward pass of twice its matmul work
// (gradients with respect to both the activations and the weights).
const trainingFactor = 3

/**
 * Forward FLOPs per token of the feed-forward: SwiGLU's three d_model×ffn products; for a mixture
 * of experts, the router's d_model×experts product and top_k experts' products, what a sparse
 * implementation spends (the built-in trainer computes every expert, see docs/training.md, but
 * the count is of the model, as its active parameters are).
 */
const feedForwardPerToken = (shape: LlamaShape): number => {
  const expert = 2 * 3 * shape.d_model * shape.ffn
  return shape.moe === undefined ? expert : 2 * shape.d_model * shape.moe.experts + shape.moe.top_k * expert
}

/**
 * Forward FLOPs per token after Hoffmann et al. (2022), Appendix F, with two adaptations to
 * this architecture: Q, K and V project to heads·head_dim, kv_heads·head_dim and kv_heads·head_dim
 * columns (grouped-query attention) instead of 3·heads·head_dim, and the dense block has SwiGLU's
 * three d_model×ffn matrices instead of two. As in the paper, the embedding counts as a dense
 * vocab×d_model product even though it is a lookup, the logits and the attention reduction span
 * the full context (no causal saving), and norms and activations are left out.
 */
const chinchillaForwardPerToken = (shape: LlamaShape): number => {
  const { d_model: d, heads, kv_heads, head_dim, context, vocab } = shape
  const queryWidth = heads * head_dim
  const embeddings = 2 * vocab * d
  const qkv = 2 * d * (queryWidth + 2 * kv_heads * head_dim)
  const logits = 2 * context * queryWidth
  const softmax = 3 * heads * context
  const reduction = 2 * context * queryWidth
  const outputProjection = 2 * queryWidth * d
  const dense = feedForwardPerToken(shape)
  const finalLogits = 2 * d * vocab
  return embeddings + shape.layers * (qkv + logits + softmax + reduction + outputProjection + dense) + finalLogits
}

/**
 * Forward matmul FLOPs per token (2·m·n·k per product, divided by the context) of this exact
 * model as a dense implementation runs it: the embedding is a lookup (no matmul), every query
 * head multiplies against its shared key/value head over the whole context (the causal mask
 * discards half the logits only after computing them).
 */
const exactForwardPerToken = (shape: LlamaShape): number => {
  const { d_model: d, heads, kv_heads, head_dim, context, vocab } = shape
  const queryWidth = heads * head_dim
  const projections = 2 * d * queryWidth + 2 * 2 * d * kv_heads * head_dim + 2 * queryWidth * d
  const attention = 2 * context * queryWidth * 2
  const feedForward = feedForwardPerToken(shape)
  return shape.layers * (projections + attention + feedForward) + 2 * d * vocab
}

/** Training (forward + backward) FLOPs per token of `shape` under `convention`; a mixture of experts' active ones. */
export const flopsPerToken = (shape: LlamaShape, convention: FlopConvention): number => {
  validateShape(shape)
  switch (convention) {
    case "6N":
      return flopsPerParamToken * countParams(shape).active
    case "6N+attention":
      return trainingFactor * chinchillaForwardPerToken(shape)
    case "exact":
      return trainingFactor * exactForwardPerToken(shape)
    default:
      throw new LawInputError(
        `unknown FLOP convention "${String(convention)}": use one of ${flopConventions.join(", ")}`
      )
  }
}

export const trainingFlops = (shape: LlamaShape, tokens: number, convention: FlopConvention): number => {
  requirePositive(tokens, "tokens")
  return flopsPerToken(shape, convention) * tokens
}
