// The tokens a run trains and validates on, prepared once per run; and the size of one epoch, which
// the planner needs before any run exists.
import type { CorpusSource, DomainCorpus, Experiment, RunCorpus, RunSpec, Tokenizer } from "@scalelab/spec"
import { BYTE_VOCABULARY } from "@scalelab/spec"
import { Data, Runtime } from "effect"
import {
  type TokenBatch,
  type TokenStream,
  documentSeparator,
  sampleWindows,
  tokenizeDocuments,
  validationWindows
} from "./batches.ts"
import { bpeMerges } from "../tokenizer/bpeCache.ts"
import type { BpeMerges } from "../tokenizer/bpeTraining.ts"
import { bpeTokenizer } from "../tokenizer/bpeTokenizer.ts"
import { type CorpusSplit, loadCorpus, runCorpus, splitDocuments } from "./corpus.ts"
import type { CorpusDocument } from "./corpusDocument.ts"
import { hashString, uniformSource } from "../prng.ts"
import { type TextTokenizer, byteTokenizer, bytesPerToken, tokenArray } from "../tokenizer/tokenizer.ts"

/** One domain of a mixture as a run reads it: its own training stream and fixed validation set. */
export interface DomainData {
  readonly name: string
  /** Probability that a training window comes from this domain. */
  readonly weight: number
  readonly train: TokenStream
  readonly validation: TokenBatch
}

export interface TrainingData {
  readonly tokenizer: TextTokenizer
  /** Every training document (all domains' for a mixture): what memorization prompts and epochs count. */
  readonly train: TokenStream
  /** The fixed validation set; for a mixture, every domain's windows, as many from each. */
  readonly validation: TokenBatch
  /** A mixture's domains, in the order of its corpus; absent for a single corpus. */
  readonly domains?: ReadonlyArray<DomainData>
  /** The held-out documents as one stream: the cloze benchmark draws its items from it. */
  readonly validationStream: TokenStream
  /**
   * UTF-8 bytes per target token of the validation set. A loss in nats per token becomes bits per
   * byte as loss / ln 2 / validationBytesPerToken: comparable across tokenizers.
   */
  readonly validationBytesPerToken: number
}

export interface DataOptions {
  /** Where trained BPE merges are kept and shared (a store's cache folder); without it BPE trains in memory. */
  readonly cacheDirectory?: string
}

export class VocabularyMismatchError extends Data.TaggedError("VocabularyMismatchError")<{
  readonly vocab: number
  readonly tokenizer: Tokenizer
}> {
  override readonly [Runtime.errorExitCode] = 2
  override get message(): string {
    return this.tokenizer === "bytes"
      ? `shape.vocab is ${this.vocab} but the "bytes" tokenizer has ${BYTE_VOCABULARY} tokens. Set shape.vocab to ${BYTE_VOCABULARY}.`
      : `shape.vocab is ${this.vocab} but the "bpe" tokenizer needs more than ${BYTE_VOCABULARY} tokens (the bytes ` +
        "plus its merges). Plan the run again from a spec with data.vocab above 256."
  }
}

export class CorpusTooSmallError extends Data.TaggedError("CorpusTooSmallError")<{
  readonly tokens: number
  readonly context: number
}> {
  override readonly [Runtime.errorExitCode] = 2
  override get message(): string {
    return `The training documents hold ${this.tokens} tokens, not enough for one window of ${this.context + 1} ` +
      "(model.context + 1). Add text to data.corpus, lower data.validation, or lower model.context."
  }
}

/** A run's tokenizer, and for BPE the merges that define it. */
export interface SplitTokenizer {
  readonly tokenizer: TextTokenizer
  readonly merges?: BpeMerges
}

/** The run's tokenizer; BPE learns its merges from the training documents alone. */
function splitTokenizer(train: ReadonlyArray<CorpusDocument>, tokenizer: Tokenizer, vocab: number, options: DataOptions): SplitTokenizer {
  if (tokenizer === "bytes") return { tokenizer: byteTokenizer }
  const texts = train.map((document) => document.text + documentSeparator)
  const merges = bpeMerges(texts, vocab, options.cacheDirectory)
  return { tokenizer: bpeTokenizer(merges), merges }
}

const splitCorpus = (corpus: DomainCorpus, validation: number): CorpusSplit => splitDocuments(loadCorpus(corpus), validation)

