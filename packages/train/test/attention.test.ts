import * as tf from "@tensorflow/tfjs-core"
import { beforeAll, describe, expect, it } from "vitest"
import { causalMask, documentMask } from "../src/model/model.ts"
import { selectBackend } from "../src/backend/backend.ts"
import type { TokenBatch } from "../src/data/batches.ts"
import { batchLoss, disposeConstants, logits, modelConstants } from "../src/model/model.ts"
import { initialParameters, parameterLayout, weightTensors } from "../src/model/parameters.ts"
import { uniformSource } from "../src/prng.ts"
import { tinyShape } from "./tinySpec.ts"

beforeAll(async () => {
  await selectBackend("wasm")
})

const open = 0
const shut = -1e9

describe("attention masks", () => {
  it("lets a position see earlier positions of its own document only", () => {
    const mask = documentMask(Int32Array.of(0, 0, 1, 1, 7, 7, 7, 7), 2, 4)
    expect(mask.shape).toEqual([2, 1, 4, 4])
    expect(mask.arraySync()).toEqual([
      [[
        [open, shut, shut, shut],
        [open, open, shut, shut],
        [shut, shut, open, shut],
        [shut, shut, open, open]
      ]],
      [[
        [open, shut, shut, shut],
        [open, open, shut, shut],
        [open, open, open, shut],
        [open, open, open, open]
      ]]
    ])
    mask.dispose()
  })

  it("compares ids rather than assuming documents are contiguous", () => {
    const mask = documentMask(Int32Array.of(3, 4, 3), 1, 3)
    expect(mask.arraySync()).toEqual([[[[open, shut, shut], [shut, open, shut], [open, shut, open]]]])
    mask.dispose()
  })

  it("is exactly the causal mask when a sequence is one document", () => {
    const context = 16
    const perSequence = documentMask(new Int32Array(3 * context).fill(5), 3, context)
    const causal = causalMask(context)
    const expected = causal.arraySync()
    for (const sequence of perSequence.arraySync()) expect(sequence[0]).toEqual(expected)
    tf.dispose([perSequence, causal])
  })
})

describe("document masking in the model", () => {
  const shape = tinyShape({ layers: 2, heads: 4, kv_heads: 2, head_dim: 8, d_model: 32 })
  const context = shape.context
  const layout = parameterLayout(shape)
  // Weights at ten times the usual scale, so that attention is far from uniform and what a
  // position attends to shows clearly in its logits.
  const scaledWeights = () => weightTensors(initialParameters(layout, 9).map((v) => (v === 1 ? v : 10 * v)), layout)
  const randomTokens = (count: number, seed: number) => {
    const uniform = uniformSource(seed)
    return Int32Array.from({ length: count }, () => Math.floor(uniform() * shape.vocab))
  }

  it("gives the same loss with and without masking when every sequence is one document", () => {
    const weights = scaledWeights()
    const tokens = randomTokens(2 * context + 1, 1)
    const batch: TokenBatch = {
      sequences: 2,
      context,
      inputs: tokens.slice(0, 2 * context),
      targets: tokens.slice(1, 2 * context + 1),
      documents: new Int32Array(2 * context).fill(4)
    }
    const lossWith = (documentMasking: boolean) => {
      const constants = modelConstants(shape, layout, "gather", { documentMasking })
      const loss = tf.tidy(() => batchLoss(weights, batch, constants).dataSync()[0] as number)
      disposeConstants(constants)
      return loss
    }
    expect(lossWith(true)).toBe(lossWith(false))
    tf.dispose(weights)
  })

  it("gives a packed document the logits it has alone (RoPE: only relative positions count)", () => {
    const weights = scaledWeights()
    const first = 12 // document A fills positions 0..11, document B positions 12..31
    const packed = randomTokens(context, 2)
    const alone = new Int32Array(context) // B from position 0, then padding
    alone.set(packed.subarray(first))
    const documents = Int32Array.from({ length: context }, (_, t) => (t < first ? 0 : 1))
    const bLength = context - first
    // Largest difference between B's logits packed after A and B's logits at the start of a sequence.
    const difference = (documentMasking: boolean) => {
      const constants = modelConstants(shape, layout, "gather", { documentMasking })
      const before = tf.memory().numTensors
      const value = tf.tidy(() => {
        const inputs = tf.tensor2d([...packed, ...alone], [2, context], "int32")
        const mask = documentMasking
          ? documentMask(Int32Array.from([...documents, ...new Int32Array(context)]), 2, context)
          : constants.causalMask
        const out = logits(weights, inputs, mask, constants)
        const bPacked = tf.slice(out, [first, 0], [bLength, shape.vocab])
        const bAlone = tf.slice(out, [context, 0], [bLength, shape.vocab])
        return tf.max(tf.abs(tf.sub(bPacked, bAlone))).dataSync()[0] as number
      })
      expect(tf.memory().numTensors).toBe(before)
      disposeConstants(constants)
      return value
    }
    const logitScale = tf.tidy(() => {
      const constants = modelConstants(shape, layout, "gather", { documentMasking: false })
      const scale = tf.max(tf.abs(logits(weights, tf.tensor2d(alone, [1, context], "int32"), constants.causalMask, constants)))
        .dataSync()[0] as number
      disposeConstants(constants)
      return scale
    })
    expect(logitScale).toBeGreaterThan(1)
    expect(difference(true)).toBeLessThan(1e-4 * logitScale)
    expect(difference(false)).toBeGreaterThan(1e-2 * logitScale)
    tf.dispose(weights)
  })
})
