// The memorization evaluation: a model trained to near-zero loss on a tiny text reproduces its
// training continuations, a fresh model none; the one-pass score equals step-by-step greedy
// decoding; prompts are training text, fixed by the run's seed; nothing leaks.
import type { MetricLine, RunSpec } from "@scalelab/spec"
import * as tf from "@tensorflow/tfjs-core"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { selectBackend } from "../src/backend/backend.ts"
import { sliceBatch } from "../src/data/batches.ts"
import { runCorpus } from "../src/data/corpus.ts"
import { prepareTrainingData } from "../src/data/trainingData.ts"
import { type MemorizationPrompts, memorizationPrompts, memorizedFraction } from "../src/eval/memorization.ts"
import { type ModelConstants, attentionMask, disposeConstants, logits, modelConstants } from "../src/model/model.ts"
import { type Weights, initialParameters, parameterLayout, weightTensors } from "../src/model/parameters.ts"
import { trainRun } from "../src/run/trainRun.ts"
import { tinyShape, tinySpec } from "./tinySpec.ts"

beforeAll(async () => {
  await selectBackend("wasm")
})

const scratch = mkdtempSync(join(tmpdir(), "scalelab-memorization-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const settings = { prompts: 24, prefix_tokens: 16, continuation_tokens: 16 }

/** Greedy decoding the slow way: one forward pass per generated token, each fed the tokens generated so far. */
function greedyContinuation(weights: Weights, constants: ModelConstants, prompts: MemorizationPrompts, row: number): Array<number> {
  const one = sliceBatch(prompts.windows, row, 1)
  const { context } = one
  const inputs = Int32Array.from(one.inputs)
  const generated: Array<number> = []
  for (let k = 0; k < prompts.continuation; k++) {
    const position = prompts.prefix - 1 + k
    const next = tf.tidy(() => {
      const out = logits(weights, tf.tensor2d(inputs, [1, context], "int32"), attentionMask(one, constants), constants)
      return tf.argMax(tf.gather(out, tf.tensor1d([position], "int32")), -1).dataSync()[0] as number
    })
    generated.push(next)
    if (position + 1 < context) inputs[position + 1] = next
  }
  return generated
}

/** Each prompt's score on its own (0 or 1) and whether greedy decoding reproduced the training text. */
async function perPrompt(weights: Weights, constants: ModelConstants, prompts: MemorizationPrompts) {
  const rows = Array.from({ length: prompts.windows.sequences }, (_, row) => row)
  return Promise.all(rows.map(async (row) => {
    const single = { ...prompts, windows: sliceBatch(prompts.windows, row, 1) }
    const truth = Array.from(single.windows.targets.subarray(prompts.prefix - 1, prompts.prefix - 1 + prompts.continuation))
    return {
      score: await memorizedFraction(weights, single, constants, 1),
      greedyExact: greedyContinuation(weights, constants, prompts, row).every((token, k) => token === truth[k])
    }
  }))
}

describe("memorization", () => {
  it("scores a model that has memorized a tiny text high, on the final evaluation line and in the result", async () => {
    const text = "the old sailor mended his nets by the harbour wall. a grey gull watched him from a mooring post. " +
      "far out past the reef, three boats were coming home with full holds."
    // Two files, two documents: one trains, the other is held out for validation.
    const paths = ["a.txt", "b.txt"].map((name) => join(scratch, name))
    paths.forEach((path) => writeFileSync(path, text))
    const shape = tinyShape({ layers: 2, d_model: 64, heads: 4, kv_heads: 2, ffn: 176 })
    const spec: RunSpec = tinySpec({
      shape,
      tokens: 240 * 256,
      data: { corpus: runCorpus({ kind: "files", paths }), tokenizer: "bytes", validation: 0.5, val_tokens: 64, document_masking: true },
      training: { ...tinySpec().training, lr: 1e-2, schedule: "cosine", warmup: 0.05, min_lr_fraction: 0.01, batch_tokens: 256 },
      eval: { every: 0.5, cloze: { items: 0, choices: 4, answer_bytes: 32 }, memorization: settings }
    })
    const lines: Array<MetricLine> = []
    const outcome = await trainRun(spec, { onMetric: (line) => lines.push(line) })
    if (outcome.kind !== "finished") throw new Error("the run did not finish")
    expect(outcome.result.memorization).toBeGreaterThanOrEqual(0.8)
    // Measured once, on the final evaluation line.
    const evaluations = lines.filter((line) => line.val_loss !== undefined)
    expect(evaluations.map((line) => line.memorization)).toEqual([undefined, outcome.result.memorization])
  }, 60_000)

  it("scores a fresh model near zero, the same in one pass as by greedy decoding, without leaking tensors", async () => {
    const spec = tinySpec()
    const data = prepareTrainingData(spec)
    const layout = parameterLayout(spec.shape)
    const constants = modelConstants(spec.shape, layout, "gather")
    const weights = weightTensors(initialParameters(layout, 3), layout)
    const prompts = memorizationPrompts(data.train, { ...settings, prompts: 64 }, spec.shape.context, spec.seed)
    const before = tf.memory().numTensors
    const fraction = await memorizedFraction(weights, prompts, constants, 10) // slices of 10, 10, ..., 4
    expect(tf.memory().numTensors).toBe(before)
    expect(fraction).toBeLessThanOrEqual(0.05)
    const shortPrompts = { ...prompts, continuation: 2, windows: sliceBatch(prompts.windows, 0, 16) }
    const each = await perPrompt(weights, constants, shortPrompts)
    expect(each.map(({ score }) => score === 1)).toEqual(each.map(({ greedyExact }) => greedyExact))
    tf.dispose(weights)
    disposeConstants(constants)
  })

  it("agrees with greedy decoding prompt by prompt on a model partway to memorizing", async () => {
    const text = "a stitch in time saves nine, but a rolling stone gathers no moss while the cat is away and mice play."
    const paths = ["c.txt", "d.txt"].map((name) => join(scratch, name))
    paths.forEach((path) => writeFileSync(path, text))
    const spec: RunSpec = tinySpec({
      tokens: 40 * 512,
      data: { corpus: runCorpus({ kind: "files", paths }), tokenizer: "bytes", validation: 0.5, val_tokens: 64, document_masking: true },
      training: { ...tinySpec().training, lr: 1e-2, schedule: "constant", batch_tokens: 512 },
      eval: { every: 1, cloze: { items: 0, choices: 4, answer_bytes: 32 } }
    })
    // The trainer's weights at step 39 of 40, taken from the checkpoint it saves there.
    let parameters: Float32Array | undefined
    await trainRun(spec, { checkpoints: { load: () => undefined, save: (c) => (parameters = c.parameters) }, checkpointEvery: 39 })
    if (parameters === undefined) throw new Error("no checkpoint was saved")
    const layout = parameterLayout(spec.shape)
    const constants = modelConstants(spec.shape, layout, "gather")
    const weights = weightTensors(parameters, layout)
    const data = prepareTrainingData(spec)
    const prompts = memorizationPrompts(data.train, { prompts: 32, prefix_tokens: 12, continuation_tokens: 8 }, spec.shape.context, 1)
    const each = await perPrompt(weights, constants, prompts)
    expect(each.map(({ score }) => score === 1)).toEqual(each.map(({ greedyExact }) => greedyExact))
    tf.dispose(weights)
    disposeConstants(constants)
  }, 60_000)

  it("draws its prompts from the run's own training tokens, the same for the same seed", () => {
    const spec = tinySpec({ data: { ...tinySpec().data, train_tokens: 3000 } })
    const data = prepareTrainingData(spec)
    expect(data.train.tokens.length).toBe(3000)
    const occursIn = (tokens: ArrayLike<number>, part: ReadonlyArray<number>) => {
      for (let at = 0; at + part.length <= tokens.length; at++) if (part.every((token, k) => tokens[at + k] === token)) return true
      return false
    }
    const { context } = spec.shape
    const prompts = memorizationPrompts(data.train, { ...settings, prompts: 40 }, context, spec.seed)
    expect(prompts.windows.sequences).toBe(40)
    for (let row = 0; row < 40; row++) {
      const window = [...prompts.windows.inputs.subarray(row * context, (row + 1) * context), prompts.windows.targets[(row + 1) * context - 1] as number]
      expect(occursIn(data.train.tokens, window)).toBe(true)
      expect(occursIn(data.validationStream.tokens, window)).toBe(false)
    }
    expect(memorizationPrompts(data.train, { ...settings, prompts: 40 }, context, spec.seed)).toEqual(prompts)
    expect(memorizationPrompts(data.train, { ...settings, prompts: 40 }, context, spec.seed + 1).windows.inputs).not.toEqual(prompts.windows.inputs)
  })
})
