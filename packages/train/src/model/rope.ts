// Rotary position embeddings (Su et al. 2021, "RoFormer"), in the half-split layout Llama uses:
// channel i is paired with channel i + head_dim/2 and the pair is rotated by pos · θ_i,
// θ_i = 10000^(-2i/head_dim).
import * as tf from "@tensorflow/tfjs-core"

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
