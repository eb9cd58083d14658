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
 * Additive causal mask of shape [group · context, context]: query row r sits at position
 * r mod context and may attend to positions up to its own. The group's queries are stacked as
 * rows so that one batched matMul per key/value head serves the whole group, without repeating K, V.
 */
export function causalMask(group: number, context: number): tf.Tensor2D {
  const values = new Float32Array(group * context * context)
  for (let r = 0; r < group * context; r++) {
    const position = r % context
    for (let s = position + 1; s < context; s++) values[r * context + s] = -1e9
  }
  return tf.tensor2d(values, [group * context, context])
}

/**
 * q: [batch, context, heads, headDim], already rotated and scaled by 1/sqrt(headDim);
 * k, v: [batch, context, kvHeads, headDim]. Returns [batch · context, heads · headDim].
 */
export function causalAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  mask: tf.Tensor2D,
  dims: AttentionDims
): tf.Tensor2D {
  const { batch, context, heads, kvHeads, headDim } = dims
  const group = heads / kvHeads
  const groupedQ = tf.reshape(
    tf.transpose(tf.reshape(q, [batch, context, kvHeads, group, headDim]), [0, 2, 3, 1, 4]),
    [batch * kvHeads, group * context, headDim]
  )
  const byHead = (x: tf.Tensor4D, perm: Array<number>, shape: [number, number, number]) =>
    tf.reshape(tf.transpose(x, perm), shape)
  // Keys go straight to [.., headDim, context]: matMul is slow on wasm when asked to transpose.
  // These batched products run on the wasm backend's generic loop (~1 GFLOP/s, against ~20 for
  // 2-D products on XNNPACK); unrolling them into 2-D products was slower still, because slicing
  // the batch apart costs ~0.5 ms per slice there (measured with bench/profile-step.ts).
  const keysT = byHead(k, [0, 2, 3, 1], [batch * kvHeads, headDim, context])
  const scores = tf.add(tf.matMul(groupedQ, keysT), mask)
  const mixed = tf.matMul(tf.softmax(scores), byHead(v, [0, 2, 1, 3], [batch * kvHeads, context, headDim]))
  return tf.reshape(
    tf.transpose(tf.reshape(mixed, [batch, kvHeads, group, context, headDim]), [0, 3, 1, 2, 4]),
    [batch * context, heads * headDim]
  )
}
