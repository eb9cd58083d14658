// The model's building blocks as functions of tensors.
import * as tf from "@tensorflow/tfjs-core"

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
