// Learning byte-level BPE merges (Sennrich et al. 2016 on bytes, as in GPT-2). Training runs on the
// distinct chunks of the text (byteChunks.ts) weighted by how often each occurs, and keeps the count
// of every adjacent pair up to date as merges rewrite the chunks, so a merge costs time in proportion
// to the chunks it touches rather than to the whole text.
import { Buffer } from "node:buffer"
import { BYTE_VOCABULARY } from "@scalelab/spec"
import { forEachChunk } from "./byteChunks.ts"
import { encodeBytes } from "./tokenizer.ts"

/** Merge i joins tokens `merges[i]` into token 256 + i. */
export interface BpeMerges {
  readonly vocab: number
  readonly merges: ReadonlyArray<readonly [number, number]>
}

/** A pair seen only once teaches nothing about unseen text: training stops before merging one. */
const MIN_PAIR_COUNT = 2

/** Distinct chunks of all texts with their counts, in order of first appearance. */
function countChunks(texts: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>()
  for (const text of texts) {
    const bytes = encodeBytes(text)
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
    // latin1 maps each byte to one character: a compact, exact key for a byte string.
    forEachChunk(bytes, (start, end) => {
      const key = buffer.toString("latin1", start, end)
      counts.set(key, (counts.get(key) ?? 0) + 1)
    })
  }
  return counts
}

/**
 * Pairs by count, most frequent first; among equal counts the smaller pair id first, which is what
 * makes training deterministic. Entries go stale when a count changes (a fresh entry is pushed):
 * `pop` skips those whose count is no longer the pair's current one.
 */
class PairQueue {
  private readonly counts: Array<number> = []
  private readonly pairs: Array<number> = []

  push(count: number, pair: number): void {
    this.counts.push(count)
    this.pairs.push(pair)
    let child = this.counts.length - 1
    while (child > 0) {
      const parent = (child - 1) >> 1
      if (!this.before(child, parent)) break
      this.swap(child, parent)
      child = parent
    }
  }

  /** The best pair whose queued count equals `current(pair)`, or undefined when none is left. */
  pop(current: (pair: number) => number): { readonly pair: number; readonly count: number } | undefined {
    while (this.counts.length > 0) {
      const count = this.counts[0] as number
      const pair = this.pairs[0] as number
      this.removeTop()
      if (current(pair) === count) return { pair, count }
    }
    return undefined
  }

  private removeTop(): void {
    const lastCount = this.counts.pop() as number
    const lastPair = this.pairs.pop() as number
    if (this.counts.length === 0) return
    this.counts[0] = lastCount
    this.pairs[0] = lastPair
    let parent = 0
    for (;;) {
      const left = 2 * parent + 1
      const right = left + 1
      let best = parent
      if (left < this.counts.length && this.before(left, best)) best = left
      if (right < this.counts.length && this.before(right, best)) best = right
      if (best === parent) return
      this.swap(parent, best)
      parent = best
    }
  }

  private before(i: number, j: number): boolean {
    const ci = this.counts[i] as number
    const cj = this.counts[j] as number
    return ci > cj || (ci === cj && (this.pairs[i] as number) < (this.pairs[j] as number))
  }

  private swap(i: number, j: number): void {
    const count = this.counts[i] as number
    const pair = this.pairs[i] as number
    this.counts[i] = this.counts[j] as number
    this.pairs[i] = this.pairs[j] as number
    this.counts[j] = count
    this.pairs[j] = pair
  }
}

/**
 * Merges learnt from `texts` until the vocabulary has `vocab` tokens, or until no adjacent pair
 * occurs twice (the remaining ids then stay unused). Deterministic: the same texts in the same
 * order give the same merges.
 */
export function trainBpe(texts: Iterable<string>, vocab: number): BpeMerges {
  const chunkCounts = countChunks(texts)
  const words = chunkCounts.size
  let symbolTotal = 0
  for (const key of chunkCounts.keys()) symbolTotal += key.length
  // Every chunk's symbols live in one array; a merge shortens a chunk in place.
  const symbols = new Int32Array(symbolTotal)
  const wordStart = new Int32Array(words)
  const wordLength = new Int32Array(words)
  const wordCount = new Float64Array(words)
  let w = 0
  let offset = 0
  for (const [key, count] of chunkCounts) {
    wordStart[w] = offset
    wordLength[w] = key.length
    wordCount[w] = count
    for (let i = 0; i < key.length; i++) symbols[offset + i] = key.charCodeAt(i)
    offset += key.length
    w++
  }

  const pairId = (left: number, right: number): number => left * vocab + right
  const pairCounts = new Map<number, number>()
  const wordsWithPair = new Map<number, Array<number>>()
  const changed = new Set<number>()
  const addPairs = (word: number, sign: 1 | -1, newToken: number): void => {
    const start = wordStart[word] as number
    const end = start + (wordLength[word] as number)
    const count = sign * (wordCount[word] as number)
    for (let i = start; i + 1 < end; i++) {
      const left = symbols[i] as number
      const right = symbols[i + 1] as number
      const pair = pairId(left, right)
      const updated = (pairCounts.get(pair) ?? 0) + count
      if (updated === 0) pairCounts.delete(pair)
      else pairCounts.set(pair, updated)
      changed.add(pair)
      // Only pairs holding the new token are new to this word; it is already listed under the others.
      if (sign === 1 && (left === newToken || right === newToken)) {
        const list = wordsWithPair.get(pair)
        if (list === undefined) wordsWithPair.set(pair, [word])
        else if (list[list.length - 1] !== word) list.push(word)
      }
    }
  }

  for (let word = 0; word < words; word++) {
    const start = wordStart[word] as number
    for (let i = start; i + 1 < start + (wordLength[word] as number); i++) {
      const pair = pairId(symbols[i] as number, symbols[i + 1] as number)
      pairCounts.set(pair, (pairCounts.get(pair) ?? 0) + (wordCount[word] as number))
      const list = wordsWithPair.get(pair)
      if (list === undefined) wordsWithPair.set(pair, [word])
      else if (list[list.length - 1] !== word) list.push(word)
    }
  }
  const queue = new PairQueue()
  for (const [pair, count] of pairCounts) queue.push(count, pair)

  const merges: Array<readonly [number, number]> = []
  const lastMergedIn = new Int32Array(words).fill(-1)
  const currentCount = (pair: number): number => pairCounts.get(pair) ?? 0
  while (BYTE_VOCABULARY + merges.length < vocab) {
    const best = queue.pop(currentCount)
    if (best === undefined || best.count < MIN_PAIR_COUNT) break
    const left = Math.floor(best.pair / vocab)
    const right = best.pair % vocab
    const token = BYTE_VOCABULARY + merges.length
    merges.push([left, right])
    changed.clear()
    for (const word of wordsWithPair.get(best.pair) ?? []) {
      if (lastMergedIn[word] === token) continue
      lastMergedIn[word] = token
      addPairs(word, -1, token)
      const start = wordStart[word] as number
      const end = start + (wordLength[word] as number)
      let out = start
      for (let i = start; i < end; i++) {
        if (i + 1 < end && symbols[i] === left && symbols[i + 1] === right) {
          symbols[out++] = token
          i++
        } else {
          symbols[out++] = symbols[i] as number
        }
      }
      wordLength[word] = out - start
      addPairs(word, 1, token)
    }
    wordsWithPair.delete(best.pair)
    for (const pair of changed) {
      const count = pairCounts.get(pair)
      if (count !== undefined) queue.push(count, pair)
    }
  }
  return { vocab, merges }
}
