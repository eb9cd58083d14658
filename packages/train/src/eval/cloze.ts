// A cloze benchmark cut from held-out text: after a prompt, which of `choices` continuations is the
// true one? Its two numbers are those of the Llama 3 paper's two-stage forecast of downstream
// accuracy (§3.2.1): the true continuation's negative log-likelihood per byte, which falls smoothly
// with compute, and accuracy, which follows that loss through a sigmoid.
import type { RunSpec } from "@scalelab/spec"
import * as tf from "@tensorflow/tfjs-core"
import { Data, Runtime } from "effect"
import type { TokenStream } from "../data/batches.ts"
import { type ModelConstants, logits } from "../model/model.ts"
import type { Weights } from "../model/parameters.ts"
import { hashString, uniformSource } from "../prng.ts"
import type { TextTokenizer } from "../tokenizer/tokenizer.ts"

export type ClozeSettings = RunSpec["eval"]["cloze"]

/** What the benchmark needs of a tokenizer: the text of a token (to find words) and its length in bytes. */
export type TokenText = Pick<TextTokenizer, "decode" | "byteLength">

export interface ClozeItem {
  /** The text before the true continuation, within its document, as many tokens as fit beside the longest choice. */
  readonly prompt: Int32Array
  readonly choices: ReadonlyArray<Int32Array>
  /** UTF-8 bytes of each choice: what turns a log-likelihood into one per byte. */
  readonly choiceBytes: ReadonlyArray<number>
  /** Index of the true continuation among the choices. */
  readonly answer: number
}

export interface ClozeScore {
  /** Fraction of items whose true continuation has the highest log-likelihood per byte; chance is 1 / choices. */
  readonly accuracy: number
  /** Mean over items of the true continuation's negative log-likelihood per byte, in nats. */
  readonly nll_per_byte: number
}

export class ClozeTextTooSmallError extends Data.TaggedError("ClozeTextTooSmallError")<{
  readonly items: number
  readonly choices: number
  readonly spans: number
}> {
  override readonly [Runtime.errorExitCode] = 2
  override get message(): string {
    return (
      `eval.cloze asks for ${this.items} questions of ${this.choices} distinct continuations, but the validation ` +
      `text holds only ${this.spans} continuations of whole words to draw them from. Lower eval.cloze.items or ` +
      "eval.cloze.choices, raise data.validation, or set eval.cloze.items to 0 to turn the benchmark off."
    )
  }
}

/** Tokens [start, end) of the stream, whole words of one document, `bytes` long. */
interface Span {
  readonly start: number
  readonly end: number
  readonly bytes: number
  readonly documentStart: number
}

/**
 * Every continuation the text offers: from each word start, as many whole words as fit in
 * `maxBytes`, kept when they make at least half of it. A word starts where the text reads a space
 * and then something other than whitespace; byte tokens and this project's BPE both put a word's
 * space at its front, so a word start is always a token boundary. A text without spaces (a
 * synthetic source) is cut at every token instead. A span never reaches its document's end, and
 * never starts at it, so that every prompt holds at least one token.
 */
function continuationSpans(stream: TokenStream, text: TokenText, maxBytes: number): Array<Span> {
  const { tokens, documentStarts } = stream
  const pieces = new Map<number, string>()
  const pieceOf = (p: number): string => {
    const token = tokens[p] as number
    let piece = pieces.get(token)
    if (piece === undefined) pieces.set(token, (piece = text.decode([token])))
    return piece
  }
  const startsWord = (p: number): boolean => {
    const piece = pieceOf(p)
    if (piece[0] !== " ") return false
    const next = piece.length > 1 ? piece[1] : p + 1 < tokens.length ? pieceOf(p + 1)[0] : undefined
    return next !== undefined && !/\s/u.test(next)
  }
  let anyWord = false
  for (let p = 0; p < tokens.length && !anyWord; p++) anyWord = startsWord(p)
  const isCut = anyWord ? startsWord : () => true

  const offsets = new Float64Array(tokens.length + 1)
  for (let p = 0; p < tokens.length; p++) offsets[p + 1] = (offsets[p] as number) + text.byteLength(tokens[p] as number)
  const minBytes = Math.ceil(maxBytes / 2)
  const spans: Array<Span> = []
  documentStarts.forEach((documentStart, d) => {
    const documentEnd = d + 1 < documentStarts.length ? (documentStarts[d + 1] as number) : tokens.length
    const cuts: Array<number> = []
    for (let p = documentStart + 1; p < documentEnd; p++) if (isCut(p)) cuts.push(p)
    let last = 0 // the furthest cut within maxBytes of cut i; it only moves forward as i does
    cuts.forEach((start, i) => {
      last = Math.max(last, i)
      while (last + 1 < cuts.length && (offsets[cuts[last + 1] as number] as number) - (offsets[start] as number) <= maxBytes) last++
      const end = cuts[last] as number
      const bytes = (offsets[end] as number) - (offsets[start] as number)
      if (bytes >= minBytes) spans.push({ start, end, bytes, documentStart })
    })
  })
  return spans
}

