// The wasm backend's SIMD BatchMatMul (src/kernels/wasmBatchMatMul.ts) against the cpu backend's kernel
// (a plain loop, independent of ours), then through gradients and a whole training step.
import "@tensorflow/tfjs-backend-cpu"
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm"
import * as tf from "@tensorflow/tfjs-core"
import { beforeAll, describe, expect, it } from "vitest"
import { selectBackend } from "../src/backend/backend.ts"
import { transposeLast } from "../src/kernels/matMulGradient.ts"
import { batchLoss, disposeConstants, modelConstants } from "../src/model/model.ts"
import { disposeAdamWState, initialAdamWState } from "../src/optim/optimizer.ts"
import { flattenWeights, initialParameters, parameterLayout, weightTensors } from "../src/model/parameters.ts"
import { normalSamples, uniformSource } from "../src/prng.ts"
import { trainingBatch, prepareTrainingData } from "../src/data/trainingData.ts"
import { trainingStep } from "../src/run/trainRun.ts"
import { broadcastBatchIndices, registerWasmBatchMatMul, unregisterWasmBatchMatMul } from "../src/kernels/wasmBatchMatMul.ts"
import { parseTileName } from "../src/kernels/wasmMatMulText.ts"
import { tinyShape, tinySpec } from "./tinySpec.ts"

beforeAll(async () => {
  await selectBackend("wasm")
})

interface Operands {
  readonly a: Float32Array
  readonly aShape: Array<number>
  readonly b: Float32Array
  readonly bShape: Array<number>
}

let seed = 1
function operands(aShape: Array<number>, bShape: Array<number>): Operands {
  const uniform = uniformSource(seed++)
  const sample = (shape: Array<number>) => normalSamples(tf.util.sizeFromShape(shape), 1, uniform)
  return { a: sample(aShape), aShape, b: sample(bShape), bShape }
}

type Result = { values: Float32Array; shape: Array<number> }

/** Runs `compute` on a backend, returning its result's values and shape. */
async function on(backend: "wasm" | "cpu", compute: () => tf.Tensor): Promise<Result> {
  await tf.setBackend(backend)
  const result = tf.tidy(compute)
  const values = (await result.data()) as Float32Array
  result.dispose()
  return { values, shape: result.shape }
}

const product = ({ a, aShape, b, bShape }: Operands, transposeA: boolean, transposeB: boolean) => () =>
  tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), transposeA, transposeB)

/** Worst |actual − expected| relative to the largest |expected| (float32 sums in another order differ by rounding). */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length)
  let worst = 0
  let largest = 0
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)))
    largest = Math.max(largest, Math.abs(expected[i] as number))
  }
  return worst / Math.max(largest, 1e-30)
}

type Dims = [m: number, n: number, k: number]

/** Shapes of A and B for C[batch…, m, n] = op(A)·op(B), op transposing where flagged. */
function shapes(dims: Dims, batchA: Array<number>, batchB: Array<number>, flags: readonly [boolean, boolean]) {
  const [m, n, k] = dims
  const [transposeA, transposeB] = flags
  return {
    aShape: [...batchA, ...(transposeA ? [k, m] : [m, k])],
    bShape: [...batchB, ...(transposeB ? [n, k] : [k, n])]
  }
}

const flagCombinations = [
  [false, false],
  [false, true],
  [true, false],
  [true, true]
] as const

