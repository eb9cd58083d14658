import { Result } from "effect"
import { type AnnealingExperiment, decodeSpecText, runSteps, specOfKind } from "@scalelab/spec"
import { describe, expect, it } from "vitest"
import { planAnnealing } from "../src/index.ts"

const annealingOf = (text: string): AnnealingExperiment => {
  const decoded = decodeSpecText(text, "anneal.yaml")
  if (Result.isFailure(decoded)) throw new Error(decoded.failure.message)
  const kind = specOfKind(decoded.success)
  if (kind._tag !== "Annealing") throw new Error(`decoded as ${kind._tag}`)
  return kind.annealing
}

const spec = (extra = "") => `name: anneal
model: { context: 64, aspect: 16, head_dim: 8, kv_heads: 2 }
sweep:
  kind: annealing
  base: moby-dick
  candidates:
    sotu: sotu
    markov: { kind: markov, documents: 50 }
  budgets: [1e12, 1e13]
${extra}
training:
  schedule: cosine
  warmup: 0.1
  batch_tokens: D / 200
`

const weightsOf = (run: { readonly data: { readonly corpus: unknown } }) => {
  const corpus = run.data.corpus as { readonly kind: string; readonly domains: ReadonlyArray<{ readonly name: string; readonly weight: number }> }
  return Object.fromEntries(corpus.domains.map((domain) => [domain.name, domain.weight]))
}

describe("planAnnealing", () => {
  it("plans per budget and seed a checkpoint, its control anneal and one anneal per candidate", () => {
    const plan = planAnnealing(annealingOf(spec("  seeds: 2\n  anneal: 0.2\n  weight: 0.25")))
    expect(plan.runs).toHaveLength(2 * 2 * 4)
    expect(plan.probes).toHaveLength(4)
    expect(new Set(plan.runs.map(({ run }) => run.id)).size).toBe(plan.runs.length)
    for (const probe of plan.probes) {
      const { checkpoint, control, candidates } = probe
      // The checkpoint: default data only, warmup then a constant lr, its end kept for the anneals.
      expect(checkpoint.save_final).toBe(true)
      expect(checkpoint.init).toBeUndefined()
      expect(checkpoint.training).toMatchObject({ schedule: "constant", warmup: 0.1 })
      expect(weightsOf(checkpoint)).toEqual({ base: 1, sotu: 0, markov: 0 })
      expect(checkpoint.seed).toBe(probe.seed)
      for (const anneal of [control, ...candidates.map(({ run }) => run)]) {
        expect(anneal.init).toEqual({ run: checkpoint.id, steps: runSteps(checkpoint) })
        expect(anneal.save_final).toBeUndefined()
        expect(anneal.training).toMatchObject({ schedule: "linear", warmup: 0, min_lr_fraction: 0, lr: checkpoint.training.lr })
        expect(anneal.training.batch_tokens).toBe(checkpoint.training.batch_tokens)
        expect(anneal.shape).toEqual(checkpoint.shape)
        expect(anneal.seed).toBe(checkpoint.seed)
        // A fifth of the checkpoint's tokens, in whole batches.
        expect(anneal.tokens % anneal.training.batch_tokens).toBe(0)
        expect(Math.abs(anneal.tokens - 0.2 * checkpoint.tokens)).toBeLessThanOrEqual(anneal.training.batch_tokens / 2)
        expect(anneal.flops / anneal.tokens).toBeCloseTo(checkpoint.flops / checkpoint.tokens, 6)
      }
      expect(weightsOf(control)).toEqual({ base: 1, sotu: 0, markov: 0 })
      expect(candidates.map(({ name }) => name)).toEqual(["sotu", "markov"])
      expect(weightsOf(candidates[0]!.run)).toEqual({ base: 0.75, sotu: 0.25, markov: 0 })
      expect(weightsOf(candidates[1]!.run)).toEqual({ base: 0.75, sotu: 0, markov: 0.25 })
    }
    expect(plan.runs[0]!.reason).toMatch(/^checkpoint at C=1e12, seed 0: base data only, constant lr after warmup; N\*\(C\)=/)
    expect(plan.runs[2]!.reason).toMatch(/^anneal of checkpoint [0-9a-f]{8} with sotu \(base=0\.75, sotu=0\.25, markov=0\), lr linearly to 0$/)
  })

  it("keeps run ids when only the target changes, and sizes models by params when given", () => {
    const plain = planAnnealing(annealingOf(spec()))
    const targeted = planAnnealing(annealingOf(spec("  target: { base: 0.5, sotu: 0.5 }")))
    expect(targeted.runs.map(({ run }) => run.id)).toEqual(plain.runs.map(({ run }) => run.id))
    const sized = planAnnealing(annealingOf(spec("  params: [20000, 60000]")))
    expect(sized.probes.map((probe) => Math.abs(probe.checkpoint.params / (probe.budget === 1e12 ? 20000 : 60000) - 1))).toSatisfy(
      (errors: ReadonlyArray<number>) => errors.every((error) => error < 0.35)
    )
  })
})
