// Encoding and decoding with learnt BPE merges. A chunk (byteChunks.ts) is encoded by applying, over
// and over, the earliest-learnt merge among its adjacent pairs, which gives the same tokens as
// replaying the merges in training order; each distinct chunk is encoded once and remembered.
import { Buffer } from "node:buffer"
import { BYTE_VOCABULARY } from "@scalelab/spec"
import type { BpeMerges } from "./bpeTraining.ts"
import { forEachChunk } from "./byteChunks.ts"
import { type TextTokenizer, type TokenArray, encodeBytes, tokenArray } from "./tokenizer.ts"

export function bpeTokenizer({ vocab, merges }: BpeMerges): TextTokenizer {
  const rank = new Map<number, number>()
  merges.forEach(([left, right], index) => rank.set(left * vocab + right, index))
  // Ids past the learnt merges (when training ran out of repeated pairs) stand for no bytes.
  const tokenBytes: Array<Uint8Array> = Array.from({ length: vocab }, (_, token) =>
    token < BYTE_VOCABULARY ? Uint8Array.of(token) : new Uint8Array(0))
  merges.forEach(([left, right], index) => {
    const a = tokenBytes[left] as Uint8Array
    const b = tokenBytes[right] as Uint8Array
    const joined = new Uint8Array(a.length + b.length)
    joined.set(a)
    joined.set(b, a.length)
    tokenBytes[BYTE_VOCABULARY + index] = joined
  })

  const encodeChunk = (bytes: Uint8Array): Int32Array => {
    let symbols = Int32Array.from(bytes)
    for (;;) {
      let best = Infinity
      for (let i = 0; i + 1 < symbols.length; i++) {
        const r = rank.get((symbols[i] as number) * vocab + (symbols[i + 1] as number))
        if (r !== undefined && r < best) best = r
      }
      if (best === Infinity) return symbols
      const [left, right] = merges[best] as readonly [number, number]
      const merged = new Int32Array(symbols.length)
      let out = 0
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
          merged[out++] = BYTE_VOCABULARY + best
          i++
        } else {
          merged[out++] = symbols[i] as number
        }
      }
      symbols = merged.subarray(0, out)
    }
  }

  const chunkTokens = new Map<string, Int32Array>()
  const encode = (text: string): TokenArray => {
    const bytes = encodeBytes(text)
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
    const tokens = tokenArray(bytes.length, vocab) // never more tokens than bytes
    let length = 0
    forEachChunk(bytes, (start, end) => {
      const key = buffer.toString("latin1", start, end)
      let encoded = chunkTokens.get(key)
      if (encoded === undefined) {
        encoded = encodeChunk(bytes.subarray(start, end))
        chunkTokens.set(key, encoded)
      }
      tokens.set(encoded, length)
      length += encoded.length
    })
    return tokens.slice(0, length)
  }

  const decode = (tokens: ArrayLike<number>): string => {
    let size = 0
    for (let i = 0; i < tokens.length; i++) size += (tokenBytes[tokens[i] as number] as Uint8Array).length
    const bytes = new Uint8Array(size)
    let at = 0
    for (let i = 0; i < tokens.length; i++) {
      const piece = tokenBytes[tokens[i] as number] as Uint8Array
      bytes.set(piece, at)
      at += piece.length
    }
    return new TextDecoder().decode(bytes)
  }

  return { vocab, encode, decode, byteLength: (token) => (tokenBytes[token] as Uint8Array).length }
}
