// The gradient of matMul, asking matMul to transpose its operands (transposeA/transposeB) rather
// than transposing them as separate ops. On wasm the SIMD kernel (wasmBatchMatMul.ts) reads a
// transposed operand as fast as a plain one, so each explicit transpose would be a copy for nothing
// (bench/batch-matmul.ts: dW = xᵀ·dY ran at ~29 GFLOP/s by flag, ~19 as a transpose then a product).
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
    const grad = dy as tf.Tensor
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs
    if (a.rank !== b.rank) throw new Error("matMul gradient: operands must have the same rank (no broadcasting)")
    // C = op(A)·op(B), dC = dy: dop(A) = dy·op(B)ᵀ and dop(B) = op(A)ᵀ·dy, each written so that the
    // result has its operand's stored layout.
    if (!transposeA && !transposeB) {
      return { a: () => tf.matMul(grad, b, false, true), b: () => tf.matMul(a, grad, true, false) }
    }
    if (!transposeA && transposeB) {
      return { a: () => tf.matMul(grad, b), b: () => tf.matMul(grad, a, true, false) }
    }
    if (transposeA && !transposeB) {
      return { a: () => tf.matMul(b, grad, false, true), b: () => tf.matMul(a, grad) }
    }
    return { a: () => tf.matMul(b, grad, true, true), b: () => tf.matMul(grad, a, true, true) }
  }
}
