import { LawInputError } from "../lawInputError.ts"
import { requireInteger } from "../validate.ts"

/**
 * A Llama-style decoder (RMSNorm, grouped-query attention, SwiGLU, no biases). Structurally the
 * run contract's ModelShape, restated so the math does not depend on the schema package.
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
}

export interface ParamCount {
  /** Every trainable parameter: Chinchilla's N. */
  readonly total: number
  /** The vocabulary matrices: input embedding, plus the output head when untied. */
  readonly embedding: number
  /** total − embedding: Kaplan et al. (2020)'s N. */
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
}

/** Parameters of one decoder layer: attention, SwiGLU feed-forward, two RMSNorm gains. */
const layerParams = (shape: LlamaShape): number => {
  const { d_model: d, heads, kv_heads, head_dim, ffn } = shape
  const attention = d * heads * head_dim * 2 + d * kv_heads * head_dim * 2
  const feedForward = 3 * d * ffn
  return attention + feedForward + 2 * d
}

const embeddingParams = (shape: LlamaShape): number => shape.vocab * shape.d_model * (shape.tied_embeddings ? 1 : 2)

/**
 * countParams(shape).total of a shape already known to be valid (built from validated rules),
 * without checking it again: shape searches count millions of candidates.
 */
export const totalParamsUnchecked = (shape: LlamaShape): number =>
  shape.layers * layerParams(shape) + shape.d_model + embeddingParams(shape)

export const countParams = (shape: LlamaShape): ParamCount => {
  validateShape(shape)
  const embedding = embeddingParams(shape)
  const total = totalParamsUnchecked(shape)
  return { total, embedding, nonEmbedding: total - embedding }
}
