// Llama-style decoder (Touvron et al. 2023): token embedding, pre-RMSNorm blocks of rotary
// grouped-query causal attention and SwiGLU feed-forward, no biases, final RMSNorm, output head
// tied to the embedding or separate.
import type { ModelShape } from "@scalelab/spec"
import * as tf from "@tensorflow/tfjs-core"
import { type AttentionMask, causalAttention, causalMask, documentMask } from "./attention.ts"
import type { TokenBatch } from "../data/batches.ts"
import { crossEntropy, rmsNorm, swiGlu } from "./layers.ts"
import { transposeLast } from "../kernels/matMulGradient.ts"
import type { ParameterLayout, Weights } from "./parameters.ts"
import { ropeTables, rotateHalfMatrix } from "./rope.ts"

/** How token ids become embedding rows; both give the same values, they differ in speed. */
export type EmbeddingLookup = "gather" | "one-hot"

export interface ModelOptions {
  /** Keep attention within each document of a packed sequence (RunSpec.data.document_masking). */
  readonly documentMasking: boolean
}

/** Tensors that depend only on the shape, built once per run and reused by every step. */
export interface ModelConstants extends ModelOptions {
  readonly shape: ModelShape
  readonly layout: ParameterLayout
  readonly lookup: EmbeddingLookup
  /** Position of each named weight in the layout (and so in a Weights array). */
  readonly weightIndex: ReadonlyMap<string, number>
  /** The mask of sequences that hold one document each (or of every sequence, without document masking). */
  readonly causalMask: tf.Tensor2D
  readonly rotateHalf: tf.Tensor2D
  /** Rotary tables for queries (with attention's 1/sqrt(head_dim) folded in) and for keys. */
  readonly queryRope: { readonly cos: tf.Tensor3D; readonly sin: tf.Tensor3D }
  readonly keyRope: { readonly cos: tf.Tensor3D; readonly sin: tf.Tensor3D }
}

export function modelConstants(
  shape: ModelShape,
  layout: ParameterLayout,
  lookup: EmbeddingLookup,
  options: ModelOptions = { documentMasking: true }
): ModelConstants {
  const { heads, kv_heads: kvHeads, head_dim: headDim, context } = shape
  if (heads % kvHeads !== 0) throw new Error(`heads (${heads}) must be a multiple of kv_heads (${kvHeads})`)
  if (headDim % 2 !== 0) throw new Error(`head_dim (${headDim}) must be even for rotary embeddings`)
  return {
    shape,
    layout,
    lookup,
    weightIndex: new Map(layout.slices.map((slice, i) => [slice.name, i])),
    documentMasking: options.documentMasking,
    causalMask: causalMask(context),
    rotateHalf: rotateHalfMatrix(headDim),
    queryRope: ropeTables(context, heads, headDim, 1 / Math.sqrt(headDim)),
    keyRope: ropeTables(context, kvHeads, headDim, 1)
  }
}

export function disposeConstants(constants: ModelConstants): void {
  const { causalMask, rotateHalf, queryRope, keyRope } = constants
  tf.dispose([causalMask, rotateHalf, queryRope.cos, queryRope.sin, keyRope.cos, keyRope.sin])
}

function weight<T extends tf.Tensor>(weights: Weights, name: string, constants: ModelConstants): T {
  const tensor = weights[constants.weightIndex.get(name) ?? -1]
  if (tensor === undefined) throw new Error(`the parameter layout has no "${name}"`)
  return tensor as T
}

function embed(ids: tf.Tensor1D, embedding: tf.Tensor2D, constants: ModelConstants): tf.Tensor2D {
  return constants.lookup === "gather"
    ? tf.gather(embedding, ids)
    : tf.matMul(tf.oneHot(ids, constants.shape.vocab), embedding)
}

