// What every tokenizer offers, and the byte tokenizer: every UTF-8 byte is a token, so the
// vocabulary is fixed at 256 and any text encodes without unknown tokens.
import { BYTE_VOCABULARY } from "@scalelab/spec"

export const byteVocabSize = BYTE_VOCABULARY

/** Token ids in the narrowest array that holds the vocabulary. */
export type TokenArray = Uint8Array | Uint16Array | Int32Array

export function tokenArray(length: number, vocab: number): TokenArray {
  return vocab <= 0x100 ? new Uint8Array(length) : vocab <= 0x10000 ? new Uint16Array(length) : new Int32Array(length)
}

export interface TextTokenizer {
  readonly vocab: number
  encode(text: string): TokenArray
  decode(tokens: ArrayLike<number>): string
  /** How many UTF-8 bytes a token stands for: what converts a loss per token into one per byte. */
  byteLength(token: number): number
}

export function encodeBytes(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

export function decodeBytes(tokens: Uint8Array): string {
  return new TextDecoder().decode(tokens)
}

export const byteTokenizer: TextTokenizer = {
  vocab: byteVocabSize,
  encode: encodeBytes,
  decode: (tokens) => decodeBytes(Uint8Array.from(tokens)),
  byteLength: () => 1
}

/** Mean UTF-8 bytes per token of `tokens`. */
export function bytesPerToken(tokens: ArrayLike<number>, tokenizer: TextTokenizer): number {
  let bytes = 0
  for (let i = 0; i < tokens.length; i++) bytes += tokenizer.byteLength(tokens[i] as number)
  return bytes / tokens.length
}
