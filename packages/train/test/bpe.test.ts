import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { documentSeparator, tokenizeDocuments } from "../src/data/batches.ts"
import { MAX_CHUNK_BYTES, forEachChunk } from "../src/tokenizer/byteChunks.ts"
import { bpeCacheFile, bpeMerges } from "../src/tokenizer/bpeCache.ts"
import { bpeTokenizer } from "../src/tokenizer/bpeTokenizer.ts"
import { trainBpe } from "../src/tokenizer/bpeTraining.ts"
import { loadCorpus, splitDocuments } from "../src/data/corpus.ts"
import { uniformSource } from "../src/prng.ts"
import { bytesPerToken, encodeBytes } from "../src/tokenizer/tokenizer.ts"
import { prepareTrainingData } from "../src/data/trainingData.ts"
import { tinyShape, tinySpec } from "./tinySpec.ts"

const mobyDick = splitDocuments(loadCorpus("moby-dick"), 0.05)
const trainingTexts = mobyDick.train.map((d) => d.text + documentSeparator)
const merges512 = trainBpe(trainingTexts, 512)
const tokenizer = bpeTokenizer(merges512)

const scratch = mkdtempSync(join(tmpdir(), "scalelab-bpe-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** Text drawn from ASCII, Latin-1, CJK, emoji (astral), combining marks and control characters. */
function randomText(length: number, uniform: () => number): string {
  const ranges: ReadonlyArray<readonly [number, number]> = [[0x00, 0x7f], [0x80, 0x2ff], [0x4e00, 0x4fff], [0x1f300, 0x1f6ff], [0x300, 0x36f]]
  let text = ""
  for (let i = 0; i < length; i++) {
    const [low, high] = ranges[Math.floor(uniform() * ranges.length)] as readonly [number, number]
    text += String.fromCodePoint(low + Math.floor(uniform() * (high - low + 1)))
  }
  return text
}

describe("byte chunks", () => {
  it("cover the bytes exactly, a word taking the space before it, long runs cut", () => {
    const text = `Call me  Ishmael. 1851!\n\n${"x".repeat(150)}`
    const bytes = encodeBytes(text)
    const chunks: Array<string> = []
    forEachChunk(bytes, (start, end) => chunks.push(new TextDecoder().decode(bytes.subarray(start, end))))
    expect(chunks.slice(0, 8)).toEqual(["Call", " me", " ", " Ishmael", ".", " 1851", "!", "\n\n"])
    expect(chunks.slice(8).map((c) => c.length)).toEqual([MAX_CHUNK_BYTES, MAX_CHUNK_BYTES, 150 - 2 * MAX_CHUNK_BYTES])
    expect(chunks.join("")).toBe(text)
  })
})

describe("BPE training", () => {
  it("merges the most frequent pair first", () => {
    // Chunks "abab" once and " abab" twice: (a,b) occurs 6 times, then (ab,ab) 3 times.
    expect(trainBpe(["abab abab abab"], 258).merges).toEqual([[97, 98], [256, 256]])
  })

  it("breaks ties by the smaller pair, and stops when no pair repeats", () => {
    // Chunks "ab", " ab", " ba", " ba": (a,b), (b,a) and (space,b) each occur twice; (space,b) is the smallest.
    const { merges } = trainBpe(["ab ab ba ba"], 300)
    expect(merges[0]).toEqual([32, 98])
    expect(merges.length).toBeLessThan(300 - 256)
  })

  it("learns the same merges every time", () => {
    expect(trainBpe(trainingTexts, 512)).toEqual(merges512)
    expect(merges512.merges).toHaveLength(256)
  })
})

describe("BPE tokenizer", () => {
  it("decodes what it encodes, for arbitrary UTF-8 text", () => {
    const uniform = uniformSource(11)
    for (let i = 0; i < 200; i++) {
      const text = randomText(1 + Math.floor(uniform() * 80), uniform)
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text)
    }
    const edge = "\u0000 \r\n\t  tabs\t\tand  spaces — «ça» 👩‍👩‍👧 e\u0301 ﷽"
    expect(tokenizer.decode(tokenizer.encode(edge))).toBe(edge)
    expect(tokenizer.encode("")).toHaveLength(0)
  })

  it("compresses held-out Moby Dick to more than 1.5 bytes per token at 512 tokens", () => {
    const validation = tokenizeDocuments(mobyDick.validation, tokenizer)
    const bytes = mobyDick.validation.reduce((sum, d) => sum + encodeBytes(d.text + documentSeparator).length, 0)
    expect(bytes / validation.tokens.length).toBeGreaterThan(1.5)
    expect(bytesPerToken(validation.tokens, tokenizer)).toBeCloseTo(bytes / validation.tokens.length, 10)
    expect(validation.tokens).toBeInstanceOf(Uint16Array)
  })
})

describe("BPE cache", () => {
  const texts = ["the whale, the whale, the white whale\n\n", "thar she blows\n\n"]

  it("trains once, then reads the stored merges back", () => {
    const folder = join(scratch, "reuse")
    const trained = bpeMerges(texts, 270, folder)
    const file = bpeCacheFile(folder, texts, 270)
    expect(existsSync(file)).toBe(true)
    expect(bpeMerges(texts, 270, folder)).toEqual(trained)
    // What is read is the file: a different (valid) merge list stored there comes back.
    writeFileSync(file, JSON.stringify({ vocab: 270, merges: [[104, 101]] }))
    expect(bpeMerges(texts, 270, folder).merges).toEqual([[104, 101]])
    expect(readdirSync(folder).filter((name) => name.endsWith(".tmp"))).toEqual([])
  })

  it("keys on the texts and the vocabulary, and replaces a file it cannot use", () => {
    const folder = join(scratch, "keys")
    expect(bpeCacheFile(folder, texts, 270)).not.toBe(bpeCacheFile(folder, texts, 271))
    expect(bpeCacheFile(folder, texts, 270)).not.toBe(bpeCacheFile(folder, [texts.join("")], 270))
    const trained = trainBpe(texts, 270)
    bpeMerges(texts, 270, folder)
    writeFileSync(bpeCacheFile(folder, texts, 270), "{ half a fi")
    expect(bpeMerges(texts, 270, folder)).toEqual(trained)
    expect(bpeMerges(texts, 270, folder)).toEqual(trained)
  })

  it("serves a run's training data: same tokens with and without the cache", () => {
    const spec = tinySpec({ data: { ...tinySpec().data, tokenizer: "bpe" }, shape: tinyShape({ vocab: 384 }) })
    const folder = join(scratch, "run")
    const inMemory = prepareTrainingData(spec)
    const cached = prepareTrainingData(spec, { cacheDirectory: folder })
    const again = prepareTrainingData(spec, { cacheDirectory: folder })
    expect(readdirSync(folder)).toHaveLength(1)
    expect(Array.from(cached.train.tokens)).toEqual(Array.from(inMemory.train.tokens))
    expect(Array.from(again.validation.inputs)).toEqual(Array.from(inMemory.validation.inputs))
    expect(inMemory.validationBytesPerToken).toBeGreaterThan(1.3) // 128 merges: less than at 512 tokens
    expect(Math.max(...inMemory.validation.targets)).toBeLessThan(384)
  })
})
