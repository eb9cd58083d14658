import * as tf from "@tensorflow/tfjs-core"
import { beforeAll, describe, expect, it } from "vitest"
import { selectBackend } from "../src/backend/backend.ts"
import { type TokenBatch, type TokenStream, tokenizeDocuments } from "../src/data/batches.ts"
import { bpeTokenizer } from "../src/tokenizer/bpeTokenizer.ts"
import { trainBpe } from "../src/tokenizer/bpeTraining.ts"
import {
  type ClozeItem,
  ClozeTextTooSmallError,
  buildClozeItems,
  choiceLogLikelihoods,
  clozeScore,
  scoreCloze
} from "../src/eval/cloze.ts"
import { loadCorpus, splitDocuments } from "../src/data/corpus.ts"
import { type ModelConstants, disposeConstants, logits, modelConstants } from "../src/model/model.ts"
import { disposeAdamWState, initialAdamWState } from "../src/optim/optimizer.ts"
import { type Weights, initialParameters, parameterLayout, weightTensors } from "../src/model/parameters.ts"
import { type TextTokenizer, byteTokenizer, encodeBytes } from "../src/tokenizer/tokenizer.ts"
import { trainingStep } from "../src/run/trainRun.ts"
import { tinyShape, tinySpec } from "./tinySpec.ts"

beforeAll(async () => {
  await selectBackend("wasm")
})

const mobyDick = splitDocuments(loadCorpus("moby-dick"), 0.05)
const heldOut = tokenizeDocuments(mobyDick.validation, byteTokenizer)
const streamOf = (text: string, tokenizer: TextTokenizer = byteTokenizer): TokenStream =>
  tokenizeDocuments([{ title: "text", text }], tokenizer)

/** Checks what every item must satisfy, whatever the tokenizer. */
function expectWellFormed(items: ReadonlyArray<ClozeItem>, stream: TokenStream, tokenizer: TextTokenizer, answerBytes: number, context: number) {
  const streamText = tokenizer.decode(stream.tokens)
  for (const item of items) {
    expect(item.answer).toBeGreaterThanOrEqual(0)
    expect(item.answer).toBeLessThan(item.choices.length)
    expect(item.prompt.length).toBeGreaterThan(0)
    expect(item.prompt.length + Math.max(...item.choices.map((choice) => choice.length))).toBeLessThanOrEqual(context + 1)
    const texts = item.choices.map((choice) => tokenizer.decode(choice))
    expect(new Set(texts).size, "distractors differ from the answer and from each other").toBe(texts.length)
    texts.forEach((text, c) => {
      expect(text, "a choice is whole words, starting at a word").toMatch(/^ \S/u)
      expect(item.choiceBytes[c]).toBe(encodeBytes(text).length)
      expect(item.choiceBytes[c]).toBeGreaterThanOrEqual(Math.ceil(answerBytes / 2))
      expect(item.choiceBytes[c]).toBeLessThanOrEqual(answerBytes)
    })
    // The true continuation is the text that follows the prompt.
    expect(streamText).toContain(tokenizer.decode([...item.prompt, ...(item.choices[item.answer] as Int32Array)]))
  }
}