describe("SIMD BatchMatMul on wasm, against the cpu backend", () => {
  // m, n, k, batch of A, batch of B. With the default tile (2 rows × 16 columns, depth blocks of 256,
  // row blocks of 128) these cover: remainders of rows and columns (ragged last panels, some not
  // a whole vector), K = 1, K over one depth block (accumulating over blocks), M over a row block,
  // one row or column, batch broadcasting either way and from a rank-2 operand, attention shapes.
  const cases: Array<[number, number, number, Array<number>, Array<number>]> = [
    [5, 7, 3, [2], [2]],
    [1, 1, 1, [], []],
    [3, 17, 1, [3], [3]],
    [1, 40, 9, [], []],
    [33, 1, 9, [], []],
    [37, 20, 600, [], []],
    [9, 37, 300, [2], [2]],
    [130, 37, 70, [2], [2]],
    [6, 9, 4, [1], [4]],
    [6, 9, 4, [4], [1]],
    [6, 9, 4, [], [3]],
    [6, 9, 4, [2, 3], []],
    [64, 128, 16, [8], [8]],
    [64, 16, 128, [8], [8]]
  ]
  it.each(flagCombinations)("matches the cpu backend for transposeA=%s, transposeB=%s", async (transposeA, transposeB) => {
    for (const [m, n, k, batchA, batchB] of cases) {
      const { aShape, bShape } = shapes([m, n, k], batchA, batchB, [transposeA, transposeB])
      const inputs = operands(aShape, bShape)
      const wasm = await on("wasm", product(inputs, transposeA, transposeB))
      const cpu = await on("cpu", product(inputs, transposeA, transposeB))
      expect(wasm.shape, `${aShape}·${bShape}`).toEqual(cpu.shape)
      expect(relativeError(wasm.values, cpu.values), `${aShape}·${bShape}`).toBeLessThan(1e-5)
    }
  })

  it("computes the same with another tile and tiny blocks (many depth and row blocks per product)", async () => {
    await registerWasmBatchMatMul(parseTileName("3x8:5:7"))
    try {
      for (const [transposeA, transposeB] of flagCombinations) {
        const { aShape, bShape } = shapes([23, 21, 17], [2], [2], [transposeA, transposeB])
        const inputs = operands(aShape, bShape)
        const wasm = await on("wasm", product(inputs, transposeA, transposeB))
        const cpu = await on("cpu", product(inputs, transposeA, transposeB))
        expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-5)
      }
    } finally {
      await registerWasmBatchMatMul()
    }
    expect(() => parseTileName("2x16:256")).toThrow(/ROWSxCOLUMNS/)
  })

  it("computes the attention products of a training step (d_model 128, 16 sequences)", async () => {
    for (const [aShape, bShape, transposeA, transposeB] of [
      [[64, 256, 16], [64, 16, 128], false, false],
      [[64, 256, 128], [64, 128, 16], false, false],
      [[64, 256, 16], [64, 256, 128], true, false],
      [[64, 256, 16], [64, 128, 16], false, true]
    ] as const) {
      const inputs = operands([...aShape], [...bShape])
      const wasm = await on("wasm", product(inputs, transposeA, transposeB))
      const cpu = await on("cpu", product(inputs, transposeA, transposeB))
      expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-5)
    }
  })

  it("broadcasts batch axes against each other ([2,1] with [1,3])", async () => {
    // tfjs's own kernels pair batches by index modulo the batch size, which is wrong here, so the
    // expected answer is the cpu product of explicitly tiled operands.
    const inputs = operands([2, 1, 5, 6], [1, 3, 6, 7])
    const wasm = await on("wasm", product(inputs, false, false))
    const cpu = await on("cpu", () => {
      const a = tf.tile(tf.tensor(inputs.a, inputs.aShape), [1, 3, 1, 1])
      return tf.matMul(a, tf.tile(tf.tensor(inputs.b, inputs.bShape), [2, 1, 1, 1]))
    })
    expect(wasm.shape).toEqual([2, 3, 5, 7])
    expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-5)
    expect(Array.from(broadcastBatchIndices([2, 1], [2, 3]))).toEqual([0, 0, 0, 1, 1, 1])
    expect(Array.from(broadcastBatchIndices([3], [2, 3]))).toEqual([0, 1, 2, 0, 1, 2])
  })

  it("gives zeros for an empty sum (K = 0), whatever the output's memory held", async () => {
    await tf.setBackend("wasm")
    // Freed memory of non-zero values, likely reused for the output.
    tf.fill([4, 5], 7).dispose()
    const { values, shape } = await on("wasm", () => tf.matMul(tf.zeros([4, 0]), tf.zeros([0, 5])))
    expect(shape).toEqual([4, 5])
    expect(Array.from(values)).toEqual(new Array(20).fill(0))
  })

  it("reads its operands in place after the wasm heap has grown", async () => {
    await tf.setBackend("wasm")
    const heap = (tf.backend() as BackendWasm).wasm as unknown as { asm: { memory: { buffer: ArrayBuffer } } }
    const inputs = operands([3, 9, 11], [3, 11, 13])
    const a = tf.tensor(inputs.a, inputs.aShape)
    const b = tf.tensor(inputs.b, inputs.bShape)
    const before = heap.asm.memory.buffer.byteLength
    const filler = tf.zeros([before / 4 + 1])
    expect(heap.asm.memory.buffer.byteLength).toBeGreaterThan(before)
    const grown = tf.matMul(a, b)
    const values = (await grown.data()) as Float32Array
    tf.dispose([a, b, filler, grown])
    const cpu = await on("cpu", product(inputs, false, false))
    expect(relativeError(values, cpu.values)).toBeLessThan(1e-5)
  })

  it("leaves other dtypes to tfjs's kernel, which rejects them", async () => {
    await tf.setBackend("wasm")
    expect(() => tf.matMul(tf.ones([2, 2], "int32"), tf.ones([2, 2], "int32"))).toThrow(/non-float32/)
  })

  it("registers once, and unregistering restores tfjs's kernel", async () => {
    const registered = tf.getKernel(tf.BatchMatMul, "wasm").kernelFunc
    await registerWasmBatchMatMul()
    expect(tf.getKernel(tf.BatchMatMul, "wasm").kernelFunc).toBe(registered)
    unregisterWasmBatchMatMul()
    const original = tf.getKernel(tf.BatchMatMul, "wasm").kernelFunc
    expect(original).not.toBe(registered)
    await registerWasmBatchMatMul()
    expect(tf.getKernel(tf.BatchMatMul, "wasm").kernelFunc).not.toBe(original)
  })
})

