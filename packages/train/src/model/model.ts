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

/** SwiGLU's hidden layer: silu(x·w_gate) ⊙ x·w_up. */
function swiGluHidden(x: tf.Tensor2D, wGate: tf.Tensor2D, wUp: tf.Tensor2D): tf.Tensor2D {
  const gate = tf.matMul(x, wGate)
  const up = tf.matMul(x, wUp)
  return tf.mul(tf.mul(gate, tf.sigmoid(gate)), up)
}

/** SwiGLU feed-forward (Shazeer 2020): (silu(x·w_gate) ⊙ x·w_up)·w_out. */
export function swiGlu(x: tf.Tensor2D, wGate: tf.Tensor2D, wUp: tf.Tensor2D, out: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(swiGluHidden(x, wGate, wUp), out)
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

// Mixture of experts ------------------------------------------------------------------------------
// Each token's feed-forward is a gated sum of top_k of `experts` SwiGLU experts, chosen by a
// learned router (Switch, Fedus et al. 2021; Mixtral, Jiang et al. 2024). tfjs has no sparse
// dispatch short of reading the routing back to the host, so every expert runs on every token
// and the gate matrix, zero outside each token's chosen experts, combines them: dropless routing
// (no expert capacity, no token dropped) at `experts` times the dense feed-forward's arithmetic.

/**
 * 1 where an expert is among a token's top_k router probabilities, else 0: [tokens, experts].
 * The choice is a constant of the gradient, as in every mixture of experts (top-k has no
 * derivative; tfjs has no gradient for TopK at all), so the mask is built inside a customGrad
 * whose gradient is zero: the router learns through the gates' values, never through the choice.
 */
export function routingMask(probabilities: tf.Tensor2D, topK: number): tf.Tensor2D {
  const experts = probabilities.shape[1]
  const mask = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [chooseFrom] = inputs as [tf.Tensor2D]
    const { indices } = tf.topk(chooseFrom, topK)
    // [tokens, topK, experts] one-hot rows summed over the chosen k: distinct indices, so 0 or 1.
    // Made int32 and cast: wasm's OneHot writes int32 bits whatever dtype it is asked for.
    const value = tf.cast(tf.sum(tf.oneHot(indices, experts), 1), "float32") as tf.Tensor2D
    return { value, gradFunc: () => tf.zerosLike(chooseFrom) }
  })
  return mask(probabilities) as tf.Tensor2D
}

/** A mixture-of-experts feed-forward's output and its Switch load-balancing term E·Σ_e f_e·P_e. */
interface ExpertsOutput {
  readonly out: tf.Tensor2D
  readonly balance: tf.Scalar
}

/**
 * The experts of one layer on normalised inputs [tokens, d_model]. Router probabilities are a
 * softmax over experts; the gates are those of the chosen experts renormalised to sum to 1
 * (Mixtral), or with top_k = 1 the chosen probability itself (Switch), which keeps a gradient
 * to the router (a renormalised single gate would be the constant 1).
 *
 * balance = E·Σ_e f_e·P_e (Fedus et al. 2021, eq. 4, without α): f_e the fraction of the
 * tokens' top_k slots routed to expert e (a constant, from the mask), P_e the mean router
 * probability of e. It is 1 when routing is uniform, its minimum, and E when one expert takes
 * every token.
 */
