import { describe, expect, it } from "vitest"
import { bootstrapHealth, chinchillaLossLaw, lawByName, computeOptimal } from "../src/index.ts"

describe("chinchillaLossLaw", () => {
  const chinchilla = lawByName("chinchilla")
  if (chinchilla.kind !== "parametric") throw new Error("the chinchilla law is parametric")
  const law = chinchillaLossLaw(chinchilla)

  it("predicts E + A/N^α + B/D^β at any N and D", () => {
    // Hoffmann et al. 2022 eq. 10: 1.69 + 406.4/N^0.34 + 410.7/D^0.28.
    expect(law.lossAt(70e9, 1.4e12)).toBeCloseTo(1.69 + 406.4 / 70e9 ** 0.34 + 410.7 / 1.4e12 ** 0.28, 12)
    expect(law.floor).toBe(1.69)
  })

  it("gives the published law's compute-optimal allocation and loss", () => {
    const expected = computeOptimal(chinchilla, 5.76e23)
    const optimum = law.optimumAt(5.76e23)
    expect(optimum.params).toBeCloseTo(expected.params, -3)
    expect(optimum.loss).toBeCloseTo(expected.loss ?? Number.NaN, 12)
    // Off the optimum, at the same compute, the loss is higher.
    expect(law.lossAt(optimum.params * 4, optimum.tokens / 4)).toBeGreaterThan(optimum.loss)
  })
})

describe("bootstrapHealth", () => {
  it("trusts a bootstrap where at most 5% of resamples failed", () => {
    expect(bootstrapHealth(190, 10)).toMatchObject({ requested: 200, trustworthy: true, warning: undefined })
  })

  it("flags one conditioned on survivors, and says how many were used", () => {
    const health = bootstrapHealth(78, 122)
    expect(health.trustworthy).toBe(false)
    expect(health.warning).toContain("78 of 200")
  })
})