/** Token streams packed end to end, their document starts shifted along. */
function concatStreams(streams: ReadonlyArray<TokenStream>, vocab: number): TokenStream {
  const tokens = tokenArray(streams.reduce((total, stream) => total + stream.tokens.length, 0), vocab)
  const starts: Array<number> = []
  let offset = 0
  for (const stream of streams) {
    tokens.set(stream.tokens, offset)
    for (const start of stream.documentStarts) starts.push(start + offset)
    offset += stream.tokens.length
  }
  return { tokens, documentStarts: Int32Array.from(starts) }
}

/** Batches stacked row after row. */
function concatBatches(batches: ReadonlyArray<TokenBatch>, context: number): TokenBatch {
  const sequences = batches.reduce((total, batch) => total + batch.sequences, 0)
  const stacked = { inputs: new Int32Array(sequences * context), targets: new Int32Array(sequences * context), documents: new Int32Array(sequences * context) }
  let offset = 0
  for (const batch of batches) {
    stacked.inputs.set(batch.inputs, offset)
    stacked.targets.set(batch.targets, offset)
    stacked.documents.set(batch.documents, offset)
    offset += batch.inputs.length
  }
  return { sequences, context, ...stacked }
}

/**
 * The first `maxTokens` tokens of the training stream (`data.max_train_tokens`), with the starts of
 * the documents they reach; the whole stream when no cut is set.
 */
export function sliceTokens(stream: TokenStream, maxTokens: number | undefined): TokenStream {
  if (maxTokens === undefined || maxTokens >= stream.tokens.length) return stream
  return { tokens: stream.tokens.subarray(0, maxTokens), documentStarts: stream.documentStarts.filter((start) => start < maxTokens) }
}

/** What fixes a run's token streams: its RunSpec's data section and vocabulary, nothing of the model or training. */
export interface StreamSettings {
  /** One corpus, or a mixture: then each domain is split, and cut to `train_tokens`, on its own. */
  readonly corpus: RunCorpus
  readonly tokenizer: Tokenizer
  readonly vocab: number
  /** Fraction of documents held out for validation. */
  readonly validation: number
  /** The training stream cut to its first this many tokens; absent: all of it. */
  readonly train_tokens?: number
}

/** A RunSpec's stream settings. */
export const runStreamSettings = (spec: RunSpec): StreamSettings => ({
  corpus: spec.data.corpus,
  tokenizer: spec.data.tokenizer,
  vocab: spec.shape.vocab,
  validation: spec.data.validation,
  ...(spec.data.train_tokens === undefined ? {} : { train_tokens: spec.data.train_tokens })
})

/** An experiment's stream settings: what every one of its runs reads (max_train_tokens 0 means no cut). */
export const experimentStreamSettings = (data: Experiment["data"]): StreamSettings => ({
  corpus: runCorpus(data.corpus),
  tokenizer: data.tokenizer,
  vocab: data.vocab,
  validation: data.validation,
  ...(data.max_train_tokens > 0 ? { train_tokens: data.max_train_tokens } : {})
})

/** A mixture domain's tokenized training and validation documents. */
export interface DomainStreams {
  readonly name: string
  readonly weight: number
  readonly train: TokenStream
  readonly validation: TokenStream
}

/** The tokenized training and validation documents, each packed end to end in corpus order (a mixture's domain after domain). */
export interface TokenStreams extends SplitTokenizer {
  readonly train: TokenStream
  readonly validation: TokenStream
  /** A mixture's domains, in its order; absent for a single corpus. */
  readonly domains?: ReadonlyArray<DomainStreams>
}

/**
 * The token streams a run trains and validates on, before any window is cut: the corpus split by
 * document, the tokenizer learnt from the training side, the training stream cut to `train_tokens`.
 */
export function tokenStreams(settings: StreamSettings, options: DataOptions = {}): TokenStreams {
  const { tokenizer: kind, vocab } = settings
  if (kind === "bytes" ? vocab !== BYTE_VOCABULARY : vocab <= BYTE_VOCABULARY) {
    throw new VocabularyMismatchError({ vocab, tokenizer: kind })
  }
  const { corpus } = settings
  if (typeof corpus === "string" || corpus.kind !== "mixture") {
    const split = splitCorpus(corpus, settings.validation)
    const learnt = splitTokenizer(split.train, kind, vocab, options)
    return {
      ...learnt,
      train: sliceTokens(tokenizeDocuments(split.train, learnt.tokenizer), settings.train_tokens),
      validation: tokenizeDocuments(split.validation, learnt.tokenizer)
    }
  }
  // Each domain holds out its own documents first, so every run of the sweep is scored on the same text.
  const splits = corpus.domains.map((domain) => ({ domain, split: splitCorpus(domain.corpus, settings.validation) }))
  const learnt = splitTokenizer(splits.flatMap(({ split }) => split.train), kind, vocab, options)
  const domains = splits.map(({ domain, split }): DomainStreams => ({
    name: domain.name,
    weight: domain.weight,
    train: sliceTokens(tokenizeDocuments(split.train, learnt.tokenizer), settings.train_tokens),
    validation: tokenizeDocuments(split.validation, learnt.tokenizer)
  }))
  return {
    ...learnt,
    train: concatStreams(domains.map((domain) => domain.train), learnt.tokenizer.vocab),
    validation: concatStreams(domains.map((domain) => domain.validation), learnt.tokenizer.vocab),
    domains
  }
}

