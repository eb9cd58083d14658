// Causal self-attention with grouped-query attention (Ainslie et al. 2023): `heads` query heads
// share `kv_heads` key/value heads, `group = heads / kv_heads` queries per key/value head.
import * as tf from "@tensorflow/tfjs-core"

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
