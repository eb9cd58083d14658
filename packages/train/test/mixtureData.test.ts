// A data mixture: each domain keeps its own validation split, training windows come from each
// domain with its weight's probability (deterministically per seed and step), and a run reports
// its loss on every domain.
import type { MarkovCorpus, MetricLine, MixtureRunCorpus, RunSpec } from "@scalelab/spec"
import { beforeAll, describe, expect, it } from "vitest"
import { selectBackend } from "../src/backend/backend.ts"
import { domainOfDraw, prepareTrainingData, trainingBatch } from "../src/data/trainingData.ts"
import { trainRun } from "../src/run/trainRun.ts"
import { tinySpec } from "./tinySpec.ts"

// Four symbols a-d: a window of this domain holds only these bytes and the document separator.
const markov: MarkovCorpus = { kind: "markov", alphabet: 4, order: 1, branching: 2, documents: 40, length: 600, seed: 3 }
const markovBytes = new Set([..."abcd\n"].map((c) => c.charCodeAt(0)))

const mixture = (mobyWeight: number): MixtureRunCorpus => ({
  kind: "mixture",
  domains: [{ name: "moby", corpus: "moby-dick", weight: mobyWeight }, { name: "markov", corpus: markov, weight: 1 - mobyWeight }]
})

const mixedSpec = (mobyWeight: number, overrides: Partial<RunSpec> = {}): RunSpec =>
  tinySpec({ data: { ...tinySpec().data, corpus: mixture(mobyWeight) }, ...overrides })

/** The fraction of a batch's windows drawn from the Markov domain. */
const markovFraction = (batch: { sequences: number; context: number; inputs: Int32Array }): number => {
  let count = 0
  for (let s = 0; s < batch.sequences; s++) {
    const row = batch.inputs.subarray(s * batch.context, (s + 1) * batch.context)
    if (row.every((token) => markovBytes.has(token))) count++
  }
  return count / batch.sequences
}

describe("mixture data", () => {
  it("keeps each domain's own validation split: the windows it would have alone", () => {
    const data = prepareTrainingData(mixedSpec(0.5))
    expect(data.domains?.map((domain) => domain.name)).toEqual(["moby", "markov"])
    const alone = {
      moby: prepareTrainingData(tinySpec()).validation,
      markov: prepareTrainingData(tinySpec({ data: { ...tinySpec().data, corpus: markov } })).validation
    }
    for (const domain of data.domains ?? []) {
      expect(Array.from(domain.validation.inputs)).toEqual(Array.from(alone[domain.name as "moby" | "markov"].inputs))
    }
    // The run's validation set is every domain's windows, as many from each.
    expect(data.validation.sequences).toBe(alone.moby.sequences + alone.markov.sequences)
  })

  it("draws each training window from a domain with its weight's probability, the same for the same (seed, step)", () => {
    const data = prepareTrainingData(mixedSpec(0.25))
    const batches = Array.from({ length: 60 }, (_, step) => trainingBatch(data, 7, step, 8, 32))
    const fraction = batches.reduce((total, batch) => total + markovFraction(batch), 0) / batches.length
    // 480 windows at p = 0.75: the standard error is 0.02.
    expect(fraction).toBeGreaterThan(0.69)
    expect(fraction).toBeLessThan(0.81)
    expect(Array.from(trainingBatch(data, 7, 5, 8, 32).inputs)).toEqual(Array.from(batches[5]!.inputs))
    expect(Array.from(trainingBatch(data, 8, 5, 8, 32).inputs)).not.toEqual(Array.from(batches[5]!.inputs))
  })

  it("never draws from a domain of weight 0", () => {
    const onlyMoby = prepareTrainingData(mixedSpec(1))
    const onlyMarkov = prepareTrainingData(mixedSpec(0))
    for (let step = 0; step < 10; step++) {
      expect(markovFraction(trainingBatch(onlyMoby, 1, step, 8, 32))).toBe(0)
      expect(markovFraction(trainingBatch(onlyMarkov, 1, step, 8, 32))).toBe(1)
    }
    expect(domainOfDraw([0.5, 0, 0.5], 0.5)).toBe(2)
    expect(domainOfDraw([0.3, 0.7, 0], 0.999999)).toBe(1)
  })
})

describe("a mixture run", () => {
  beforeAll(async () => {
    await selectBackend("wasm")
  })

  it("records its loss on every domain, val_loss their uniform mean, in result.json and the final metric line", async () => {
    const lines: Array<MetricLine> = []
    const outcome = await trainRun(mixedSpec(0.5, { tokens: 4 * 256, training: { ...tinySpec().training, batch_tokens: 256 } }), {
      onMetric: (line) => lines.push(line)
    })
    if (outcome.kind !== "finished") throw new Error(`expected a finished run, got ${outcome.kind}`)
    const byDomain = outcome.result.val_loss_by_domain ?? {}
    expect(Object.keys(byDomain)).toEqual(["moby", "markov"])
    expect(outcome.result.val_loss).toBeCloseTo(((byDomain.moby ?? 0) + (byDomain.markov ?? 0)) / 2, 10)
    // The Markov text (4 symbols) is far easier than English even for an untrained model's first steps.
    expect(byDomain.markov).toBeLessThan(byDomain.moby ?? 0)
    const last = lines.filter((line) => line.val_loss !== undefined).at(-1)
    expect(last?.val_loss_by_domain).toEqual(byDomain)
  }, 60_000)
})