describe("gradients through matMul with the SIMD kernel", () => {
  it.each(flagCombinations)("match explicit formulas on cpu for transposeA=%s, transposeB=%s", async (transposeA, transposeB) => {
    const { aShape, bShape } = shapes([9, 14, 6], [3], [3], [transposeA, transposeB])
    const inputs = operands(aShape, bShape)
    const weight = operands([3, 9, 14], [1])
    // With W the gradient flowing into C = op(A)·op(B): d op(A) = W·op(B)ᵀ and d op(B) = op(A)ᵀ·W.
    const gradients = (which: 0 | 1) => () => {
      const c = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, transposeA, transposeB)
      const w = tf.tensor(weight.a, weight.aShape)
      return tf.grads(c)([tf.tensor(inputs.a, aShape), tf.tensor(inputs.b, bShape)], w)[which] as tf.Tensor
    }
    const expected = (which: 0 | 1) => () => {
      const w = tf.tensor(weight.a, weight.aShape)
      const a = tf.tensor(inputs.a, aShape)
      const b = tf.tensor(inputs.b, bShape)
      const opA = transposeA ? transposeLast(a) : a
      const opB = transposeB ? transposeLast(b) : b
      if (which === 0) {
        const dOpA = tf.matMul(w, transposeLast(opB))
        return transposeA ? transposeLast(dOpA) : dOpA
      }
      const dOpB = tf.matMul(transposeLast(opA), w)
      return transposeB ? transposeLast(dOpB) : dOpB
    }
    for (const which of [0, 1] as const) {
      const wasm = await on("wasm", gradients(which))
      const cpu = await on("cpu", expected(which))
      expect(wasm.shape).toEqual(cpu.shape)
      expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-5)
    }
  })
})

describe("a training step with the SIMD kernel", () => {
  it("gives the loss, gradients and updated weights of tfjs's own kernel", async () => {
    await tf.setBackend("wasm")
    const shape = tinyShape({ layers: 2, d_model: 64, heads: 4, kv_heads: 2, ffn: 168, context: 32 })
    const spec = tinySpec({ shape })
    const layout = parameterLayout(shape)
    const constants = modelConstants(shape, layout, "gather")
    const batch = trainingBatch(prepareTrainingData(spec), 1, 0, 4, shape.context)
    const lr = 1e-2
    const run = async () => {
      const weights = weightTensors(initialParameters(layout, 2), layout)
      const { value, grads } = tf.valueAndGrads((...w: Array<tf.Tensor>) => batchLoss(w, batch, constants))(weights)
      const state = initialAdamWState(weightTensors(initialParameters(layout, 2), layout))
      const step = trainingStep(state, batch, lr, constants, spec)
      const result = {
        loss: value.dataSync()[0] as number,
        grads: await flattenWeights(grads, layout),
        stepLoss: step.loss.dataSync()[0] as number,
        gradNorm: step.gradNorm.dataSync()[0] as number,
        updated: await flattenWeights(step.state.parameters, layout)
      }
      tf.dispose([value, ...grads, ...weights, step.loss, step.gradNorm])
      disposeAdamWState(state)
      disposeAdamWState(step.state)
      return result
    }
    unregisterWasmBatchMatMul()
    const tfjs = await run()
    await registerWasmBatchMatMul()
    const simd = await run()
    expect(simd.loss).toBeCloseTo(tfjs.loss, 5)
    expect(simd.stepLoss).toBeCloseTo(tfjs.stepLoss, 5)
    expect(simd.gradNorm).toBeCloseTo(tfjs.gradNorm, 5)
    expect(relativeError(simd.grads, tfjs.grads)).toBeLessThan(1e-5)
    // AdamW's first update is lr·g/(|g| + ε), about lr·sign(g): a gradient entry near zero may move
    // its weight by a good part of lr under rounding, so the weights agree to a fraction of lr.
    let worst = 0
    simd.updated.forEach((w, i) => (worst = Math.max(worst, Math.abs(w - (tfjs.updated[i] as number)))))
    expect(worst).toBeLessThan(0.05 * lr)
    disposeConstants(constants)
  })
})
