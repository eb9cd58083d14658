// The text a run trains and validates on, prepared once per run.
import type { RunSpec } from "@scalelab/spec"
import { Data } from "effect"
import { type TokenBatch, concatenateDocuments, sampleWindows, validationWindows } from "./batches.ts"
import { loadCorpus, splitDocuments } from "./corpus.ts"
import { hashString, uniformSource } from "./prng.ts"
import { byteVocabSize } from "./tokenizer.ts"

export interface TrainingData {
  readonly trainText: Uint8Array
  readonly validation: TokenBatch
}

export class VocabularyMismatchError extends Data.TaggedError("VocabularyMismatchError")<{
  readonly vocab: number
  readonly tokenizer: string
}> {
  override get message(): string {
    return `shape.vocab is ${this.vocab} but the "${this.tokenizer}" tokenizer has ${byteVocabSize} tokens. Set shape.vocab to ${byteVocabSize}.`
  }
}

const splitCorpus = (corpus: string, validation: number) => splitDocuments(loadCorpus(corpus), validation)

/** Unique training tokens of a corpus after the validation split: what one epoch is. The planner needs it. */
export function trainingTokenCount(corpus: string, validation: number): number {
  return concatenateDocuments(splitCorpus(corpus, validation).train).length
}

export function prepareTrainingData(spec: RunSpec): TrainingData {
  if (spec.shape.vocab !== byteVocabSize) {
    throw new VocabularyMismatchError({ vocab: spec.shape.vocab, tokenizer: spec.data.tokenizer })
  }
  const split = splitCorpus(spec.data.corpus, spec.data.validation)
  return {
    trainText: concatenateDocuments(split.train),
    validation: validationWindows(concatenateDocuments(split.validation), spec.shape.context, spec.data.val_tokens)
  }
}

/**
 * The windows of one step, drawn from a generator seeded by (run seed, step): any step's batch can
 * be rebuilt without replaying the ones before it, which is what resuming from a checkpoint needs.
 */
export function trainingBatch(data: TrainingData, seed: number, step: number, sequences: number, context: number): TokenBatch {
  return sampleWindows(data.trainText, context, sequences, uniformSource(hashString(`${seed}:${step}`)))
}