/** Span indices in order of length, and the range of them within `tolerance` bytes of a length. */
function lengthIndex(spans: ReadonlyArray<Span>) {
  const order = spans.map((_, i) => i).sort((a, b) => (spans[a] as Span).bytes - (spans[b] as Span).bytes || a - b)
  const firstAtLeast = (bytes: number) => {
    let low = 0
    let high = order.length
    while (low < high) {
      const middle = (low + high) >> 1
      if ((spans[order[middle] as number] as Span).bytes < bytes) low = middle + 1
      else high = middle
    }
    return low
  }
  return {
    order,
    around: (bytes: number, tolerance: number) => ({ from: firstAtLeast(bytes - tolerance), to: firstAtLeast(bytes + tolerance + 1) })
  }
}

/**
 * The cloze items of a held-out token stream (its documents packed as for validation). The true
 * continuations are spread evenly over the text; each item's other choices are continuations of
 * about the same length from elsewhere, all distinct in text, none overlapping the item's prompt or
 * answer. Everything follows from the stream, the settings and the context (no run seed): every run
 * of an experiment with the same data settings gets the same items. Continuations are cut to at
 * most half the context, so a prompt always keeps the other half.
 * Throws ClozeTextTooSmallError when the text cannot supply the items.
 */
export function buildClozeItems(
  stream: TokenStream,
  text: TokenText,
  settings: ClozeSettings,
  context: number
): Array<ClozeItem> {
  const { items: count, choices } = settings
  if (count === 0) return []
  const spans = continuationSpans(stream, text, Math.max(1, Math.min(settings.answer_bytes, Math.floor(context / 2))))
  const tooSmall = () => new ClozeTextTooSmallError({ items: count, choices, spans: spans.length })
  if (spans.length < count) throw tooSmall()
  const byLength = lengthIndex(spans)
  const uniform = uniformSource(hashString("cloze"))
  const tokensOf = (span: Span) => Int32Array.from(stream.tokens.subarray(span.start, span.end))
  const textOf = (span: Span) => text.decode(stream.tokens.subarray(span.start, span.end))
  const wanted = choices - 1
  const attempts = 64 * choices

  return Array.from({ length: count }, (_, item) => {
    const truth = spans[Math.floor(((item + 0.5) * spans.length) / count)] as Span
    // The prompt reaches back at most `context` tokens, and not past its document's start; a span
    // overlapping [from, truth.end) would repeat text the model is shown or asked for.
    const from = Math.max(truth.documentStart, truth.start - context)
    const seen = new Set([textOf(truth)])
    const others: Array<Span> = []
    // The narrowest window of lengths that offers enough candidates, widened as needed.
    let tolerance = Math.max(1, Math.round(truth.bytes / 8))
    let window = byLength.around(truth.bytes, tolerance)
    while (window.to - window.from < 8 * wanted && window.to - window.from < spans.length) {
      tolerance *= 2
      window = byLength.around(truth.bytes, tolerance)
    }
    for (let attempt = 0; attempt < attempts && others.length < wanted; attempt++) {
      const candidate = spans[byLength.order[window.from + Math.floor(uniform() * (window.to - window.from))] as number] as Span
      if (candidate.start < truth.end && candidate.end > from) continue
      const candidateText = textOf(candidate)
      if (seen.has(candidateText)) continue
      seen.add(candidateText)
      others.push(candidate)
    }
    if (others.length < wanted) throw tooSmall()
    const answer = Math.floor(uniform() * choices)
    const ordered = [...others.slice(0, answer), truth, ...others.slice(answer)]
    const longest = Math.max(...ordered.map((span) => span.end - span.start))
    const promptLength = Math.min(truth.start - truth.documentStart, context + 1 - longest)
    return {
      prompt: Int32Array.from(stream.tokens.subarray(truth.start - promptLength, truth.start)),
      choices: ordered.map(tokensOf),
      choiceBytes: ordered.map((span) => span.bytes),
      answer
    }
  })
}

