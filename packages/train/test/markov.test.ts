import { MARKOV_SYMBOLS, type MarkovCorpus } from "@scalelab/spec"
import { describe, expect, it } from "vitest"
import {
  type MarkovChain,
  MarkovMixingError,
  markovChain,
  markovDocumentEntropy,
  markovDocuments,
  markovEntropyRate,
  markovSymbols,
  nextContext
} from "../src/data/markovSource.ts"
import { uniformSource } from "../src/prng.ts"

const binaryEntropy = (p: number): number => -p * Math.log(p) - (1 - p) * Math.log(1 - p)

/** An order-1 chain over two symbols: 0 → 1 with probability p, 1 → 0 with probability q. */
const twoState = (p: number, q: number): MarkovChain => ({
  alphabet: 2,
  order: 1,
  branching: 2,
  next: Int32Array.of(0, 1, 0, 1),
  probabilities: Float64Array.of(1 - p, p, q, 1 - q)
})

const source = (overrides: Partial<MarkovCorpus> = {}): MarkovCorpus => ({
  kind: "markov",
  alphabet: 8,
  order: 2,
  branching: 3,
  documents: 20,
  length: 500,
  seed: 5,
  ...overrides
})

describe("Markov entropy rate", () => {
  it("matches the closed form of a two-state chain", () => {
    const [p, q] = [0.1, 0.3]
    // Stationary distribution (q, p) / (p + q).
    const expected = (q * binaryEntropy(p) + p * binaryEntropy(q)) / (p + q)
    expect(markovEntropyRate(twoState(p, q))).toBeCloseTo(expected, 12)
  })

  it("is ln(alphabet) when every context goes to every symbol with equal probability", () => {
    const chain: MarkovChain = {
      alphabet: 3,
      order: 2,
      branching: 3,
      next: Int32Array.from({ length: 27 }, (_, at) => at % 3),
      probabilities: new Float64Array(27).fill(1 / 3)
    }
    expect(markovEntropyRate(chain)).toBeCloseTo(Math.log(3), 12)
  })

  it("settles on a periodic chain: 0 goes to 1 or 2 evenly, both go back to 0", () => {
    const chain: MarkovChain = {
      alphabet: 3,
      order: 1,
      branching: 2,
      next: Int32Array.of(1, 2, 0, 0, 0, 0),
      probabilities: Float64Array.of(0.5, 0.5, 1, 0, 1, 0)
    }
    // Half the time in context 0, whose next symbol carries ln 2 nats; the others are certain.
    expect(markovEntropyRate(chain)).toBeCloseTo(Math.log(2) / 2, 12)
  })

  it("refuses a chain that mixes too slowly to settle", () => {
    expect(() => markovEntropyRate(twoState(1e-7, 3e-7))).toThrow(MarkovMixingError)
  })

  it("agrees with the negative log-likelihood of a long sample", () => {
    const chain = markovChain(source())
    const uniform = uniformSource(99)
    let nats = 0
    let counted = 0
    let allNats = 0
    let impossible = 0
    const documents = 200
    const length = 1000
    for (let d = 0; d < documents; d++) {
      const symbols = markovSymbols(chain, length, uniform)
      let context = 0
      symbols.forEach((symbol, t) => {
        if (t < chain.order) {
          allNats += Math.log(chain.alphabet)
        } else {
          const row = context * chain.branching
          const j = chain.next.subarray(row, row + chain.branching).indexOf(symbol)
          if (j < 0) impossible++
          const surprise = -Math.log(chain.probabilities[row + j] as number)
          nats += surprise
          allNats += surprise
          counted++
        }
        context = nextContext(chain, context, symbol)
      })
    }
    expect(impossible).toBe(0)
    // 200 000 symbols: the standard error of the mean surprise is about 0.002 nats.
    expect(Math.abs(nats / counted - markovEntropyRate(chain))).toBeLessThan(0.01)
    expect(Math.abs(allNats / (documents * length) - markovDocumentEntropy(chain, length))).toBeLessThan(0.01)
  })

  it("charges the first `order` symbols ln(alphabet) each in a document's own floor", () => {
    const chain = markovChain(source())
    const rate = markovEntropyRate(chain)
    const length = 4000
    // This chain mixes within a few dozen steps, so only the uniform start stands out.
    expect(markovDocumentEntropy(chain, length)).toBeCloseTo((2 * Math.log(8) + (length - 2) * rate) / length, 3)
    expect(markovDocumentEntropy(chain, 2)).toBeCloseTo(Math.log(8), 12)
  })
})

describe("Markov source", () => {
  it("draws each context's next symbols distinct, with probabilities summing to 1, from the seed", () => {
    const chain = markovChain(source())
    expect(chain.next).toHaveLength(64 * 3)
    for (let context = 0; context < 64; context++) {
      const row = chain.next.subarray(context * 3, context * 3 + 3)
      expect(new Set(row).size).toBe(3)
      for (const symbol of row) expect(symbol).toBeLessThan(8)
      const total = chain.probabilities.subarray(context * 3, context * 3 + 3).reduce((a, b) => a + b, 0)
      expect(total).toBeCloseTo(1, 12)
    }
    expect(markovChain(source())).toEqual(chain)
    expect(Array.from(markovChain(source({ seed: 6 })).next)).not.toEqual(Array.from(chain.next))
  })

  it("writes documents of the first `alphabet` symbols, each independent of how many there are", () => {
    const documents = markovDocuments(source())
    expect(documents).toHaveLength(20)
    const allowed = new Set(MARKOV_SYMBOLS.slice(0, 8))
    for (const document of documents) {
      expect(document.text).toHaveLength(500)
      expect([...document.text].every((symbol) => allowed.has(symbol))).toBe(true)
    }
    expect(markovDocuments(source({ documents: 3 }))[2]).toEqual(documents[2])
    expect(new Set(documents.map((d) => d.text)).size).toBe(20)
  })
})
