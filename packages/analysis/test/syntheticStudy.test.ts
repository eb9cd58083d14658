// A synthetic study with a known truth: IsoFLOP sweeps drawn from Besiroglu et al.'s Chinchilla law
// with 1% multiplicative noise at five budgets over two decades, each backtested at every rolling
// cutoff by the backtest's own core, the truth at a held-out budget being the law's N*, D*, L*.
import { chinchillaLossLaw } from "@scalelab/laws"
import { describe, expect, it } from "vitest"
import { besiroglu2024, defaultSyntheticStudy, syntheticStudy, syntheticSweep } from "../src/backtest/syntheticStudy.ts"

const settings = { ...defaultSyntheticStudy, seeds: 12, resamples: 100 }

describe("syntheticSweep", () => {
  it("draws sizes around the law's N* at each budget, spending the budget, with about 1% noise on the law's loss", () => {
    const points = syntheticSweep(defaultSyntheticStudy, 7)
    const law = chinchillaLossLaw(besiroglu2024)
    expect(points).toHaveLength(defaultSyntheticStudy.budgets.length * defaultSyntheticStudy.sizesPerBudget)
    for (const point of points) expect(6 * point.params * point.tokens / point.budget).toBeCloseTo(1, 9)
    const middle = points.filter((point) => point.budget === 1e19)[3]!
    expect(middle.params / law.optimumAt(1e19).params).toBeCloseTo(1, 9)
    const logRatios = points.map((point) => Math.log(point.loss / law.lossAt(point.params, point.tokens)))
    const rms = Math.sqrt(logRatios.reduce((sum, r) => sum + r * r, 0) / logRatios.length)
    expect(rms).toBeGreaterThan(0.005)
    expect(rms).toBeLessThan(0.015)
  })
})

describe("syntheticStudy", () => {
  it("covers the known L* with the parametric law's 80% intervals at least 70% of the time, over every cutoff and seed", () => {
    const result = syntheticStudy(settings)
    expect(result.cutoffs).toEqual([1e19, 10 ** 19.5, 1e20])
    expect(result.failures).toEqual([])
    // 3 + 2 + 1 held-out budgets per sweep.
    const at80 = result.coverage.filter((row) => row.level === 0.8)
    for (const row of at80) expect(row.compared).toBe(settings.seeds * 6)
    const lossOpt = at80.find((row) => row.quantity === "loss_opt")!
    const lossAtForecast = at80.find((row) => row.quantity === "loss")!
    expect(lossOpt.fraction!).toBeGreaterThanOrEqual(0.7)
    expect(lossAtForecast.fraction!).toBeGreaterThanOrEqual(0.7)
    // Coverage never falls as the level rises: one set of replicates gives nested intervals.
    for (const quantity of ["loss", "params_opt", "tokens_opt", "loss_opt"] as const) {
      const fractions = result.coverage.filter((row) => row.quantity === quantity).map((row) => row.fraction!)
      expect([...fractions].sort((p, q) => p - q)).toEqual(fractions)
    }
  }, 60_000)
})
