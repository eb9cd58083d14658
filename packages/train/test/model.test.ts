import { countParams } from "@scalelab/laws"
import * as tf from "@tensorflow/tfjs-core"
import { beforeAll, describe, expect, it } from "vitest"
import { selectBackend } from "../src/backend.ts"
import { batchLoss, disposeConstants, modelConstants } from "../src/model.ts"
import { disposeAdamWState, initialAdamWState } from "../src/optimizer.ts"
import { initialParameters, parameterLayout, weightDecayMask } from "../src/parameters.ts"
import { prepareTrainingData, trainingBatch } from "../src/trainingData.ts"
import { trainingStep } from "../src/trainRun.ts"
import { encodeBytes } from "../src/tokenizer.ts"
import { tinyShape, tinySpec } from "./tinySpec.ts"

beforeAll(async () => {
  await selectBackend("wasm")
})

describe("parameters", () => {
  it.each([
    tinyShape(),
    tinyShape({ layers: 3, d_model: 64, heads: 4, kv_heads: 2, ffn: 176, tied_embeddings: false }),
    tinyShape({ layers: 2, d_model: 96, heads: 6, kv_heads: 6, ffn: 256 })
  ])("counts exactly what laws.countParams counts (%#)", (shape) => {
    expect(parameterLayout(shape).total).toBe(countParams(shape).total)
  })

  it("initialises reproducibly from the seed, gains at 1 and weights at std 0.02", () => {
    const layout = parameterLayout(tinyShape())
    const a = initialParameters(layout, 3)
    expect(Array.from(a.subarray(0, 50))).toEqual(Array.from(initialParameters(layout, 3).subarray(0, 50)))
    expect(Array.from(a.subarray(0, 50))).not.toEqual(Array.from(initialParameters(layout, 4).subarray(0, 50)))
    const embedding = layout.slices[0]!
    const values = a.subarray(embedding.offset, embedding.offset + embedding.size)
    const std = Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length)
    expect(std).toBeGreaterThan(0.019)
    expect(std).toBeLessThan(0.021)
    const mask = weightDecayMask(layout)
    for (const slice of layout.slices.filter((s) => s.name.endsWith("norm"))) {
      expect(a[slice.offset]).toBe(1)
      expect(mask[slice.offset]).toBe(0)
    }
  })
})

describe("model", () => {
  it("starts at a loss of about ln(256)", () => {
    const spec = tinySpec()
    const layout = parameterLayout(spec.shape)
    const constants = modelConstants(spec.shape, layout, "gather")
    const parameters = tf.tensor1d(initialParameters(layout, 1))
    const batch = trainingBatch(prepareTrainingData(spec), 1, 0, 8, spec.shape.context)
    const loss = tf.tidy(() => batchLoss(parameters, batch, constants))
    expect(Math.abs((loss.dataSync()[0] as number) / Math.log(256) - 1)).toBeLessThan(0.02)
    tf.dispose([loss, parameters])
    disposeConstants(constants)
  })

  it("gives the same loss and gradient with gather or one-hot embedding", () => {
    const spec = tinySpec()
    const layout = parameterLayout(spec.shape)
    const parameters = tf.tensor1d(initialParameters(layout, 2))
    const batch = trainingBatch(prepareTrainingData(spec), 1, 0, 2, spec.shape.context)
    const [gather, oneHot] = (["gather", "one-hot"] as const).map((lookup) => {
      const constants = modelConstants(spec.shape, layout, lookup)
      const { value, grad } = tf.valueAndGrad((p: tf.Tensor1D) => batchLoss(p, batch, constants))(parameters)
      const result = { loss: value.dataSync()[0] as number, grad: grad.dataSync() as Float32Array }
      tf.dispose([value, grad])
      disposeConstants(constants)
      return result
    })
    expect(gather!.loss).toBeCloseTo(oneHot!.loss, 5)
    let maxDifference = 0
    for (let i = 0; i < gather!.grad.length; i++) maxDifference = Math.max(maxDifference, Math.abs(gather!.grad[i]! - oneHot!.grad[i]!))
    expect(maxDifference).toBeLessThan(1e-6)
    parameters.dispose()
  })

  it("overfits a tiny text far below ln(256), without leaking tensors", () => {
    const spec = tinySpec({ training: { ...tinySpec().training, lr: 1e-2, warmup: 0 } })
    const layout = parameterLayout(spec.shape)
    const constants = modelConstants(spec.shape, layout, "gather")
    const mask = tf.tensor1d(weightDecayMask(layout))
    const text = encodeBytes("the whale, the whale! ".repeat(4))
    const context = spec.shape.context
    const inputs = new Int32Array(4 * context)
    const targets = new Int32Array(4 * context)
    for (let s = 0; s < 4; s++) {
      inputs.set(text.subarray(s, s + context), s * context)
      targets.set(text.subarray(s + 1, s + context + 1), s * context)
    }
    const batch = { sequences: 4, context, inputs, targets }
    let state = initialAdamWState(tf.tensor1d(initialParameters(layout, 5)))
    const run = (steps: number) => {
      let last = Number.NaN
      for (let i = 0; i < steps; i++) {
        const previous = state
        const result = trainingStep(state, batch, 1e-2, mask, constants, spec)
        state = result.state
        disposeAdamWState(previous)
        last = result.loss.dataSync()[0] as number
        tf.dispose([result.loss, result.gradNorm])
      }
      return last
    }
    run(20)
    const tensorsAfter20 = tf.memory().numTensors
    const loss = run(40)
    expect(tf.memory().numTensors).toBe(tensorsAfter20)
    expect(loss).toBeLessThan(1)
    disposeAdamWState(state)
    mask.dispose()
    disposeConstants(constants)
  })
})
