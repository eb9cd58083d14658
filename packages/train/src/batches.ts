// Token windows for training and validation. A window of context+1 bytes gives `context` inputs and
// their next-byte targets.
import { Data } from "effect"
import type { CorpusDocument } from "./corpus.ts"
import { encodeBytes } from "./tokenizer.ts"

export interface TokenBatch {
  readonly sequences: number
  readonly context: number
  readonly inputs: Int32Array // [sequences, context]
  readonly targets: Int32Array // [sequences, context]
}

export class ValidationTooLargeError extends Data.TaggedError("ValidationTooLargeError")<{
  readonly requested: number
  readonly available: number
}> {
  override get message(): string {
    return (
      `data.val_tokens = ${this.requested} but the validation documents hold only ${this.available} ` +
      `tokens of complete windows. Lower data.val_tokens or raise data.validation.`
    )
  }
}

const documentSeparator = "\n\n"

export function concatenateDocuments(documents: ReadonlyArray<CorpusDocument>): Uint8Array {
  return encodeBytes(documents.map((d) => d.text).join(documentSeparator))
}

function windowsAt(text: Uint8Array, starts: ArrayLike<number>, context: number): TokenBatch {
  const sequences = starts.length
  const inputs = new Int32Array(sequences * context)
  const targets = new Int32Array(sequences * context)
  for (let s = 0; s < sequences; s++) {
    const start = starts[s] as number
    inputs.set(text.subarray(start, start + context), s * context)
    targets.set(text.subarray(start + 1, start + context + 1), s * context)
  }
  return { sequences, context, inputs, targets }
}

/** `sequences` windows at uniformly drawn offsets of the training text. */
export function sampleWindows(
  text: Uint8Array,
  context: number,
  sequences: number,
  uniform: () => number
): TokenBatch {
  const startRange = text.length - context
  const starts = Array.from({ length: sequences }, () => Math.floor(uniform() * startRange))
  return windowsAt(text, starts, context)
}

/**
 * The fixed validation set: consecutive, non-overlapping windows from the start of the validation
 * text, ceil(valTokens / context) of them; identical for every run with the same context.
 */
export function validationWindows(text: Uint8Array, context: number, valTokens: number): TokenBatch {
  const sequences = Math.ceil(valTokens / context)
  const available = Math.floor((text.length - 1) / context)
  if (sequences > available) throw new ValidationTooLargeError({ requested: valTokens, available: available * context })
  return windowsAt(text, Array.from({ length: sequences }, (_, s) => s * context), context)
}

/** Sequences per step so that the run sees exactly `tokens` tokens; only the last step may be smaller. */
export function sequencesPerStep(tokens: number, batchTokens: number, context: number): ReadonlyArray<number> {
  const full = Math.max(1, Math.floor(batchTokens / context))
  const total = Math.ceil(tokens / context)
  const steps = Math.ceil(total / full)
  return Array.from({ length: steps }, (_, i) => Math.min(full, total - i * full))
}

/** Rows [from, from+count) of a batch, for evaluating a large set in slices. */
export function sliceBatch(batch: TokenBatch, from: number, count: number): TokenBatch {
  const begin = from * batch.context
  const end = (from + count) * batch.context
  return {
    sequences: count,
    context: batch.context,
    inputs: batch.inputs.subarray(begin, end),
    targets: batch.targets.subarray(begin, end)
  }
}
