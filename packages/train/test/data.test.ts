import { describe, expect, it } from "vitest"
import { concatenateDocuments, sequencesPerStep, validationWindows, ValidationTooLargeError } from "../src/batches.ts"
import { loadCorpus, splitDocuments } from "../src/corpus.ts"
import { decodeBytes, encodeBytes } from "../src/tokenizer.ts"
import { prepareTrainingData, trainingBatch } from "../src/trainingData.ts"
import { tinySpec } from "./tinySpec.ts"

const documents = loadCorpus("moby-dick")

describe("corpus and split", () => {
  it("loads Moby Dick as chapters", () => {
    expect(documents.length).toBe(139)
    expect(documents.some((d) => d.text.includes("Call me Ishmael"))).toBe(true)
  })

  it("splits by whole document, deterministically and disjointly", () => {
    const first = splitDocuments(documents, 0.05)
    const second = splitDocuments(documents, 0.05)
    expect(first.validation.map((d) => d.title)).toEqual(second.validation.map((d) => d.title))
    expect(first.validation.length).toBe(Math.round(0.05 * 139))
    expect(first.train.length + first.validation.length).toBe(139)
    const trainTitles = new Set(first.train.map((d) => d.title))
    expect(first.validation.every((d) => !trainTitles.has(d.title))).toBe(true)
  })

  it("rejects a fraction that leaves a side empty", () => {
    expect(() => splitDocuments(documents, 0)).toThrow(/data.validation/)
    expect(() => splitDocuments(documents, 1)).toThrow(/data.validation/)
  })
})

describe("tokens and batches", () => {
  it("round-trips UTF-8 bytes", () => {
    const text = "Whale — ahoy!"
    expect(encodeBytes(text).length).toBe(15) // the em dash is 3 bytes
    expect(decodeBytes(encodeBytes(text))).toBe(text)
  })

  it("plans steps that add up to exactly the run's tokens", () => {
    expect(sequencesPerStep(10 * 64, 256, 64)).toEqual([4, 4, 2])
    expect(sequencesPerStep(8 * 64, 256, 64)).toEqual([4, 4])
  })

  it("draws windows whose targets are the inputs shifted by one byte", () => {
    const data = prepareTrainingData(tinySpec())
    const batch = trainingBatch(data, 7, 3, 4, 32)
    const again = trainingBatch(data, 7, 3, 4, 32)
    expect(Array.from(batch.inputs)).toEqual(Array.from(again.inputs))
    for (let s = 0; s < 4; s++) {
      for (let t = 0; t < 31; t++) expect(batch.targets[s * 32 + t]).toBe(batch.inputs[s * 32 + t + 1])
    }
    expect(Array.from(trainingBatch(data, 7, 4, 4, 32).inputs)).not.toEqual(Array.from(batch.inputs))
  })

  it("builds the same validation windows for every run with the same context", () => {
    const text = concatenateDocuments(splitDocuments(documents, 0.05).validation)
    const windows = validationWindows(text, 32, 1000)
    expect(windows.sequences).toBe(Math.ceil(1000 / 32))
    expect(Array.from(windows.inputs.subarray(32, 64))).toEqual(Array.from(text.subarray(32, 64)))
    expect(() => validationWindows(text, 32, 10 * text.length)).toThrow(ValidationTooLargeError)
  })
})
