// Llama-style decoder (Touvron et al. 2023): token embedding, pre-RMSNorm blocks of rotary
// grouped-query causal attention and SwiGLU feed-forward, no biases, final RMSNorm, output head
// tied to the embedding or separate.
//
// Read top to bottom: the layers, rotary position embeddings, attention, then the decoder that
// puts them together. Everything is a function of tensors; the weights live in parameters.ts.
import type { ModelShape } from "@scalelab/spec"
import * as tf from "@tensorflow/tfjs-core"
import type { TokenBatch } from "../data/batches.ts"
import { transposeLast } from "../kernels/matMulGradient.ts"
import type { ParameterLayout, Weights } from "./parameters.ts"

// Layers ------------------------------------------------------------------------------------------

const rmsEpsilon = 1e-5

/** RMSNorm (Zhang & Sennrich 2019): x / sqrt(mean(x²) + ε) · gain, over the last axis. */
export function rmsNorm(x: tf.Tensor2D, gain: tf.Tensor): tf.Tensor2D {
  const meanSquare = tf.mean(tf.square(x), -1, true)
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, rmsEpsilon))), gain)
}

/** SwiGLU feed-forward (Shazeer 2020): (silu(x·w_gate) ⊙ x·w_up)·w_out. */
export function swiGlu(x: tf.Tensor2D, wGate: tf.Tensor2D, wUp: tf.Tensor2D, out: tf.Tensor2D): tf.Tensor2D {
  const gate = tf.matMul(x, wGate)
  const up = tf.matMul(x, wUp)
  return tf.matMul(tf.mul(tf.mul(gate, tf.sigmoid(gate)), up), out)
}

/**
 * Mean next-token cross-entropy in nats from logits [n, vocab] and one-hot targets. The gradient
 * is written out, (softmax − onehot)/n, instead of being derived through logSumExp's ops.
 */
export function crossEntropy(logits: tf.Tensor2D, oneHotTargets: tf.Tensor2D): tf.Scalar {
  const rows = logits.shape[0]
  const loss = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [logits, save] = inputs as [tf.Tensor2D, tf.GradSaveFunc]
    const logNormaliser = tf.logSumExp(logits, -1, true)
    save([logits, logNormaliser, oneHotTargets])
    const picked = tf.sum(tf.mul(logits, oneHotTargets), -1, true)
    const value = tf.mean(tf.sub(logNormaliser, picked))
    const gradFunc = (dy: tf.Tensor, saved: Array<tf.Tensor>): tf.Tensor => {
      const [savedLogits, savedNormaliser, savedTargets] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]
      const probabilities = tf.exp(tf.sub(savedLogits, savedNormaliser))
      return tf.mul(tf.sub(probabilities, savedTargets), tf.div(dy, rows))
    }
    return { value, gradFunc }
  })
  return loss(logits) as tf.Scalar
}

// Rotary position embeddings ----------------------------------------------------------------------
// Su et al. 2021 ("RoFormer"), in the half-split layout Llama uses:
// channel i is paired with channel i + head_dim/2 and the pair is rotated by pos · θ_i,
// θ_i = 10000^(-2i/head_dim).

const ropeBase = 10000

/**
 * R with x·R = rotate_half(x) = [-x2, x1]. Rotating by a constant matMul costs one op forward and
 * one backward, where slicing, negating and concatenating the halves costs several.
 */
export function rotateHalfMatrix(headDim: number): tf.Tensor2D {
  const half = headDim / 2
  const values = new Float32Array(headDim * headDim)
  for (let j = 0; j < half; j++) {
    values[(j + half) * headDim + j] = -1
    values[j * headDim + j + half] = 1
  }
  return tf.tensor2d(values, [headDim, headDim])
}

/**
 * cos and sin tables of shape [context, heads, headDim], broadcast against [batch, context, heads,
 * headDim], multiplied by `scale`: rope is linear, so folding attention's 1/sqrt(head_dim) into the
 * queries' tables saves a multiply per layer.
 */
export function ropeTables(context: number, heads: number, headDim: number, scale: number): { cos: tf.Tensor3D; sin: tf.Tensor3D } {
  const half = headDim / 2
  const cos = new Float32Array(context * heads * headDim)
  const sin = new Float32Array(context * heads * headDim)
  for (let t = 0; t < context; t++) {
    for (let h = 0; h < heads; h++) {
      for (let j = 0; j < headDim; j++) {
        const angle = t * Math.pow(ropeBase, -(2 * (j % half)) / headDim)
        const at = (t * heads + h) * headDim + j
        cos[at] = Math.cos(angle) * scale
        sin[at] = Math.sin(angle) * scale
      }
    }
  }
  return { cos: tf.tensor3d(cos, [context, heads, headDim]), sin: tf.tensor3d(sin, [context, heads, headDim]) }
}