describe("buildClozeItems", () => {
  const settings = { items: 40, choices: 4, answer_bytes: 32 }

  it("asks for the words that follow a prompt, among distinct continuations of whole words", () => {
    const items = buildClozeItems(heldOut, byteTokenizer, settings, 64)
    expect(items).toHaveLength(40)
    expect(items.every((item) => item.choices.length === 4)).toBe(true)
    expectWellFormed(items, heldOut, byteTokenizer, 32, 64)
    // With the whole context before it, a prompt takes what the longest choice leaves.
    const item = items[20] as ClozeItem
    expect(item.prompt.length).toBe(65 - Math.max(...item.choices.map((choice) => choice.length)))
    expect(new Set(items.map((i) => i.answer)), "the true continuation is not always in the same place").toEqual(new Set([0, 1, 2, 3]))
  })

  it("builds the same items every time: they depend on the text and the settings only", () => {
    const first = buildClozeItems(heldOut, byteTokenizer, settings, 64)
    buildClozeItems(heldOut, byteTokenizer, { items: 7, choices: 2, answer_bytes: 20 }, 32) // no state carries over
    expect(buildClozeItems(heldOut, byteTokenizer, settings, 64)).toEqual(first)
  })

  it("works on BPE tokens, counting the bytes each token stands for", () => {
    const bpe = bpeTokenizer(trainBpe(mobyDick.train.slice(0, 10).map((document) => document.text), 512))
    const stream = tokenizeDocuments(mobyDick.validation, bpe)
    const items = buildClozeItems(stream, bpe, settings, 64)
    expectWellFormed(items, stream, bpe, 32, 64)
    const tokens = items.reduce((sum, item) => sum + (item.choices[item.answer] as Int32Array).length, 0)
    const bytes = items.reduce((sum, item) => sum + (item.choiceBytes[item.answer] as number), 0)
    expect(tokens).toBeLessThan(0.6 * bytes)
  })

  it("cuts a text without spaces at any token", () => {
    const text = Array.from({ length: 400 }, (_, i) => "abcdefgh"[(i * i + 3 * i) % 7]).join("")
    const items = buildClozeItems(streamOf(text), byteTokenizer, { items: 5, choices: 3, answer_bytes: 8 }, 32)
    expect(items).toHaveLength(5)
    for (const item of items) for (const bytes of item.choiceBytes) expect(bytes).toBe(8)
  })

  it("shrinks continuations to half the context, so the prompt keeps the other half", () => {
    const items = buildClozeItems(heldOut, byteTokenizer, settings, 20)
    for (const item of items) {
      for (const bytes of item.choiceBytes) expect(bytes).toBeLessThanOrEqual(10)
      expect(item.prompt.length).toBeGreaterThanOrEqual(11)
    }
  })

  it("is empty when turned off, and refuses a text too small for the items it is asked for", () => {
    expect(buildClozeItems(heldOut, byteTokenizer, { ...settings, items: 0 }, 64)).toEqual([])
    const small = streamOf("only a handful of words in this little text")
    expect(() => buildClozeItems(small, byteTokenizer, settings, 64)).toThrow(ClozeTextTooSmallError)
    expect(() => buildClozeItems(small, byteTokenizer, settings, 64)).toThrow(/Lower eval.cloze.items/u)
  })
})

describe("clozeScore", () => {
  const item = (choiceBytes: Array<number>, answer: number): ClozeItem => ({
    prompt: Int32Array.of(1),
    choices: choiceBytes.map(() => Int32Array.of(2)),
    choiceBytes,
    answer
  })

  it("compares choices per byte, shares a tie at the top, and reports the true choice's nats per byte", () => {
    const items = [item([10, 20, 10], 1), item([10, 10, 10], 0), item([4, 4, 4], 2), item([5, 5, 5], 0)]
    const likelihoods = [
      [-10, -15, -30], // per byte -1, -0.75, -3: the true choice is best, although its total is not
      [-5, -5, -9], // a tie of two at the top: half a point
      [-4, -4, -4], // all tied: a third
      [-10, -5, -5] // the true choice is worst
    ]
    const score = clozeScore(items, likelihoods)
    expect(score.accuracy).toBeCloseTo((1 + 1 / 2 + 1 / 3 + 0) / 4, 12)
    expect(score.nll_per_byte).toBeCloseTo((0.75 + 0.5 + 1 + 2) / 4, 12)
  })
})

