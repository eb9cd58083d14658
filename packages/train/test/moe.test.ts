// The mixture-of-experts family, tested as the dense model is (model.test.ts): its parameter count
// against the accounting, its untrained loss, its gradient against finite differences, and a
// short real run; and its routing: a fresh router spreads tokens evenly, and the load-balancing
// loss sits at its minimum α then and has the gradient of finite differences.
import { countParams } from "@scalelab/laws"
import type { MetricLine, ModelShape, RunSpec } from "@scalelab/spec"
import * as tf from "@tensorflow/tfjs-core"
import { beforeAll, describe, expect, it } from "vitest"
import { selectBackend } from "../src/backend/backend.ts"
import { prepareTrainingData, trainingBatch } from "../src/data/trainingData.ts"
import { disposeConstants, expertsFeedForward, modelConstants, routingMask, trainingObjective } from "../src/model/model.ts"
import { initialParameters, parameterLayout, weightTensors } from "../src/model/parameters.ts"
import { normalSamples, uniformSource } from "../src/prng.ts"
import { disposeAdamWState, initialAdamWState } from "../src/optim/optimizer.ts"
import { trainingStep, trainRun } from "../src/run/trainRun.ts"
import { checkGradientsByFiniteDifferences } from "./gradientCheck.ts"
import { tinyShape, tinySpec } from "./tinySpec.ts"

beforeAll(async () => {
  await selectBackend("wasm")
})

const moeShape = (overrides: Partial<ModelShape> = {}, routing: Partial<NonNullable<ModelShape["moe"]>> = {}): ModelShape =>
  tinyShape({ ...overrides, moe: { experts: 4, top_k: 2, aux_loss_weight: 0.01, ...routing } })

const sliceOf = (shape: ModelShape, name: string) => {
  const slice = parameterLayout(shape).slices.find((s) => s.name === name)
  if (slice === undefined) throw new Error(`no slice ${name}`)
  return slice
}

describe("mixture-of-experts parameters", () => {
  it.each([
    moeShape(),
    moeShape({ layers: 2, tied_embeddings: false }, { experts: 8, top_k: 1 }),
    moeShape({ layers: 3, d_model: 64, heads: 4, kv_heads: 2, ffn: 176 }, { experts: 2, top_k: 2 })
  ])("counts exactly what laws.countParams counts in total (%#)", (shape) => {
    expect(parameterLayout(shape).total).toBe(countParams(shape).total)
  })

  it("lays out a router [d_model, experts] per layer and the experts side by side in the feed-forward matrices", () => {
    const shape = moeShape()
    expect(sliceOf(shape, "layers.0.router").shape).toEqual([32, 4])
    expect(sliceOf(shape, "layers.0.w_gate").shape).toEqual([32, 4 * 88])
    expect(sliceOf(shape, "layers.0.ffn_out").shape).toEqual([4 * 88, 32])
    expect(parameterLayout(tinyShape()).slices.some((s) => s.name.endsWith("router"))).toBe(false)
  })
})

describe("mixture-of-experts model", () => {
  it.each([1, 2])("starts at a loss of about ln(256) (top_k %i), with the load-balancing loss at its minimum α", (topK) => {
    const spec = tinySpec({ shape: moeShape({}, { top_k: topK }) })
    const layout = parameterLayout(spec.shape)
    const constants = modelConstants(spec.shape, layout, "gather")
    const weights = weightTensors(initialParameters(layout, 1), layout)
    const batch = trainingBatch(prepareTrainingData(spec), 1, 0, 8, spec.shape.context)
    const [loss, objective] = tf.tidy(() => {
      const terms = trainingObjective(weights, batch, constants)
      return [terms.loss.dataSync()[0] as number, terms.objective.dataSync()[0] as number]
    })
    expect(Math.abs(loss! / Math.log(256) - 1)).toBeLessThan(0.02)
    // The auxiliary loss is α·E·Σ f·P ≥ α, equal to α when routing is balanced.
    expect((objective! - loss!) / 0.01).toBeGreaterThanOrEqual(1 - 1e-4)
    expect((objective! - loss!) / 0.01).toBeLessThan(1.05)
    tf.dispose(weights)
    disposeConstants(constants)
  })

  it.each([1, 2])(
    "has the gradient of finite differences, router included (top_k %i; central differences along a random direction)",
    (topK) => {
      // A large α so that the load-balancing term's share of the router's gradient is checked too.
      const shape = moeShape({ layers: 2, d_model: 16, heads: 2, kv_heads: 1, head_dim: 8, ffn: 40, context: 8, tied_embeddings: false }, {
        top_k: topK,
        aux_loss_weight: 0.5
      })
      const checked = checkGradientsByFiniteDifferences(shape, (w, batch, constants) => trainingObjective(w, batch, constants).objective)
      expect(checked).toContain("layers.1.router")
    }
  )
})

