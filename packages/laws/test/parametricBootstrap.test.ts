import { describe, expect, it } from "vitest"
import { bootstrapParametric, fitParametric, mulberry32, parametricLoss, runStepwise, standardNormal } from "../src/index.ts"
import { truth } from "./synthetic.ts"


/** A 6×6 grid of sizes and token counts, loss with 0.5% seeded multiplicative noise. */
const sample = (seed: number) => {
  const random = mulberry32(seed)
  return Array.from({ length: 36 }, (_, i) => {
    const params = 1e7 * 4 ** (i % 6)
    const tokens = 1e8 * 4 ** Math.floor(i / 6)
    return { params, tokens, loss: parametricLoss(truth, params, tokens) * (1 + 0.005 * standardNormal(random)) }
  })
}
const points = sample(11)

describe("bootstrapParametric", () => {
  const fit = fitParametric(points, { grid: "small" })
  const resampled = runStepwise(bootstrapParametric(points, fit, { resamples: 40, seed: 3 }))

  it("gives an interval per constant that holds the full fit", () => {
    expect(resampled.replicates.length + resampled.failed).toBe(40)
    expect(resampled.resamples_requested).toBe(40)
    expect(resampled.resamples_used).toBe(resampled.replicates.length)
    expect(resampled.failed_resamples).toBe(resampled.failed)
    expect(resampled.trustworthy).toBe(resampled.failed <= 2)
    for (const name of ["E", "A", "B", "alpha", "beta"] as const) {
      const [low, high] = resampled.ci[name]
      expect(low, name).toBeLessThanOrEqual(fit[name])
      expect(high, name).toBeGreaterThanOrEqual(fit[name])
    }
  })

  it("is as wide as the scatter of fits to fresh data from the same law", () => {
    // An 80% interval of a roughly normal estimate spans 2·1.2816 standard deviations.
    const fresh = Array.from({ length: 8 }, (_, i) => fitParametric(sample(21 + i), { grid: "small" }).alpha)
    const mean = fresh.reduce((sum, x) => sum + x, 0) / fresh.length
    const sd = Math.sqrt(fresh.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (fresh.length - 1))
    const ratio = (resampled.ci.alpha[1] - resampled.ci.alpha[0]) / (2 * 1.2816 * sd)
    expect(ratio).toBeGreaterThan(1 / 3)
    expect(ratio).toBeLessThan(3)
    expect(Math.abs(mean - truth.alpha)).toBeLessThan(2 * sd)
  })

  it("is reproducible from its seed and narrows with less noise", () => {
    expect(runStepwise(bootstrapParametric(points, fit, { resamples: 40, seed: 3 })).ci).toEqual(resampled.ci)
    const width = resampled.ci.alpha[1] - resampled.ci.alpha[0]
    expect(width).toBeGreaterThan(0)
    expect(width).toBeLessThan(0.1)
  })
})