/** Rotary embedding of a query or key projection [batch · context, heads · headDim]. */
function rotate(x: tf.Tensor2D, batch: number, rope: ModelConstants["queryRope"], constants: ModelConstants): tf.Tensor4D {
  const { context, head_dim: headDim } = constants.shape
  const byHead = tf.reshape(x, [batch, context, -1, headDim]) as tf.Tensor4D
  const rotated = tf.reshape(tf.matMul(tf.reshape(x, [-1, headDim]), constants.rotateHalf), byHead.shape)
  return tf.add(tf.mul(byHead, rope.cos), tf.mul(rotated, rope.sin))
}

function attentionBlock(
  x: tf.Tensor2D,
  weights: Weights,
  layer: number,
  mask: AttentionMask,
  batch: number,
  constants: ModelConstants
): tf.Tensor2D {
  const { context, heads, kv_heads: kvHeads, head_dim: headDim } = constants.shape
  const w = <T extends tf.Tensor>(name: string) => weight<T>(weights, `layers.${layer}.${name}`, constants)
  const normed = rmsNorm(x, w("attention_norm"))
  const q = rotate(tf.matMul(normed, w<tf.Tensor2D>("wq")), batch, constants.queryRope, constants)
  const k = rotate(tf.matMul(normed, w<tf.Tensor2D>("wk")), batch, constants.keyRope, constants)
  const v = tf.reshape(tf.matMul(normed, w<tf.Tensor2D>("wv")), [batch, context, kvHeads, headDim]) as tf.Tensor4D
  const mixed = causalAttention(q, k, v, mask, { batch, context, heads, kvHeads, headDim })
  return tf.matMul(mixed, w<tf.Tensor2D>("attention_out"))
}

function feedForwardBlock(x: tf.Tensor2D, weights: Weights, layer: number, constants: ModelConstants): tf.Tensor2D {
  const w = <T extends tf.Tensor>(name: string) => weight<T>(weights, `layers.${layer}.${name}`, constants)
  const normed = rmsNorm(x, w("ffn_norm"))
  return swiGlu(normed, w("w_gate"), w("w_up"), w("ffn_out"))
}

/**
 * Logits [batch · context, vocab] for token ids [batch, context], attending where `mask` allows:
 * `constants.causalMask`, or `attentionMask` of the batch.
 */
export function logits(weights: Weights, inputs: tf.Tensor2D, mask: AttentionMask, constants: ModelConstants): tf.Tensor2D {
  const batch = inputs.shape[0]
  const embedding = weight<tf.Tensor2D>(weights, "embedding", constants)
  let x = embed(tf.reshape(inputs, [-1]), embedding, constants)
  for (let layer = 0; layer < constants.shape.layers; layer++) {
    x = tf.add(x, attentionBlock(x, weights, layer, mask, batch, constants))
    x = tf.add(x, feedForwardBlock(x, weights, layer, constants))
  }
  const normed = rmsNorm(x, weight(weights, "final_norm", constants))
  return constants.shape.tied_embeddings
    ? tf.matMul(normed, transposeLast(embedding))
    : tf.matMul(normed, weight<tf.Tensor2D>(weights, "head", constants))
}

/**
 * The batch's attention mask: per sequence from its document ids with document masking, else the
 * shared causal mask. A new mask belongs to the caller (built inside tf.tidy, it goes with the scope).
 */
export function attentionMask(batch: TokenBatch, constants: ModelConstants): AttentionMask {
  return constants.documentMasking ? documentMask(batch.documents, batch.sequences, batch.context) : constants.causalMask
}

/** Mean next-token cross-entropy (nats/token) of the model on a batch; call it inside tf.tidy or a gradient. */
export function batchLoss(weights: Weights, batch: TokenBatch, constants: ModelConstants): tf.Scalar {
  const shape: [number, number] = [batch.sequences, batch.context]
  const inputs = tf.tensor2d(batch.inputs, shape, "int32")
  const targets = tf.oneHot(tf.tensor1d(batch.targets, "int32"), constants.shape.vocab) as tf.Tensor2D
  return crossEntropy(logits(weights, inputs, attentionMask(batch, constants), constants), targets)
}
