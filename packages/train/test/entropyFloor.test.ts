// The trainer against a source whose irreducible loss is known exactly: a Markov chain's entropy
// rate. A model large enough to represent the chain, trained long enough, must approach it from
// above; no model may beat it (beyond sampling noise of the finite validation set).
import type { MarkovCorpus } from "@scalelab/spec"
import { describe, expect, it } from "vitest"
import { markovChain, markovDocumentEntropy } from "../src/data/markovSource.ts"
import { trainRun } from "../src/run/trainRun.ts"
import { tinyShape, tinySpec } from "./tinySpec.ts"

describe("training on a synthetic source with a known entropy rate", () => {
  it("reaches validation loss within 4% of the source's exact entropy", async () => {
    const corpus: MarkovCorpus = { kind: "markov", alphabet: 8, order: 1, branching: 3, documents: 100, length: 2000, seed: 3 }
    const floor = markovDocumentEntropy(markovChain(corpus), corpus.length)
    const base = tinySpec()
    const spec = tinySpec({
      shape: tinyShape({ context: 32 }),
      tokens: 160 * 1024,
      data: { ...base.data, corpus, validation: 0.1, val_tokens: 8192 },
      training: { ...base.training, lr: 1e-2, batch_tokens: 1024, warmup: 0.05 },
      eval: { ...base.eval, every: 1 }
    })
    const outcome = await trainRun(spec)
    if (outcome.kind !== "finished") throw new Error("the run did not finish")
    const { val_loss } = outcome.result
    expect(val_loss).toBeGreaterThan(floor * 0.97)
    expect(val_loss).toBeLessThan(floor * 1.04) // measured: 1.9% above after 160k tokens
  }, 120_000)
})
