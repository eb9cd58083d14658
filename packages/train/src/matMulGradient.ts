// The gradient of matMul with every transpose done as its own op. tfjs-core's own gradient asks
// matMul to transpose an operand (transposeA/transposeB), and the wasm backend's matMul runs
// 10–20× slower that way than on an explicitly transposed copy (bench/profile-step.ts: a
// [4096,336]·[64,336]ᵀ product took 160 ms, the untransposed [4096,64]·[64,336] 8 ms). The model's
// forward pass likewise transposes explicitly (see `transposeLast`).
import * as tf from "@tensorflow/tfjs-core"

/** Swaps the last two axes (the matrix transpose of each matrix in a batch). */
export function transposeLast<T extends tf.Tensor>(x: T): T {
  const rank = x.rank
  const perm = Array.from({ length: rank }, (_, i) => i)
  perm[rank - 2] = rank - 1
  perm[rank - 1] = rank - 2
  return tf.transpose(x, perm)
}

export const matMulGradient: tf.GradConfig = {
  kernelName: tf.BatchMatMul,
  inputsToSave: ["a", "b"],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor]
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs
    if (a.rank !== b.rank) throw new Error("matMul gradient: operands must have the same rank (no broadcasting)")
    const dyT = () => transposeLast(dy as tf.Tensor)
    const grad = dy as tf.Tensor
    if (!transposeA && !transposeB) {
      return { a: () => tf.matMul(grad, transposeLast(b)), b: () => tf.matMul(transposeLast(a), grad) }
    }
    if (!transposeA && transposeB) {
      return { a: () => tf.matMul(grad, b), b: () => tf.matMul(dyT(), a) }
    }
    if (transposeA && !transposeB) {
      return { a: () => tf.matMul(b, dyT()), b: () => tf.matMul(a, grad) }
    }
    return { a: () => tf.matMul(transposeLast(b), dyT()), b: () => tf.matMul(dyT(), transposeLast(a)) }
  }
}