describe("routing", () => {
  /** A fresh layer-0 router and feed-forward, and `tokens` inputs drawn uniformly from [-1, 1)^d_model. */
  const freshRouting = (shape: ModelShape, tokens: number) => {
    const flat = initialParameters(parameterLayout(shape), 5)
    const w = (name: string) => {
      const slice = sliceOf(shape, `layers.0.${name}`)
      return tf.tensor2d(flat.subarray(slice.offset, slice.offset + slice.size), [slice.shape[0]!, slice.shape[1]!])
    }
    const uniform = uniformSource(9)
    const inputs = tf.tensor2d(Float32Array.from({ length: tokens * shape.d_model }, () => 2 * uniform() - 1), [tokens, shape.d_model])
    return { inputs, router: w("router"), w }
  }

  it.each<[number, number]>([[8, 1], [8, 2], [4, 1]])("a fresh router spreads uniform random input about evenly over %i experts (top_k %i)", (experts, topK) => {
    const shape = moeShape({ d_model: 64, heads: 4, kv_heads: 2, ffn: 176 }, { experts, top_k: topK })
    const { inputs, router } = freshRouting(shape, 8192)
    const fractions = tf.tidy(() =>
      tf.div(tf.mean(routingMask(tf.softmax(tf.matMul(inputs, router)) as tf.Tensor2D, topK), 0), topK).arraySync() as Array<number>
    )
    // Each expert takes about a 1/E share of the token slots: a fresh router prefers an expert only
    // as much as its random column is longer than the others (measured: within ±37% of the share
    // at this width), never so much that an expert starves or takes a double share.
    for (const fraction of fractions) expect(Math.abs(fraction * experts - 1), fractions.join(", ")).toBeLessThan(0.5)
    expect(fractions.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
    tf.dispose([inputs, router])
  })

  it("measures imbalance: the load-balancing term is about 1 from a fresh router, towards E when one expert takes every token", () => {
    const shape = moeShape({ d_model: 64, heads: 4, kv_heads: 2, ffn: 176 }, { experts: 4, top_k: 1 })
    const { inputs, router, w } = freshRouting(shape, 4096)
    const [gate, up, out] = [w("w_gate"), w("w_up"), w("ffn_out")]
    const balanceWith = (x: tf.Tensor2D, routerWeights: tf.Tensor2D) =>
      tf.tidy(() => expertsFeedForward(x, routerWeights, gate, up, out, 1).balance.dataSync()[0] as number)
    // A fresh router's probabilities are near uniform, so E·Σ f·P ≈ Σ f = 1 (α·1: the aux loss's minimum).
    expect(balanceWith(inputs, router)).toBeCloseTo(1, 2)
    // Positive inputs and a router whose expert 0 column is large and positive: expert 0 takes every token.
    const positive = tf.tidy(() => tf.add(inputs, 1)) as tf.Tensor2D
    const skewed = tf.tidy(() => tf.concat([tf.fill([shape.d_model, 1], 1), tf.zeros([shape.d_model, 3])], 1)) as tf.Tensor2D
    expect(balanceWith(positive, skewed)).toBeGreaterThan(3.99)
    tf.dispose([inputs, router, positive, skewed, gate, up, out])
  })

  it.each([1, 2])("the load-balancing term has the router gradient of finite differences (top_k %i)", (topK) => {
    const shape = moeShape({}, { experts: 4, top_k: topK })
    const { inputs, router: fresh, w } = freshRouting(shape, 16)
    // A router far from uniform, so that P_e moves noticeably with it and each token's choice
    // stands clear of ties: the steps below must not change any choice (checked), since f_e is a
    // step function of the router, constant in the gradient.
    const uniform = uniformSource(3)
    const router = tf.tensor2d(normalSamples(shape.d_model * 4, 1, uniform), [shape.d_model, 4])
    const [gate, up, out] = [w("w_gate"), w("w_up"), w("ffn_out")]
    const balanceOf = (r: tf.Tensor2D) => expertsFeedForward(inputs, r, gate, up, out, topK).balance
    const choicesOf = (r: tf.Tensor2D) => tf.tidy(() => Array.from(routingMask(tf.softmax(tf.matMul(inputs, r)) as tf.Tensor2D, topK).dataSync()))
    const gradient = tf.grad((r: tf.Tensor) => balanceOf(r as tf.Tensor2D))(router)
    const epsilon = 1e-4
    for (let trial = 0; trial < 3; trial++) {
      const direction = tf.tensor2d(normalSamples(shape.d_model * 4, 1, uniform), [shape.d_model, 4])
      const step = (sign: number) => tf.add(router, tf.mul(direction, sign * epsilon)) as tf.Tensor2D
      const [plus, minus] = [step(1), step(-1)]
      expect(choicesOf(plus)).toEqual(choicesOf(router))
      expect(choicesOf(minus)).toEqual(choicesOf(router))
      const at = (r: tf.Tensor2D) => tf.tidy(() => balanceOf(r).dataSync()[0] as number)
      const numeric = (at(plus) - at(minus)) / (2 * epsilon)
      const analytic = tf.tidy(() => tf.sum(tf.mul(gradient, direction)).dataSync()[0] as number)
      expect(Math.abs(analytic), "the term moves with the router").toBeGreaterThan(1e-3)
      expect(Math.abs(numeric - analytic), `numeric ${numeric}, analytic ${analytic}`).toBeLessThan(1e-3 + 2e-2 * Math.abs(analytic))
      tf.dispose([direction, plus, minus])
    }
    tf.dispose([inputs, fresh, router, gradient, gate, up, out])
  })
})

describe("a mixture-of-experts run", () => {
  it("takes training steps without leaking tensors, in micro-batches too", () => {
    const spec = tinySpec({ shape: moeShape() })
    const layout = parameterLayout(spec.shape)
    const constants = modelConstants(spec.shape, layout, "gather")
    const batch = trainingBatch(prepareTrainingData(spec), 1, 0, 4, spec.shape.context)
    let state = initialAdamWState(weightTensors(initialParameters(layout, 2), layout))
    const step = () => {
      const previous = state
      // Micro-batches of two sequences: the load-balancing loss is accumulated as the cross-entropy is.
      const result = trainingStep(state, batch, 1e-2, constants, spec, 2 * spec.shape.context)
      state = result.state
      disposeAdamWState(previous)
      tf.dispose([result.loss, result.gradNorm])
    }
    step()
    const tensors = tf.memory().numTensors
    for (let i = 0; i < 3; i++) step()
    expect(tf.memory().numTensors).toBe(tensors)
    disposeAdamWState(state)
    disposeConstants(constants)
  })

  it("trains through the normal run path: the logged cross-entropy falls and the result counts active parameters", async () => {
    const shape = moeShape({}, { experts: 4, top_k: 1 })
    const counts = countParams(shape)
    const spec: RunSpec = tinySpec({
      shape,
      params: counts.active,
      params_total: counts.total,
      tokens: 40 * 256,
      training: { ...tinySpec().training, batch_tokens: 256, lr: 1e-2 }
    })
    const lines: Array<MetricLine> = []
    const outcome = await trainRun(spec, { onMetric: (line) => lines.push(line) })
    if (outcome.kind !== "finished") throw new Error(`expected a finished run, got ${outcome.kind}`)
    const losses = lines.flatMap((line) => (line.loss === undefined ? [] : [line.loss]))
    expect(losses.length).toBeGreaterThan(10)
    expect(losses[0]!).toBeGreaterThan(0.95 * Math.log(256))
    expect(outcome.result.status).toBe("completed")
    expect(outcome.result.val_loss).toBeLessThan(losses[0]! - 1)
    expect(outcome.result.params).toBe(counts.active)
  }, 120_000)
})
