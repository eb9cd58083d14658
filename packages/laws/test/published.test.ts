import { describe, expect, it } from "vitest"
import type { ParametricLaw } from "../src/index.ts"
import { computeOptimal, LawInputError, lawByName, parametricLoss, publishedLaws } from "../src/index.ts"

const parametric = (name: string): ParametricLaw => {
  const law = lawByName(name)
  if (law.kind !== "parametric") throw new Error(`${name} is not parametric`)
  return law
}

describe("publishedLaws", () => {
  it("cites a source for every law and has unique names", () => {
    for (const law of publishedLaws) expect(law.source).toMatch(/20\d\d/)
    expect(new Set(publishedLaws.map((law) => law.name)).size).toBe(publishedLaws.length)
  })

  it("finds a law regardless of case and lists the names for an unknown one", () => {
    expect(lawByName(" Chinchilla ").name).toBe("chinchilla")
    expect(() => lawByName("gpt-5")).toThrow(LawInputError)
    expect(() => lawByName("gpt-5")).toThrow(/chinchilla, epoch-2024, kaplan-2020, llama-3, deepseek-llm/)
  })
})

describe("computeOptimal", () => {
  for (const name of ["chinchilla", "epoch-2024"]) {
    it(`${name}: the closed form is the minimum of the loss along C = 6ND (brute force on a log grid)`, () => {
      const law = parametric(name)
      for (const compute of [1e15, 1e19, 1e23]) {
        let bestParams = Number.NaN
        let bestLoss = Number.POSITIVE_INFINITY
        // 2e5 steps over 12 decades: each step is a factor of 1.00014 in N.
        for (let i = 0; i <= 200_000; i++) {
          const params = 10 ** (2 + (12 * i) / 200_000)
          const loss = parametricLoss(law, params, compute / (6 * params))
          if (loss < bestLoss) {
            bestLoss = loss
            bestParams = params
          }
        }
        const optimal = computeOptimal(law, compute)
        expect(optimal.params / bestParams).toBeCloseTo(1, 3)
        // The grid can only miss the minimum from above.
        expect(optimal.loss ?? Number.NaN).toBeLessThanOrEqual(bestLoss)
        expect(optimal.loss ?? Number.NaN).toBeCloseTo(bestLoss, 8)
        expect(6 * optimal.params * optimal.tokens).toBeCloseTo(compute, -Math.log10(compute) + 6)
      }
    })
  }

  it("Chinchilla approach 3 at 1e21 FLOPs: N = G·(C/6)^a by hand, about 50 tokens per parameter", () => {
    // αA/(βB) = 0.34·406.4 / (0.28·410.7) = 138.176 / 114.996 = 1.201572;
    // G = 1.201572^(1/0.62) = 1.344711; a = 0.28/0.62; (1e21/6)^a = 1.356588e9 → N = 1.824218e9.
    const optimal = computeOptimal(lawByName("chinchilla"), 1e21)
    expect(optimal.params / 1.824218e9).toBeCloseTo(1, 6)
    expect(optimal.tokens / optimal.params).toBeCloseTo(50.08, 2)
  })

  it("Llama 3 gives D*(C) = 0.29·C^0.53 and N from C = 6ND", () => {
    const optimal = computeOptimal(lawByName("llama-3"), 1e22)
    expect(optimal.tokens).toBeCloseTo(0.29 * 1e22 ** 0.53, -3)
    expect(optimal.params * optimal.tokens * 6).toBeCloseTo(1e22, -8)
    expect(optimal.loss).toBeUndefined()
  })

  it("Kaplan reads compute in PF-days: one PF-day gives 1.3e9 non-embedding parameters", () => {
    const optimal = computeOptimal(lawByName("kaplan-2020"), 8.64e19)
    expect(optimal.params).toBeCloseTo(1.3e9, -3)
  })

  it("DeepSeek's M·D reproduces the budget (0.1715 · 5.8316 ≈ 1) and N is M/6", () => {
    const compute = 1e21
    const optimal = computeOptimal(lawByName("deepseek-llm"), compute)
    expect((6 * optimal.params * optimal.tokens) / compute).toBeCloseTo(1, 3)
    expect(optimal.params).toBeCloseTo((0.1715 * compute ** 0.5243) / 6, -3)
  })

  it("rejects a non-positive budget", () => {
    expect(() => computeOptimal(lawByName("chinchilla"), -1)).toThrow(/compute/)
  })
})
