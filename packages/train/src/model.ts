// Llama-style decoder (Touvron et al. 2023): token embedding, pre-RMSNorm blocks of rotary
// grouped-query causal attention and SwiGLU feed-forward, no biases, final RMSNorm, output head
// tied to the embedding or separate.
import type { ModelShape } from "@scalelab/spec"
import * as tf from "@tensorflow/tfjs-core"
import { causalAttention, causalMask } from "./attention.ts"
import type { TokenBatch } from "./batches.ts"
import { crossEntropy, rmsNorm, swiGlu } from "./layers.ts"
import { transposeLast } from "./matMulGradient.ts"
import { type ParameterLayout, splitParameters } from "./parameters.ts"
import { ropeTables, rotateHalfMatrix } from "./rope.ts"

/** How token ids become embedding rows; both give the same values, they differ in speed. */
export type EmbeddingLookup = "gather" | "one-hot"

/** Tensors that depend only on the shape, built once per run and reused by every step. */
export interface ModelConstants {
  readonly shape: ModelShape
  readonly layout: ParameterLayout
  readonly lookup: EmbeddingLookup
  readonly mask: tf.Tensor2D
  readonly rotateHalf: tf.Tensor2D
  readonly cos: tf.Tensor3D
  readonly sin: tf.Tensor3D
}

export function modelConstants(shape: ModelShape, layout: ParameterLayout, lookup: EmbeddingLookup): ModelConstants {
  const { heads, kv_heads: kvHeads, head_dim: headDim, context } = shape
  if (heads % kvHeads !== 0) throw new Error(`heads (${heads}) must be a multiple of kv_heads (${kvHeads})`)
  if (headDim % 2 !== 0) throw new Error(`head_dim (${headDim}) must be even for rotary embeddings`)
  return {
    shape,
    layout,
    lookup,
    mask: causalMask(heads / kvHeads, context),
    rotateHalf: rotateHalfMatrix(headDim),
    ...ropeTables(context, heads + kvHeads, headDim, heads, 1 / Math.sqrt(headDim))
  }
}

export function disposeConstants(constants: ModelConstants): void {
  tf.dispose([constants.mask, constants.rotateHalf, constants.cos, constants.sin])
}

function weight<T extends tf.Tensor>(weights: ReadonlyMap<string, tf.Tensor>, name: string): T {
  const tensor = weights.get(name)
  if (tensor === undefined) throw new Error(`the parameter layout has no "${name}"`)
  return tensor as T
}

function embed(ids: tf.Tensor1D, embedding: tf.Tensor2D, constants: ModelConstants): tf.Tensor2D {
  return constants.lookup === "gather"
    ? tf.gather(embedding, ids)
    : tf.matMul(tf.oneHot(ids, constants.shape.vocab), embedding)
}

/** Rotary embedding of queries and keys together: they are adjacent columns of the qkv product. */
function rotate(qk: tf.Tensor2D, batch: number, constants: ModelConstants): tf.Tensor4D {
  const { context, heads, kv_heads: kvHeads, head_dim: headDim } = constants.shape
  const byHead = tf.reshape(qk, [batch, context, heads + kvHeads, headDim])
  const rotated = tf.reshape(tf.matMul(tf.reshape(qk, [-1, headDim]), constants.rotateHalf), byHead.shape)
  return tf.add(tf.mul(byHead, constants.cos), tf.mul(rotated, constants.sin))
}

function attentionBlock(
  x: tf.Tensor2D,
  weights: ReadonlyMap<string, tf.Tensor>,
  layer: number,
  batch: number,
  constants: ModelConstants
): tf.Tensor2D {
  const { context, heads, kv_heads: kvHeads, head_dim: headDim } = constants.shape
  const normed = rmsNorm(x, weight(weights, `layers.${layer}.attention_norm`))
  const qkv = tf.matMul(normed, weight<tf.Tensor2D>(weights, `layers.${layer}.qkv`))
  const [qk, v] = tf.split(qkv, [(heads + kvHeads) * headDim, kvHeads * headDim], 1) as [tf.Tensor2D, tf.Tensor2D]
  const [q, k] = tf.split(rotate(qk, batch, constants), [heads, kvHeads], 2) as [tf.Tensor4D, tf.Tensor4D]
  const dims = { batch, context, heads, kvHeads, headDim }
  const mixed = causalAttention(q, k, tf.reshape(v, [batch, context, kvHeads, headDim]), constants.mask, dims)
  return tf.matMul(mixed, weight<tf.Tensor2D>(weights, `layers.${layer}.attention_out`))
}

function feedForwardBlock(x: tf.Tensor2D, weights: ReadonlyMap<string, tf.Tensor>, layer: number): tf.Tensor2D {
  const normed = rmsNorm(x, weight(weights, `layers.${layer}.ffn_norm`))
  return swiGlu(normed, weight(weights, `layers.${layer}.gate_up`), weight(weights, `layers.${layer}.ffn_out`))
}

/** Logits [batch · context, vocab] for token ids [batch, context]. */
export function logits(parameters: tf.Tensor1D, inputs: tf.Tensor2D, constants: ModelConstants): tf.Tensor2D {
  const weights = splitParameters(parameters, constants.layout)
  const batch = inputs.shape[0]
  const embedding = weight<tf.Tensor2D>(weights, "embedding")
  let x = embed(tf.reshape(inputs, [-1]), embedding, constants)
  for (let layer = 0; layer < constants.shape.layers; layer++) {
    x = tf.add(x, attentionBlock(x, weights, layer, batch, constants))
    x = tf.add(x, feedForwardBlock(x, weights, layer))
  }
  const normed = rmsNorm(x, weight(weights, "final_norm"))
  return constants.shape.tied_embeddings
    ? tf.matMul(normed, transposeLast(embedding))
    : tf.matMul(normed, weight<tf.Tensor2D>(weights, "head"))
}

/** Mean next-token cross-entropy (nats/token) of the model on a batch. */
export function batchLoss(parameters: tf.Tensor1D, batch: TokenBatch, constants: ModelConstants): tf.Scalar {
  const shape: [number, number] = [batch.sequences, batch.context]
  const inputs = tf.tensor2d(batch.inputs, shape, "int32")
  const targets = tf.oneHot(tf.tensor1d(batch.targets, "int32"), constants.shape.vocab) as tf.Tensor2D
  return crossEntropy(logits(parameters, inputs, constants), targets)
}