export function expertsFeedForward(
  normed: tf.Tensor2D,
  router: tf.Tensor2D,
  wGate: tf.Tensor2D,
  wUp: tf.Tensor2D,
  out: tf.Tensor2D,
  topK: number
): ExpertsOutput {
  const [tokens, experts] = [normed.shape[0], router.shape[1]]
  const probabilities = tf.softmax(tf.matMul(normed, router)) as tf.Tensor2D
  const chosen = routingMask(probabilities, topK)
  const picked = tf.mul(probabilities, chosen)
  const gates = topK === 1 ? picked : tf.div(picked, tf.sum(picked, -1, true))
  // Every expert's hidden layer at once: [tokens, experts · ffn], expert e in the e-th block of columns.
  const hidden = swiGluHidden(normed, wGate, wUp)
  const ffn = hidden.shape[1] / experts
  const gated = tf.reshape(tf.mul(tf.reshape(hidden, [tokens, experts, ffn]), tf.reshape(gates, [tokens, experts, 1])), [tokens, experts * ffn])
  const slotFractions = tf.div(tf.mean(chosen, 0), topK)
  const balance = tf.mul(tf.sum(tf.mul(slotFractions, tf.mean(probabilities, 0))), experts)
  return { out: tf.matMul(gated, out), balance: balance as tf.Scalar }
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

/** A layer's feed-forward output, and its load-balancing term when it is a mixture of experts. */
function feedForwardBlock(
  x: tf.Tensor2D,
  weights: Weights,
  layer: number,
  constants: ModelConstants
): { readonly out: tf.Tensor2D; readonly balance?: tf.Scalar } {
  const w = <T extends tf.Tensor>(name: string) => weight<T>(weights, `layers.${layer}.${name}`, constants)
  const normed = rmsNorm(x, w("ffn_norm"))
  const { moe } = constants.shape
  return moe === undefined
    ? { out: swiGlu(normed, w("w_gate"), w("w_up"), w("ffn_out")) }
    : expertsFeedForward(normed, w<tf.Tensor2D>("router"), w("w_gate"), w("w_up"), w("ffn_out"), moe.top_k)
}

/**
 * Logits [tokens, vocab] and, for a mixture of experts, the load-balancing loss
 * α·E·Σ_e f_e·P_e averaged over the layers (so that α is the balanced minimum at any depth).
 */
function forward(
  weights: Weights,
  inputs: tf.Tensor2D,
  mask: AttentionMask,
  constants: ModelConstants
): { readonly logits: tf.Tensor2D; readonly auxLoss?: tf.Scalar } {
  const batch = inputs.shape[0]
  const embedding = weight<tf.Tensor2D>(weights, "embedding", constants)
  let x = embed(tf.reshape(inputs, [-1]), embedding, constants)
  let balance: tf.Scalar | undefined
  for (let layer = 0; layer < constants.shape.layers; layer++) {
    x = tf.add(x, attentionBlock(x, weights, layer, mask, batch, constants))
    const feedForward = feedForwardBlock(x, weights, layer, constants)
    x = tf.add(x, feedForward.out)
    if (feedForward.balance !== undefined) balance = balance === undefined ? feedForward.balance : tf.add<tf.Scalar>(balance, feedForward.balance)
  }
  const normed = rmsNorm(x, weight(weights, "final_norm", constants))
  const out: tf.Tensor2D = constants.shape.tied_embeddings
    ? tf.matMul(normed, transposeLast(embedding))
    : tf.matMul(normed, weight<tf.Tensor2D>(weights, "head", constants))
  const { moe, layers } = constants.shape
  return moe === undefined || balance === undefined
    ? { logits: out }
    : { logits: out, auxLoss: tf.mul<tf.Scalar>(balance, moe.aux_loss_weight / layers) }
}

/**
 * Logits [batch · context, vocab] for token ids [batch, context], attending where `mask` allows:
 * `constants.causalMask`, or `attentionMask` of the batch.
 */
export function logits(weights: Weights, inputs: tf.Tensor2D, mask: AttentionMask, constants: ModelConstants): tf.Tensor2D {
  return forward(weights, inputs, mask, constants).logits
}

/**
 * The batch's attention mask: per sequence from its document ids with document masking, else the
 * shared causal mask. A new mask belongs to the caller (built inside tf.tidy, it goes with the scope).
 */
export function attentionMask(batch: TokenBatch, constants: ModelConstants): AttentionMask {
  return constants.documentMasking ? documentMask(batch.documents, batch.sequences, batch.context) : constants.causalMask
}

/**
 * What training minimises on a batch: `loss`, the mean next-token cross-entropy (nats/token), and
 * `objective`, the loss plus a mixture of experts' load-balancing loss (the loss itself for a
 * dense model). Only the objective is differentiated; the loss is what is logged.
 */
export function trainingObjective(
  weights: Weights,
  batch: TokenBatch,
  constants: ModelConstants
): { readonly loss: tf.Scalar; readonly objective: tf.Scalar } {
  const shape: [number, number] = [batch.sequences, batch.context]
  const inputs = tf.tensor2d(batch.inputs, shape, "int32")
  const targets = tf.oneHot(tf.tensor1d(batch.targets, "int32"), constants.shape.vocab) as tf.Tensor2D
  const { logits, auxLoss } = forward(weights, inputs, attentionMask(batch, constants), constants)
  const loss = crossEntropy(logits, targets)
  return { loss, objective: auxLoss === undefined ? loss : tf.add<tf.Scalar>(loss, auxLoss) }
}

/**
 * Mean next-token cross-entropy (nats/token) of the model on a batch, without a mixture of
 * experts' load-balancing loss: what validation and logged losses report. Call it inside
 * tf.tidy or a gradient.
 */
export function batchLoss(weights: Weights, batch: TokenBatch, constants: ModelConstants): tf.Scalar {
  return trainingObjective(weights, batch, constants).loss
}
