// A synthetic corpus with a known answer: text from a random sparse order-k Markov chain, whose
// entropy rate is the lowest loss per symbol any model can reach on it. A sweep on it shows how far
// each model is from that floor, which no natural corpus can tell.
import { MARKOV_SYMBOLS, type MarkovCorpus } from "@scalelab/spec"
import { Data, Runtime } from "effect"
import type { CorpusDocument } from "./corpusDocument.ts"
import { hashString, uniformSource } from "../prng.ts"

/**
 * Contexts are the last `order` symbols read as a base-`alphabet` number, oldest digit first, so
 * the context after symbol x is (context · alphabet + x) mod alphabet^order.
 */
export interface MarkovChain {
  readonly alphabet: number
  readonly order: number
  readonly branching: number
  /** [contexts, branching]: the symbols that may follow each context. */
  readonly next: Int32Array
  /** [contexts, branching]: their probabilities; each context's row sums to 1. */
  readonly probabilities: Float64Array
}

const contextCount = (chain: Pick<MarkovChain, "alphabet" | "order">): number => chain.alphabet ** chain.order

export const nextContext = (chain: MarkovChain, context: number, symbol: number): number =>
  (context * chain.alphabet + symbol) % contextCount(chain)

/**
 * The chain of a source, drawn from its seed: for each context, `branching` distinct next symbols
 * chosen uniformly, with probabilities drawn uniformly from the simplex (normalised exponentials).
 */
export function markovChain(source: MarkovCorpus): MarkovChain {
  const { alphabet, order, branching } = source
  const contexts = alphabet ** order
  const uniform = uniformSource(source.seed)
  const next = new Int32Array(contexts * branching)
  const probabilities = new Float64Array(contexts * branching)
  const symbols = Int32Array.from({ length: alphabet }, (_, i) => i)
  for (let context = 0; context < contexts; context++) {
    let total = 0
    for (let j = 0; j < branching; j++) {
      // A partial Fisher-Yates shuffle: the first `branching` places get distinct random symbols.
      const pick = j + Math.floor(uniform() * (alphabet - j))
      const chosen = symbols[pick] as number
      symbols[pick] = symbols[j] as number
      symbols[j] = chosen
      const weight = -Math.log(1 - uniform())
      next[context * branching + j] = chosen
      probabilities[context * branching + j] = weight
      total += weight
    }
    for (let j = 0; j < branching; j++) probabilities[context * branching + j]! /= total
  }
  return { alphabet, order, branching, next, probabilities }
}

/** Each context's successor per branch: [contexts, branching], aligned with `next`. */
function successors(chain: MarkovChain): Int32Array {
  return chain.next.map((symbol, at) => nextContext(chain, Math.floor(at / chain.branching), symbol))
}

/** H(P(·|s)) in nats for every context s. */
function contextEntropies(chain: MarkovChain): Float64Array {
  const entropies = new Float64Array(contextCount(chain))
  chain.probabilities.forEach((p, at) => {
    if (p > 0) entropies[Math.floor(at / chain.branching)]! -= p * Math.log(p)
  })
  return entropies
}

/** `into` = the context distribution one symbol after `from`. */
function advance(chain: MarkovChain, successor: Int32Array, from: Float64Array, into: Float64Array): void {
  into.fill(0)
  const { branching, probabilities } = chain
  for (let context = 0, at = 0; context < from.length; context++) {
    const mass = from[context] as number
    for (let j = 0; j < branching; j++, at++) into[successor[at] as number]! += mass * (probabilities[at] as number)
  }
}

const expectation = (distribution: Float64Array, values: Float64Array): number =>
  distribution.reduce((sum, weight, context) => sum + weight * (values[context] as number), 0)

export class MarkovMixingError extends Data.TaggedError("MarkovMixingError")<{ readonly iterations: number }> {
  override readonly [Runtime.errorExitCode] = 2
  override get message(): string {
    return `The Markov chain's context distribution did not settle within ${this.iterations} steps: some contexts ` +
      "almost always repeat, so the chain mixes too slowly for its long-run entropy rate to be computed. Use " +
      "markovDocumentEntropy for the documents' own floor, or choose a larger branching or a smaller order."
  }
}

/**
 * Settled when the distribution is within this (L1) of its limit. Convergence is geometric: with
 * steps shrinking by a ratio r, the distance left is about step · r / (1 - r).
 */
const STATIONARY_TOLERANCE = 1e-14
/** Multiply-adds allowed for power iteration (about a second), and steps: slow-mixing chains stop here. */
const POWER_ITERATION_WORK = 2 ** 28
const MAX_POWER_ITERATIONS = 1e6

