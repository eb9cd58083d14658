import { countParams } from "@scalelab/laws"
import * as tf from "@tensorflow/tfjs-core"
import { beforeAll, describe, expect, it } from "vitest"
import { selectBackend } from "../src/backend/backend.ts"
import { batchLoss, disposeConstants, modelConstants } from "../src/model/model.ts"
import { disposeAdamWState, initialAdamWState } from "../src/optim/optimizer.ts"
import { decays, flattenWeights, initialParameters, parameterLayout, weightTensors } from "../src/model/parameters.ts"
import { prepareTrainingData, trainingBatch } from "../src/data/trainingData.ts"
import { batchGradients, trainingStep } from "../src/run/trainRun.ts"
import { encodeBytes } from "../src/tokenizer/tokenizer.ts"
import { checkGradientsByFiniteDifferences } from "./gradientCheck.ts"
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
    for (const slice of layout.slices) {
      const isGain = slice.name.endsWith("norm")
      if (isGain) expect(a[slice.offset]).toBe(1)
      expect(decays(slice)).toBe(!isGain)
    }
  })
})

describe("model", () => {
  it("starts at a loss of about ln(256)", () => {
    const spec = tinySpec()
    const layout = parameterLayout(spec.shape)
    const constants = modelConstants(spec.shape, layout, "gather")
    const weights = weightTensors(initialParameters(layout, 1), layout)
    const batch = trainingBatch(prepareTrainingData(spec), 1, 0, 8, spec.shape.context)
    const loss = tf.tidy(() => batchLoss(weights, batch, constants))
    expect(Math.abs((loss.dataSync()[0] as number) / Math.log(256) - 1)).toBeLessThan(0.02)
    tf.dispose([loss, ...weights])
    disposeConstants(constants)
  })

  it("gives the same loss and gradient with gather or one-hot embedding", async () => {
    const spec = tinySpec()
    const layout = parameterLayout(spec.shape)
    const weights = weightTensors(initialParameters(layout, 2), layout)
    const batch = trainingBatch(prepareTrainingData(spec), 1, 0, 2, spec.shape.context)
    const [gather, oneHot] = await Promise.all((["gather", "one-hot"] as const).map(async (lookup) => {
      const constants = modelConstants(spec.shape, layout, lookup)
      const { value, grads } = tf.valueAndGrads((...w: Array<tf.Tensor>) => batchLoss(w, batch, constants))(weights)
      const result = { loss: value.dataSync()[0] as number, grad: await flattenWeights(grads, layout) }
      tf.dispose([value, ...grads])
      disposeConstants(constants)
      return result
    }))
    expect(gather!.loss).toBeCloseTo(oneHot!.loss, 5)
    let maxDifference = 0
    for (let i = 0; i < gather!.grad.length; i++) maxDifference = Math.max(maxDifference, Math.abs(gather!.grad[i]! - oneHot!.grad[i]!))
    expect(maxDifference).toBeLessThan(1e-6)
    tf.dispose(weights)
  })

  it("overfits a tiny text far below ln(256), without leaking tensors", () => {
    const spec = tinySpec({ training: { ...tinySpec().training, lr: 1e-2, warmup: 0 } })
    const layout = parameterLayout(spec.shape)
    const constants = modelConstants(spec.shape, layout, "gather")
    const text = encodeBytes("the whale, the whale! ".repeat(4))
    const context = spec.shape.context
    const inputs = new Int32Array(4 * context)
    const targets = new Int32Array(4 * context)
    for (let s = 0; s < 4; s++) {
      inputs.set(text.subarray(s, s + context), s * context)
      targets.set(text.subarray(s + 1, s + context + 1), s * context)
    }
    const batch = { sequences: 4, context, inputs, targets, documents: new Int32Array(4 * context) }
    let state = initialAdamWState(weightTensors(initialParameters(layout, 5), layout))
    const run = (steps: number) => {
      let last = Number.NaN
      for (let i = 0; i < steps; i++) {
        const previous = state
        const result = trainingStep(state, batch, 1e-2, constants, spec)
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
    disposeConstants(constants)
  })

  it("has the gradient of finite differences, tensor by tensor (central differences along a random direction)", () => {
    const shape = tinyShape({ layers: 2, d_model: 16, heads: 2, kv_heads: 1, head_dim: 8, ffn: 40, context: 8, tied_embeddings: false })
    expect(checkGradientsByFiniteDifferences(shape, batchLoss)).toHaveLength(parameterLayout(shape).slices.length)
  })

  it("accumulates micro-batch gradients to the gradient of the whole batch", async () => {
    const spec = tinySpec()
    const layout = parameterLayout(spec.shape)
    const constants = modelConstants(spec.shape, layout, "gather")
    const weights = weightTensors(initialParameters(layout, 4), layout)
    const batch = trainingBatch(prepareTrainingData(spec), 1, 0, 5, spec.shape.context)
    const read = async ({ loss, grads }: { loss: tf.Scalar; grads: Array<tf.Tensor> }) => {
      const values = { loss: loss.dataSync()[0] as number, grads: await flattenWeights(grads, layout) }
      tf.dispose([loss, ...grads])
      return values
    }
    const before = tf.memory().numTensors
    const whole = await read(batchGradients(weights, batch, constants, 5))
    const micro = await read(batchGradients(weights, batch, constants, 2)) // micro-batches of 2, 2 and 1
    expect(tf.memory().numTensors).toBe(before)
    expect(micro.loss).toBeCloseTo(whole.loss, 5)
    let worst = 0
    whole.grads.forEach((g, i) => (worst = Math.max(worst, Math.abs(g - micro.grads[i]!))))
    const largest = whole.grads.reduce((m, g) => Math.max(m, Math.abs(g)), 0)
    expect(worst).toBeLessThan(1e-5 * largest + 1e-7)
    tf.dispose(weights)
    disposeConstants(constants)
  })
})