describe("scoreCloze", () => {
  const shape = tinyShape()
  const layout = parameterLayout(shape)

  /** Log-likelihood of `choice` after `prompt`, from one unpadded sequence's logits. */
  function directLogLikelihood(weights: Weights, constants: ModelConstants, prompt: Int32Array, choice: Int32Array): number {
    return tf.tidy(() => {
      const sequence = [...prompt, ...choice.subarray(0, choice.length - 1)]
      const inputs = new Int32Array(shape.context)
      inputs.set(sequence)
      const logProbabilities = tf.logSoftmax(logits(weights, tf.tensor2d(inputs, [1, shape.context], "int32"), constants.causalMask, constants))
      const values = logProbabilities.arraySync()
      return [...choice].reduce((sum, token, k) => sum + (values[prompt.length - 1 + k]?.[token] as number), 0)
    })
  }

  it("scores a choice by the model's log-likelihood of its tokens after the prompt, however the items are batched", async () => {
    const constants = modelConstants(shape, layout, "gather")
    const weights = weightTensors(initialParameters(layout, 3).map((v) => (v === 1 ? v : 10 * v)), layout)
    const items = buildClozeItems(heldOut, byteTokenizer, { items: 5, choices: 3, answer_bytes: 12 }, shape.context)
    const before = tf.memory().numTensors
    const batched = await choiceLogLikelihoods(weights, items, constants, 7) // two items a pass: 2, 2, 1
    const whole = await choiceLogLikelihoods(weights, items, constants, 64)
    expect(tf.memory().numTensors).toBe(before)
    items.forEach((item, i) => {
      item.choices.forEach((choice, c) => {
        const direct = directLogLikelihood(weights, constants, item.prompt, choice)
        expect(direct).toBeLessThan(-1)
        expect(batched[i]?.[c]).toBeCloseTo(direct, 3)
        expect(whole[i]?.[c]).toBeCloseTo(direct, 3)
      })
    })
    tf.dispose(weights)
    disposeConstants(constants)
  })

  it("puts an untrained model at chance accuracy and ln(256) nats per byte", async () => {
    const constants = modelConstants(shape, layout, "gather")
    const weights = weightTensors(initialParameters(layout, 1), layout)
    const items = buildClozeItems(heldOut, byteTokenizer, { items: 400, choices: 4, answer_bytes: 16 }, shape.context)
    const before = tf.memory().numTensors
    const score = await scoreCloze(weights, items, constants, 128)
    expect(tf.memory().numTensors).toBe(before)
    // 400 items: chance is 0.25 with a standard error of 0.022.
    expect(Math.abs(score.accuracy - 0.25)).toBeLessThan(0.07)
    expect(Math.abs(score.nll_per_byte / Math.log(256) - 1)).toBeLessThan(0.01)
    tf.dispose(weights)
    disposeConstants(constants)
  })

  it("gives a model that has learnt the text every answer", async () => {
    const text = "the old sailor mended his nets by the harbour wall. a grey gull watched him from a mooring post. " +
      "far out past the reef, three boats were coming home with full holds."
    const learnt = tinyShape({ layers: 2, d_model: 64, heads: 4, kv_heads: 2, ffn: 176 })
    const learntLayout = parameterLayout(learnt)
    const constants = modelConstants(learnt, learntLayout, "gather")
    const { context } = learnt
    const stream = streamOf(text)
    const { tokens } = stream
    const starts = Array.from({ length: tokens.length - context }, (_, i) => i)
    const windows = (step: number): TokenBatch => {
      const chosen = starts.filter((start) => start % 8 === step % 8) // every window once in eight steps
      const inputs = new Int32Array(chosen.length * context)
      const targets = new Int32Array(chosen.length * context)
      chosen.forEach((start, row) => {
        inputs.set(tokens.subarray(start, start + context), row * context)
        targets.set(tokens.subarray(start + 1, start + context + 1), row * context)
      })
      return { sequences: chosen.length, context, inputs, targets, documents: new Int32Array(chosen.length * context) }
    }
    const spec = tinySpec({ shape: learnt })
    let state = initialAdamWState(weightTensors(initialParameters(learntLayout, 5), learntLayout))
    for (let step = 0; step < 160; step++) {
      const previous = state
      const result = trainingStep(state, windows(step), 1e-2, constants, spec)
      state = result.state
      disposeAdamWState(previous)
      tf.dispose([result.loss, result.gradNorm])
    }
    const items = buildClozeItems(stream, byteTokenizer, { items: 12, choices: 4, answer_bytes: 12 }, context)
    const score = await scoreCloze(state.parameters, items, constants, 64)
    expect(score.accuracy).toBe(1)
    expect(score.nll_per_byte).toBeLessThan(0.3)
    disposeAdamWState(state)
    disposeConstants(constants)
  })
})