/**
 * Long-run share of time spent in each context when documents start from a uniformly random
 * context. Power iteration on the lazy chain (stay with probability 1/2) converges even when the
 * chain is periodic, and has the same stationary distributions; when the chain has several closed
 * classes, the limit weights each by the chance of ending up in it from the uniform start.
 * Throws MarkovMixingError when it has not settled within a fixed amount of work.
 */
function stationaryDistribution(chain: MarkovChain): Float64Array {
  const contexts = contextCount(chain)
  const successor = successors(chain)
  const maxIterations = Math.min(MAX_POWER_ITERATIONS, Math.max(1000, Math.floor(POWER_ITERATION_WORK / successor.length)))
  let current = new Float64Array(contexts).fill(1 / contexts)
  let following = new Float64Array(contexts)
  let previousChange = Infinity
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    advance(chain, successor, current, following)
    let change = 0
    for (let context = 0; context < contexts; context++) {
      const lazy = 0.5 * ((current[context] as number) + (following[context] as number))
      change += Math.abs(lazy - (current[context] as number))
      following[context] = lazy
    }
    ;[current, following] = [following, current]
    const ratio = change / previousChange
    if (change === 0 || (change < STATIONARY_TOLERANCE && ratio < 1 && (change * ratio) / (1 - ratio) < STATIONARY_TOLERANCE)) {
      return current
    }
    previousChange = change
  }
  throw new MarkovMixingError({ iterations: maxIterations })
}

/** Entropy rate in nats per symbol: H = Σ_s π(s) H(P(·|s)), π the stationary distribution. */
export function markovEntropyRate(chain: MarkovChain): number {
  return expectation(stationaryDistribution(chain), contextEntropies(chain))
}

/**
 * Expected loss per symbol, in nats, of the true chain on a document of `length` symbols as
 * markovSymbols draws it: ln(alphabet) for each of the first `order` symbols, then the entropy of
 * each step's context distribution. The floor a perfect model reaches on these documents; it equals
 * the entropy rate for long documents of a fast-mixing chain, and stays exact when the chain mixes slowly.
 */
export function markovDocumentEntropy(chain: MarkovChain, length: number): number {
  const uniformSteps = Math.min(chain.order, length)
  const successor = successors(chain)
  const entropies = contextEntropies(chain)
  let total = uniformSteps * Math.log(chain.alphabet)
  // After `order` uniform symbols the context is uniform over all contexts.
  let current = new Float64Array(contextCount(chain)).fill(1 / contextCount(chain))
  let following = new Float64Array(current.length)
  for (let t = uniformSteps; t < length; t++) {
    const step = expectation(current, entropies)
    total += step
    advance(chain, successor, current, following)
    let change = 0
    for (let context = 0; context < current.length; context++) {
      change += Math.abs((following[context] as number) - (current[context] as number))
    }
    // Once the distribution stands still, every later step has the same entropy.
    if (change < STATIONARY_TOLERANCE * 1e-2) return (total + (length - t - 1) * step) / length
    ;[current, following] = [following, current]
  }
  return total / length
}

/** Symbols of one document: the first `order` uniformly random, then each drawn from the chain. */
export function markovSymbols(chain: MarkovChain, length: number, uniform: () => number): Int32Array {
  const symbols = new Int32Array(length)
  let context = 0
  for (let t = 0; t < length; t++) {
    let symbol: number
    if (t < chain.order) {
      symbol = Math.floor(uniform() * chain.alphabet)
    } else {
      const row = context * chain.branching
      let u = uniform()
      let j = 0
      while (j < chain.branching - 1 && u >= (chain.probabilities[row + j] as number)) {
        u -= chain.probabilities[row + j] as number
        j++
      }
      symbol = chain.next[row + j] as number
    }
    symbols[t] = symbol
    context = nextContext(chain, context, symbol)
  }
  return symbols
}

/** The documents of a source; each from its own stream, so documents do not depend on how many there are. */
export function markovDocuments(source: MarkovCorpus): ReadonlyArray<CorpusDocument> {
  const chain = markovChain(source)
  return Array.from({ length: source.documents }, (_, index) => {
    const symbols = markovSymbols(chain, source.length, uniformSource(hashString(`markov:${source.seed}:${index}`)))
    return { title: `markov-${index}`, text: Array.from(symbols, (symbol) => MARKOV_SYMBOLS[symbol]).join("") }
  })
}
