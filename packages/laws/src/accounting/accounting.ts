import { LawInputError } from "../lawInputError.ts"
import { requireInteger } from "../validate.ts"

/**
 * A mixture-of-experts feed-forward (Switch, Fedus et al. 2021; Mixtral, Jiang et al. 2024): each
 * layer has `experts` SwiGLU experts of the dense width and a d_model × experts router that sends
 * each token to `top_k` of them.
 */
export interface MoeRouting {
  readonly experts: number
  readonly top_k: number
}

/**
 * A Llama-style decoder (RMSNorm, grouped-query attention, SwiGLU, no biases), its feed-forwards
 * mixtures of experts when `moe` is set. Structurally the run contract's ModelShape, restated so
 * the math does not depend on the schema package.
 */
export interface LlamaShape {
  readonly layers: number
  readonly d_model: number
  readonly heads: number
  readonly kv_heads: number
  readonly head_dim: number
  readonly ffn: number
  readonly context: number
  readonly vocab: number
  readonly tied_embeddings: boolean
  readonly moe?: MoeRouting
}

export interface ParamCount {
  /** Every trainable parameter, all experts counted. */
  readonly total: number
  /**
   * The parameters one token uses: Chinchilla's N, the N of fits and of C = 6·N·D. A mixture of
   * experts counts its router and top_k experts per layer; a dense model, everything (= total).
   */
  readonly active: number
  /** The vocabulary matrices: input embedding, plus the output head when untied. */
  readonly embedding: number
  /** active − embedding: Kaplan et al. (2020)'s N. */
  readonly nonEmbedding: number
}

/** Throws a LawInputError naming the first field of `shape` that cannot describe a model. */
export const validateShape = (shape: LlamaShape): void => {
  for (const field of ["layers", "d_model", "heads", "kv_heads", "head_dim", "ffn", "context", "vocab"] as const) {
    requireInteger(shape[field], 1, `shape.${field}`)
  }
  if (shape.heads % shape.kv_heads !== 0) {
    throw new LawInputError(
      `shape.kv_heads (${shape.kv_heads}) must divide shape.heads (${shape.heads}): each key/value head serves a whole group of query heads`
    )
  }
  if (shape.moe !== undefined) {
    requireInteger(shape.moe.experts, 2, "shape.moe.experts")
    requireInteger(shape.moe.top_k, 1, "shape.moe.top_k")
    if (shape.moe.top_k > shape.moe.experts) {
      throw new LawInputError(
        `shape.moe.top_k (${shape.moe.top_k}) must be at most shape.moe.experts (${shape.moe.experts}): each token goes to top_k distinct experts`
      )
    }
  }
}

/** Which of a model's parameters to count: all of them, or those one token uses. */
type Counted = "total" | "active"

/**
 * Parameters of one decoder layer: attention, the feed-forward, two RMSNorm gains. A mixture of
 * experts' feed-forward is its router plus `experts` SwiGLU experts (all of them in the total,
 * top_k in the active count).
 */
const layerParams = (shape: LlamaShape, counted: Counted): number => {
  const { d_model: d, heads, kv_heads, head_dim, ffn, moe } = shape
  const attention = d * heads * head_dim * 2 + d * kv_heads * head_dim * 2
  const expert = 3 * d * ffn
  const feedForward = moe === undefined
    ? expert
    : d * moe.experts + expert * (counted === "total" ? moe.experts : moe.top_k)
  return attention + feedForward + 2 * d
}

const embeddingParams = (shape: LlamaShape): number => shape.vocab * shape.d_model * (shape.tied_embeddings ? 1 : 2)

const paramsUnchecked = (shape: LlamaShape, counted: Counted): number =>
  shape.layers * layerParams(shape, counted) + shape.d_model + embeddingParams(shape)

/**
 * countParams(shape).active of a shape already known to be valid (built from validated rules),
 * without checking it again: shape searches count millions of candidates.
 */
export const activeParamsUnchecked = (shape: LlamaShape): number => paramsUnchecked(shape, "active")

export const countParams = (shape: LlamaShape): ParamCount => {
  validateShape(shape)
  const embedding = embeddingParams(shape)
  const active = activeParamsUnchecked(shape)
  return { total: paramsUnchecked(shape, "total"), active, embedding, nonEmbedding: active - embedding }
}
