// `data.max_train_tokens`: the training split cut to its first tokens, a small corpus to repeat.
// The validation documents are chosen from the whole corpus first, so the cut never reaches them.
import { describe, expect, it } from "vitest"
import { Result } from "effect"
import { decodeExperimentText } from "@scalelab/spec"
import { corpusFacts, sliceTokens } from "../src/data/trainingData.ts"

const dataOf = (extra: string) => {
  const decoded = decodeExperimentText(`name: slice\ndata: { corpus: moby-dick, tokenizer: bytes${extra} }\n`, "slice.yaml")
  if (Result.isFailure(decoded)) throw new Error(decoded.failure.message)
  return decoded.success.data
}

describe("sliceTokens", () => {
  const stream = { tokens: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), documentStarts: Int32Array.from([0, 3, 6]) }

  it("keeps the first tokens and the documents they reach", () => {
    const cut = sliceTokens(stream, 5)
    expect([...cut.tokens]).toEqual([1, 2, 3, 4, 5])
    expect([...cut.documentStarts]).toEqual([0, 3])
  })

  it("is the whole stream without a cut, or with one longer than it", () => {
    expect(sliceTokens(stream, undefined)).toBe(stream)
    expect(sliceTokens(stream, 100)).toBe(stream)
  })
})

describe("corpusFacts with data.max_train_tokens", () => {
  it("counts one epoch as the cut, not the whole training split", () => {
    const whole = corpusFacts(dataOf(""))
    const cut = corpusFacts(dataOf(", max_train_tokens: 65536"))
    expect(whole.training_tokens).toBeGreaterThan(1_000_000)
    expect(cut.training_tokens).toBe(65536)
    expect(cut.corpus).toEqual(whole.corpus)
  })
})