/**
 * Log-likelihood (nats) of every choice of every item after its prompt: `result[item][choice]`.
 * Each choice is one sequence, prompt then choice, padded to the context; about `sequencesPerPass`
 * sequences (whole items) go through the model at once. A sequence holds one document, so the
 * causal mask is the right one with document masking too.
 */
export async function choiceLogLikelihoods(
  weights: Weights,
  items: ReadonlyArray<ClozeItem>,
  constants: ModelConstants,
  sequencesPerPass: number
): Promise<Array<Float64Array>> {
  const { context, vocab } = constants.shape
  const results: Array<Float64Array> = []
  const choices = items[0]?.choices.length ?? 1
  const itemsPerPass = Math.max(1, Math.floor(sequencesPerPass / choices))
  for (let first = 0; first < items.length; first += itemsPerPass) {
    const pass = items.slice(first, first + itemsPerPass)
    const rows = pass.flatMap((item) => item.choices.map((choice) => ({ prompt: item.prompt, choice })))
    const inputs = new Int32Array(rows.length * context)
    const positions: Array<number> = [] // rows of the logits that predict a choice's tokens
    const targets: Array<number> = []
    const rowOf: Array<number> = []
    rows.forEach(({ prompt, choice }, row) => {
      if (prompt.length + choice.length > context + 1 || prompt.length === 0) {
        throw new Error(`a cloze sequence of ${prompt.length} + ${choice.length} tokens does not fit a context of ${context}`)
      }
      inputs.set(prompt, row * context)
      inputs.set(choice.subarray(0, choice.length - 1), row * context + prompt.length)
      choice.forEach((token, k) => {
        positions.push(row * context + prompt.length - 1 + k)
        targets.push(token)
        rowOf.push(row)
      })
    })
    const tokenLogLikelihoods = tf.tidy(() => {
      const out = logits(weights, tf.tensor2d(inputs, [rows.length, context], "int32"), constants.causalMask, constants)
      const predicting = tf.gather(out, tf.tensor1d(positions, "int32"))
      const picked = tf.sum(tf.mul(predicting, tf.oneHot(tf.tensor1d(targets, "int32"), vocab)), -1)
      return tf.sub(picked, tf.logSumExp(predicting, -1))
    })
    // Read back asynchronously: WebGPU in Node has no synchronous read-back.
    const values = await tokenLogLikelihoods.data()
    tokenLogLikelihoods.dispose()
    const perRow = new Float64Array(rows.length)
    values.forEach((value, i) => {
      const row = rowOf[i] as number
      perRow[row] = (perRow[row] as number) + value
    })
    pass.forEach((item, i) => results.push(perRow.slice(i * item.choices.length, (i + 1) * item.choices.length)))
  }
  return results
}

/**
 * Accuracy and normalised loss from each choice's log-likelihood. An item scores 1 when its true
 * continuation has the highest log-likelihood per byte; a tie at the top shares the point, which is
 * what breaking the tie at random would score on average, so a model indifferent between choices
 * scores exactly chance.
 */
export function clozeScore(items: ReadonlyArray<ClozeItem>, logLikelihoods: ReadonlyArray<ArrayLike<number>>): ClozeScore {
  if (items.length === 0) throw new Error("a cloze score needs at least one item")
  let correct = 0
  let nll = 0
  items.forEach((item, i) => {
    const likelihoods = logLikelihoods[i] as ArrayLike<number>
    const perByte = item.choiceBytes.map((bytes, c) => (likelihoods[c] as number) / bytes)
    const truth = perByte[item.answer] as number
    const best = Math.max(...perByte)
    if (truth === best) correct += 1 / perByte.filter((value) => value === best).length
    nll -= truth
  })
  return { accuracy: correct / items.length, nll_per_byte: nll / items.length }
}

/** The benchmark's score for the model with these weights (see buildClozeItems for the items). */
export async function scoreCloze(
  weights: Weights,
  items: ReadonlyArray<ClozeItem>,
  constants: ModelConstants,
  sequencesPerPass: number
): Promise<ClozeScore> {
  return clozeScore(items, await choiceLogLikelihoods(weights, items, constants, sequencesPerPass))
}
