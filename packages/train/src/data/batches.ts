// Token windows for training and validation. A window of context+1 tokens gives `context` inputs and
// their next-token targets, and says which document each input belongs to, so attention can be kept
// within a document although windows are cut from documents packed end to end.
import { Data, Runtime } from "effect"
import type { CorpusDocument } from "./corpusDocument.ts"
import { type TextTokenizer, type TokenArray, tokenArray } from "../tokenizer/tokenizer.ts"

export interface TokenBatch {
  readonly sequences: number
  readonly context: number
  readonly inputs: Int32Array // [sequences, context]
  readonly targets: Int32Array // [sequences, context]
  /** [sequences, context]: a document id per input position; equal ids mean the same document. */
  readonly documents: Int32Array
}

/** A split's documents as one token sequence. */
export interface TokenStream {
  readonly tokens: TokenArray
  /** Where each document's tokens begin, ascending from 0. */
  readonly documentStarts: Int32Array
}

export class ValidationTooLargeError extends Data.TaggedError("ValidationTooLargeError")<{
  readonly requested: number
  readonly available: number
}> {
  override readonly [Runtime.errorExitCode] = 2
  override get message(): string {
    return (
      `data.val_tokens = ${this.requested} but the validation documents hold only ${this.available} ` +
      `tokens of complete windows. Lower data.val_tokens or raise data.validation.`
    )
  }
}

/**
 * Ends every document. It belongs to the document it ends: predicting it means predicting that the
 * document is over, which only that document's own text can inform.
 */
export const documentSeparator = "\n\n"

/** Each document encoded on its own, so no token straddles two documents, then packed in order. */
export function tokenizeDocuments(documents: ReadonlyArray<CorpusDocument>, tokenizer: TextTokenizer): TokenStream {
  const encoded = documents.map((document) => tokenizer.encode(document.text + documentSeparator))
  const documentStarts = new Int32Array(documents.length)
  let length = 0
  encoded.forEach((tokens, index) => {
    documentStarts[index] = length
    length += tokens.length
  })
  const tokens = tokenArray(length, tokenizer.vocab)
  encoded.forEach((part, index) => tokens.set(part, documentStarts[index] as number))
  return { tokens, documentStarts }
}

/** Index of the document holding token `position`: the last start at or before it. */
function documentAt(starts: Int32Array, position: number): number {
  let low = 0
  let high = starts.length - 1
  while (low < high) {
    const middle = (low + high + 1) >> 1
    if ((starts[middle] as number) <= position) low = middle
    else high = middle - 1
  }
  return low
}

function windowsAt(stream: TokenStream, starts: ArrayLike<number>, context: number): TokenBatch {
  const { tokens, documentStarts } = stream
  const sequences = starts.length
  const inputs = new Int32Array(sequences * context)
  const targets = new Int32Array(sequences * context)
  const documents = new Int32Array(sequences * context)
  for (let s = 0; s < sequences; s++) {
    const start = starts[s] as number
    inputs.set(tokens.subarray(start, start + context), s * context)
    targets.set(tokens.subarray(start + 1, start + context + 1), s * context)
    let document = documentAt(documentStarts, start)
    for (let t = 0; t < context; t++) {
      while (document + 1 < documentStarts.length && (documentStarts[document + 1] as number) <= start + t) document++
      documents[s * context + t] = document
    }
  }
  return { sequences, context, inputs, targets, documents }
}

/** `sequences` windows at uniformly drawn offsets of the training tokens. */
export function sampleWindows(stream: TokenStream, context: number, sequences: number, uniform: () => number): TokenBatch {
  const startRange = stream.tokens.length - context
  const starts = Array.from({ length: sequences }, () => Math.floor(uniform() * startRange))
  return windowsAt(stream, starts, context)
}

/**
 * The fixed validation set: consecutive, non-overlapping windows from the start of the validation
 * tokens, ceil(valTokens / context) of them; identical for every run with the same context.
 */
export function validationWindows(stream: TokenStream, context: number, valTokens: number): TokenBatch {
  const sequences = Math.ceil(valTokens / context)
  const available = Math.floor((stream.tokens.length - 1) / context)
  if (sequences > available) throw new ValidationTooLargeError({ requested: valTokens, available: available * context })
  return windowsAt(stream, Array.from({ length: sequences }, (_, s) => s * context), context)
}

// The step plan is part of the run contract: the planner counts a run's steps with it too (an
// annealing probe names the step its checkpoint ended at).
export { sequencesPerStep } from "@scalelab/spec"

/** Rows [from, from+count) of a batch, for evaluating a large set in slices. */
export function sliceBatch(batch: TokenBatch, from: number, count: number): TokenBatch {
  const begin = from * batch.context
  const end = (from + count) * batch.context
  return {
    sequences: count,
    context: batch.context,
    inputs: batch.inputs.subarray(begin, end),
    targets: batch.targets.subarray(begin, end),
    documents: batch.documents.subarray(begin, end)
  }
}