// Attention ---------------------------------------------------------------------------------------
// Causal self-attention with grouped-query attention (Ainslie et al. 2023): `heads` query heads
// share `kv_heads` key/value heads, `group = heads / kv_heads` queries per key/value head.

export interface AttentionDims {
  readonly batch: number
  readonly context: number
  readonly heads: number
  readonly kvHeads: number
  readonly headDim: number
}

/**
 * An additive mask (0 where a query may look, -1e9 where it may not) that broadcasts against the
 * scores viewed as [batch, heads, context, context]: [context, context] when every sequence is
 * masked alike, [batch, 1, context, context] when each sequence has its own.
 */
export type AttentionMask = tf.Tensor2D | tf.Tensor4D

const blocked = -1e9

/** Position i may attend to positions j ≤ i: the mask of a sequence that is one document. */
export function causalMask(context: number): tf.Tensor2D {
  const values = new Float32Array(context * context)
  for (let i = 0; i < context; i++) values.fill(blocked, i * context + i + 1, (i + 1) * context)
  return tf.tensor2d(values, [context, context])
}

/**
 * Document masking (Llama 3, §3.2): documents packed into one sequence do not attend to each
 * other, so position i may attend to j iff j ≤ i and documents[i] == documents[j].
 * `documents` is [sequences, context]. Built on the host: on the wasm backend this took ~1.6 ms
 * for 32 sequences of 128, against ~64 ms for the same mask from comparisons on the device.
 */
export function documentMask(documents: Int32Array, sequences: number, context: number): tf.Tensor4D {
  const values = new Float32Array(sequences * context * context).fill(blocked)
  for (let s = 0; s < sequences; s++) {
    const ids = documents.subarray(s * context, (s + 1) * context)
    for (let i = 0; i < context; i++) {
      const row = (s * context + i) * context
      const own = ids[i]
      for (let j = 0; j <= i; j++) if (ids[j] === own) values[row + j] = 0
    }
  }
  return tf.tensor4d(values, [sequences, 1, context, context])
}

/**
 * q: [batch, context, heads, headDim], already rotated and scaled by 1/sqrt(headDim);
 * k, v: [batch, context, kvHeads, headDim]. Returns [batch · context, heads · headDim].
 */
export function causalAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  mask: AttentionMask,
  dims: AttentionDims
): tf.Tensor2D {
  const { batch, context, heads, kvHeads, headDim } = dims
  const group = heads / kvHeads
  // The group's queries are stacked as rows so that one batched matMul per key/value head serves
  // the whole group, without repeating K, V.
  const groupedQ = tf.reshape(
    tf.transpose(tf.reshape(q, [batch, context, kvHeads, group, headDim]), [0, 2, 3, 1, 4]),
    [batch * kvHeads, group * context, headDim]
  )
  const byHead = (x: tf.Tensor4D, perm: Array<number>, shape: [number, number, number]) =>
    tf.reshape(tf.transpose(x, perm), shape)
  // Keys go straight to [.., headDim, context] in the one transpose that groups them by head.
  // On wasm these batched products run on the SIMD kernel of wasmBatchMatMul.ts (tfjs's own runs
  // them in a scalar loop at ~2 GFLOP/s).
  const keysT = byHead(k, [0, 2, 3, 1], [batch * kvHeads, headDim, context])
  // Rows of the product are (sequence, kv head, group member, position): viewed as
  // [batch, heads, context, context], where the mask broadcasts over heads.
  const scores = tf.add(tf.reshape(tf.matMul(groupedQ, keysT), [batch, heads, context, context]), mask)
  const weights = tf.reshape(tf.softmax(scores), [batch * kvHeads, group * context, context])
  const mixed = tf.matMul(weights, byHead(v, [0, 2, 1, 3], [batch * kvHeads, context, headDim]))
  return tf.reshape(
    tf.transpose(tf.reshape(mixed, [batch, kvHeads, group, context, headDim]), [0, 3, 1, 2, 4]),
    [batch * context, heads * headDim]
  )
}

// The decoder -------------------------------------------------------------------------------------

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
