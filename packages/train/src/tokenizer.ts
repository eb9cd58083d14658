// Byte-level tokenizer: every UTF-8 byte is a token, so the vocabulary is fixed at 256 and any
// text encodes without unknown tokens.
export const byteVocabSize = 256

export function encodeBytes(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

export function decodeBytes(tokens: Uint8Array): string {
  return new TextDecoder().decode(tokens)
}