export function prepareTrainingData(spec: RunSpec, options: DataOptions = {}): TrainingData {
  const { val_tokens } = spec.data
  const { context } = spec.shape
  const { tokenizer, train, validation: validationStream, domains: domainStreams } = tokenStreams(runStreamSettings(spec), options)
  if (domainStreams === undefined) {
    if (train.tokens.length <= context) throw new CorpusTooSmallError({ tokens: train.tokens.length, context })
    const validation = validationWindows(validationStream, context, val_tokens)
    return { tokenizer, train, validation, validationStream, validationBytesPerToken: bytesPerToken(validation.targets, tokenizer) }
  }
  const domains = domainStreams.map((domain): DomainData => {
    // A domain never drawn from needs no training text, only its validation set.
    if (domain.weight > 0 && domain.train.tokens.length <= context) {
      throw new CorpusTooSmallError({ tokens: domain.train.tokens.length, context })
    }
    return { name: domain.name, weight: domain.weight, train: domain.train, validation: validationWindows(domain.validation, context, val_tokens) }
  })
  const validation = concatBatches(domains.map((domain) => domain.validation), context)
  return { tokenizer, train, validation, validationStream, domains, validationBytesPerToken: bytesPerToken(validation.targets, tokenizer) }
}

/** The domain a draw u in [0, 1) falls in, by cumulative weight; the last weighted domain takes rounding's remainder. */
export function domainOfDraw(weights: ReadonlyArray<number>, u: number): number {
  let cumulative = 0
  let last = 0
  for (const [index, weight] of weights.entries()) {
    if (weight <= 0) continue
    cumulative += weight
    last = index
    if (u < cumulative) return index
  }
  return last
}

/**
 * The windows of one step, drawn from a generator seeded by (run seed, step): any step's batch can
 * be rebuilt without replaying the ones before it, which is what resuming from a checkpoint needs.
 * A mixture draws each window's domain with its weight's probability, then the window within it.
 */
export function trainingBatch(data: TrainingData, seed: number, step: number, sequences: number, context: number): TokenBatch {
  const uniform = uniformSource(hashString(`${seed}:${step}`))
  const { domains } = data
  if (domains === undefined) return sampleWindows(data.train, context, sequences, uniform)
  const weights = domains.map((domain) => domain.weight)
  const windows = Array.from({ length: sequences }, () => {
    const domain = domains[domainOfDraw(weights, uniform())] as DomainData
    return sampleWindows(domain.train, context, 1, uniform)
  })
  return concatBatches(windows, context)
}

/** A mixture's domains as runs read them (file domains by their digests), by name. */
export function mixtureDomainCorpora(corpora: Readonly<Record<string, CorpusSource>>): Readonly<Record<string, DomainCorpus>> {
  return Object.fromEntries(Object.entries(corpora).map(([name, source]) => [name, runCorpus(source)]))
}

/** What the planner learns from the corpus before planning: what runs read, and one epoch's size. */
export interface CorpusFacts {
  /** RunSpec.data.corpus: for files, their absolute paths and digests. */
  readonly corpus: RunCorpus
  /** Tokens of the training split under the chosen tokenizer: one epoch. */
  readonly training_tokens: number
}

/**
 * Loads the experiment's corpus (reading files, generating a synthetic source, training BPE, all
 * as a run would) to tell the planner what its runs read and how many tokens one pass over the
 * training split holds.
 */
export function corpusFacts(data: Experiment["data"], options: DataOptions = {}): CorpusFacts {
  const settings = experimentStreamSettings(data)
  const { train } = splitCorpus(runCorpus(data.corpus), settings.validation)
  const { tokenizer } = splitTokenizer(train, settings.tokenizer, settings.vocab, options)
  const training_tokens = sliceTokens(tokenizeDocuments(train, tokenizer), settings.train_tokens).tokens.length
  return { corpus: settings.corpus, training_tokens }
}
