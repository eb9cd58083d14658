// Splits UTF-8 bytes into the chunks BPE merges within: words, numbers, runs of punctuation and of
// whitespace, each word taking the one space before it (" whale"). Merges never cross a chunk, so
// the vocabulary spends its entries on pieces of words rather than on word pairs, and training and
// encoding can work on each distinct chunk once. The chunks partition the bytes exactly, which is
// what makes decoding the inverse of encoding.

const LETTER = 0 // ASCII letters and every byte of a non-ASCII character, so accented words stay whole
const DIGIT = 1
const PUNCTUATION = 2
const WHITESPACE = 3
const SPACE = 0x20

/**
 * Longest chunk. A run longer than this (a synthetic text without spaces, a wall of dashes) is cut,
 * which bounds encoding, quadratic in a chunk's length, and costs nothing on natural text.
 */
export const MAX_CHUNK_BYTES = 64

const byteClass = new Uint8Array(256).map((_, byte) =>
  byte >= 0x80 || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
    ? LETTER
    : byte >= 0x30 && byte <= 0x39
    ? DIGIT
    : byte === SPACE || byte === 0x09 || byte === 0x0a || byte === 0x0b || byte === 0x0c || byte === 0x0d
    ? WHITESPACE
    : PUNCTUATION
)

const classOf = (bytes: Uint8Array, index: number): number => byteClass[bytes[index] as number] as number

/** Calls `chunk(start, end)` for consecutive chunks that together cover `bytes`. */
export function forEachChunk(bytes: Uint8Array, chunk: (start: number, end: number) => void): void {
  let start = 0
  while (start < bytes.length) {
    const startClass = classOf(bytes, start)
    let end = start + 1
    if (bytes[start] === SPACE && end < bytes.length && classOf(bytes, end) !== WHITESPACE) {
      // A single space joins the word, number or punctuation that follows it.
      const runClass = classOf(bytes, end)
      while (end < bytes.length && classOf(bytes, end) === runClass) end++
    } else {
      while (end < bytes.length && classOf(bytes, end) === startClass) end++
      // Whitespace before a word leaves its last space to the word, as a lone space would be.
      if (startClass === WHITESPACE && end < bytes.length && end - start >= 2 && bytes[end - 1] === SPACE) end--
    }
    for (let cut = Math.min(end, start + MAX_CHUNK_BYTES); ; cut = Math.min(end, cut + MAX_CHUNK_BYTES)) {
      chunk(start, cut)
      start = cut
      if (cut === end) break
    }
  }
}
