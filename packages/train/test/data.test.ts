import { createHash } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import {
  documentSeparator,
  sampleWindows,
  sequencesPerStep,
  tokenizeDocuments,
  validationWindows,
  ValidationTooLargeError
} from "../src/data/batches.ts"
import { loadCorpus, runCorpus, splitDocuments } from "../src/data/corpus.ts"
import { CorpusFileChangedError, CorpusFileUnreadableError } from "../src/data/fileCorpus.ts"
import { uniformSource } from "../src/prng.ts"
import { byteTokenizer, decodeBytes, encodeBytes } from "../src/tokenizer/tokenizer.ts"
import { prepareTrainingData, trainingBatch } from "../src/data/trainingData.ts"
import { tinySpec } from "./tinySpec.ts"

const documents = loadCorpus("moby-dick")
const scratch = mkdtempSync(join(tmpdir(), "scalelab-data-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe("corpora and split", () => {
  it("loads Moby Dick as chapters", () => {
    expect(documents.length).toBe(139)
    expect(documents.some((d) => d.text.includes("Call me Ishmael"))).toBe(true)
  })

  it("loads the State of the Union addresses, one document per address", () => {
    const addresses = loadCorpus("sotu")
    expect(addresses.length).toBeGreaterThan(200) // one a year since 1790, a few years with two
    expect(new Set(addresses.map((d) => d.title)).size).toBe(addresses.length)
    expect(addresses.find((d) => d.title.startsWith("1790 "))?.text).toMatch(/^Fellow-Citizens of the Senate/)
  })

  it("splits by whole document, deterministically and disjointly", () => {
    const first = splitDocuments(documents, 0.05)
    const second = splitDocuments([...documents].reverse(), 0.05)
    expect(new Set(first.validation.map((d) => d.title))).toEqual(new Set(second.validation.map((d) => d.title)))
    expect(first.validation.length).toBe(Math.round(0.05 * 139))
    expect(first.train.length + first.validation.length).toBe(139)
    const trainTitles = new Set(first.train.map((d) => d.title))
    expect(first.validation.every((d) => !trainTitles.has(d.title))).toBe(true)
  })

  it("rejects a fraction that leaves a side empty", () => {
    expect(() => splitDocuments(documents, 0)).toThrow(/data.validation/)
    expect(() => splitDocuments(documents, 1)).toThrow(/data.validation/)
  })

  it("reads text files as documents pinned by their digests, and refuses a file that changed", () => {
    const first = join(scratch, "first.txt")
    const second = join(scratch, "second.txt")
    writeFileSync(first, "Über den Wolken — 雲の上\n")
    writeFileSync(second, "plain text")
    const corpus = runCorpus({ kind: "files", paths: [first, second] })
    const digest = createHash("sha256").update("plain text").digest("hex")
    expect(corpus).toEqual({
      kind: "files",
      files: [
        { path: first, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
        { path: second, sha256: digest }
      ]
    })
    expect(loadCorpus(corpus)).toEqual([
      { title: first, text: "Über den Wolken — 雲の上\n" },
      { title: second, text: "plain text" }
    ])
    writeFileSync(second, "plain text, edited")
    expect(() => loadCorpus(corpus)).toThrow(CorpusFileChangedError)
    expect(() => runCorpus({ kind: "files", paths: [join(scratch, "absent.txt")] })).toThrow(CorpusFileUnreadableError)
  })
})

describe("tokens and batches", () => {
  it("round-trips UTF-8 bytes", () => {
    const text = "Whale — ahoy!"
    expect(encodeBytes(text).length).toBe(15) // the em dash is 3 bytes
    expect(decodeBytes(encodeBytes(text))).toBe(text)
  })

  it("ends every document with the separator and records where each starts", () => {
    const stream = tokenizeDocuments([{ title: "a", text: "ab" }, { title: "b", text: "cde" }], byteTokenizer)
    expect(byteTokenizer.decode(stream.tokens)).toBe(`ab${documentSeparator}cde${documentSeparator}`)
    expect(Array.from(stream.documentStarts)).toEqual([0, 4])
  })

  it("gives every input position its document, changing exactly at document starts", () => {
    const texts = ["x".repeat(5), "y".repeat(1), "z".repeat(12), "w".repeat(30)]
    const stream = tokenizeDocuments(texts.map((text, i) => ({ title: String(i), text })), byteTokenizer)
    const starts = new Set(stream.documentStarts)
    const context = 16
    const batch = sampleWindows(stream, context, 40, uniformSource(3))
    for (let s = 0; s < batch.sequences; s++) {
      const row = batch.documents.subarray(s * context, (s + 1) * context)
      const inputs = batch.inputs.subarray(s * context, (s + 1) * context)
      for (let t = 1; t < context; t++) {
        // Each document's bytes are one letter, and the separators end them: a new document begins
        // exactly where a separator is followed by a letter.
        const startsHere = inputs[t - 1] === 10 && inputs[t] !== 10
        expect(row[t] !== row[t - 1], `sequence ${s}, position ${t}`).toBe(startsHere)
      }
    }
    // And the ids are the documents' own indices, checked against positions in the stream.
    const validation = validationWindows(stream, context, 48)
    for (let p = 0; p < 48; p++) {
      let document = 0
      while (document + 1 < stream.documentStarts.length && (stream.documentStarts[document + 1] as number) <= p) document++
      expect(validation.documents[p]).toBe(document)
      if (p > 0) expect(validation.documents[p] !== validation.documents[p - 1]).toBe(starts.has(p))
    }
  })

  it("plans steps that add up to exactly the run's tokens", () => {
    expect(sequencesPerStep(10 * 64, 256, 64)).toEqual([4, 4, 2])
    expect(sequencesPerStep(8 * 64, 256, 64)).toEqual([4, 4])
  })

  it("draws windows whose targets are the inputs shifted by one token, the same for the same (seed, step)", () => {
    const data = prepareTrainingData(tinySpec())
    const batch = trainingBatch(data, 7, 3, 4, 32)
    const again = trainingBatch(data, 7, 3, 4, 32)
    expect(Array.from(batch.inputs)).toEqual(Array.from(again.inputs))
    expect(Array.from(batch.documents)).toEqual(Array.from(again.documents))
    for (let s = 0; s < 4; s++) {
      for (let t = 0; t < 31; t++) expect(batch.targets[s * 32 + t]).toBe(batch.inputs[s * 32 + t + 1])
    }
    expect(Array.from(trainingBatch(data, 7, 4, 4, 32).inputs)).not.toEqual(Array.from(batch.inputs))
    expect(data.validationBytesPerToken).toBe(1)
  })

  it("builds the same validation windows for every run with the same context", () => {
    const stream = tokenizeDocuments(splitDocuments(documents, 0.05).validation, byteTokenizer)
    const windows = validationWindows(stream, 32, 1000)
    expect(windows.sequences).toBe(Math.ceil(1000 / 32))
    expect(Array.from(windows.inputs.subarray(32, 64))).toEqual(Array.from(stream.tokens.subarray(32, 64)))
    expect(() => validationWindows(stream, 32, 10 * stream.tokens.length)).toThrow(ValidationTooLargeError)
  })
})
