import { Result } from "effect"
import { computeOptimal, lawByName } from "@scalelab/laws"
import { decodeSpecText, type MixtureExperiment, specOfKind } from "@scalelab/spec"
import { describe, expect, it } from "vitest"
import { PlanError, planMixture } from "../src/index.ts"

const mixtureOf = (text: string): MixtureExperiment => {
  const decoded = decodeSpecText(text, "mix.yaml")
  if (Result.isFailure(decoded)) throw new Error(decoded.failure.message)
  const kind = specOfKind(decoded.success)
  if (kind._tag !== "Mixture") throw new Error(`decoded as ${kind._tag}`)
  return kind.mixture
}

const spec = (extra = "") => `name: mix
model: { context: 64, aspect: 16, head_dim: 8, kv_heads: 2 }
sweep:
  kind: mixture
  corpora:
    moby: moby-dick
    markov: { kind: markov, documents: 50 }
  weights: { grid: 2 }
  budgets: [1e12, 1e13]
${extra}
training:
  batch_tokens: D / 200
`

describe("planMixture", () => {
  it("plans one run per budget, weight vector and seed, the weights in each run's corpus and id", () => {
    const plan = planMixture(mixtureOf(spec("  seeds: 2")))
    expect(plan.runs).toHaveLength(2 * 3 * 2)
    expect(new Set(plan.runs.map(({ run }) => run.id)).size).toBe(plan.runs.length)
    const first = plan.runs[0]!.run
    expect(first.data.corpus).toEqual({
      kind: "mixture",
      domains: [
        { name: "moby", corpus: "moby-dick", weight: 1 },
        { name: "markov", corpus: expect.objectContaining({ kind: "markov", documents: 50 }), weight: 0 }
      ]
    })
    expect(plan.runs[2]!.reason).toMatch(/^mixture 2 of 3 \(moby=0\.5, markov=0\.5\) at C=1e12: N\*\(C\)=\S+ from the published law chinchilla$/)
  })

  it("trains one model size per budget: the centre law's N*(C), or the size given", () => {
    const fromLaw = planMixture(mixtureOf(spec()))
    for (const budget of [1e12, 1e13]) {
      const runs = fromLaw.runs.filter(({ run }) => run.budget === budget)
      expect(new Set(runs.map(({ run }) => run.params)).size).toBe(1)
      expect(runs[0]!.target_params).toBeCloseTo(computeOptimal(lawByName("chinchilla"), budget).params, 6)
      for (const { run } of runs) expect(Math.abs(run.flops / budget - 1)).toBeLessThan(0.05)
    }
    const given = planMixture(mixtureOf(spec("  params: [2e5, 6e5]")))
    expect(given.runs.filter(({ run }) => run.budget === 1e13).map(({ target_params }) => target_params)).toEqual([6e5, 6e5, 6e5])
    expect(given.runs[0]!.reason).toContain("at C=1e12: N=2e5 given in sweep.params")
  })

  it("needs file domains read for their digests", () => {
    const files = spec().replace("moby: moby-dick", "notes: notes/*.txt")
    expect(() => planMixture(mixtureOf(files))).toThrow(PlanError)
  })
})
