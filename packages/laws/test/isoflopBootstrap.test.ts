import { describe, expect, it } from "vitest"
import type { Interval } from "../src/index.ts"
import { bootstrapIsoflop, defaultIsoflopMinimum, fitIsoflop, forecastIsoflop, LawInputError, runStepwise } from "../src/index.ts"
import { analyticA, analyticB, budgets, sweep } from "./synthetic.ts"

const contains = ([low, high]: Interval, value: number): boolean => low <= value && value <= high
const width = ([low, high]: Interval): number => high - low

describe("bootstrapIsoflop", () => {
  it("puts the known exponents inside the 90% interval for about 90% of noisy sweeps", () => {
    // 20 independent sweeps at 0.2% loss noise. Were coverage the nominal 0.9, fewer than 15 of 20
    // would happen with probability ≈ 1%.
    let coveredA = 0
    let coveredB = 0
    for (let seed = 1; seed <= 20; seed++) {
      const result = runStepwise(bootstrapIsoflop(sweep({ noise: 0.002, seed }), { resamples: 200, seed, level: 0.9, compute: [] }))
      expect(result.resamples_used + result.failed_resamples).toBe(200)
      if (contains(result.params_opt_a, analyticA)) coveredA++
      if (contains(result.tokens_opt_b, analyticB)) coveredB++
    }
    expect(coveredA).toBeGreaterThanOrEqual(15)
    expect(coveredB).toBeGreaterThanOrEqual(15)
  })

  it("gives intervals around the full-data fit that shrink with the noise", () => {
    const options = { resamples: 300, seed: 11, level: 0.9, compute: [1e22] }
    const noisy = runStepwise(bootstrapIsoflop(sweep({ noise: 0.002, seed: 4 }), options))
    const quiet = runStepwise(bootstrapIsoflop(sweep({ noise: 0.0005, seed: 4 }), options))
    // A quarter of the noise: the spread of a least-squares estimate scales with the noise, so the
    // intervals should be about 4 times narrower; ask for at least 2.
    expect(width(quiet.params_opt_a)).toBeLessThan(width(noisy.params_opt_a) / 2)
    expect(width(quiet.tokens_opt_b)).toBeLessThan(width(noisy.tokens_opt_b) / 2)
    expect(width(quiet.forecasts[0]?.params ?? [0, 0])).toBeLessThan(width(noisy.forecasts[0]?.params ?? [0, 0]) / 2)

    const points = sweep({ noise: 0.002, seed: 4 })
    const fit = fitIsoflop(points)
    const forecast = forecastIsoflop(fit, 1e22)
    expect(contains(noisy.params_opt_a, fit.params_opt.a)).toBe(true)
    expect(contains(noisy.params_opt_k, fit.params_opt.k)).toBe(true)
    expect(contains(noisy.tokens_opt_b, fit.tokens_opt.b)).toBe(true)
    expect(contains(noisy.tokens_opt_k, fit.tokens_opt.k)).toBe(true)
    const [interval] = noisy.forecasts
    expect(interval?.compute).toBe(1e22)
    expect(contains(interval?.params ?? [0, 0], forecast.params)).toBe(true)
    expect(contains(interval?.tokens ?? [0, 0], forecast.tokens)).toBe(true)
    expect(contains(interval?.loss ?? [0, 0], forecast.loss)).toBe(true)
    expect(noisy.level).toBe(0.9)
  })

  it("is reproducible for a seed", () => {
    const points = sweep({ noise: 0.002, seed: 2 })
    const options = { resamples: 50, seed: 5, compute: [1e21] }
    expect(runStepwise(bootstrapIsoflop(points, options))).toEqual(runStepwise(bootstrapIsoflop(points, options)))
    expect(runStepwise(bootstrapIsoflop(points, { ...options, seed: 6 })).params_opt_a).not.toEqual(runStepwise(bootstrapIsoflop(points, options)).params_opt_a)
  })

  it("pauses after every resample, so a caller can stop it between two", () => {
    const steps = bootstrapIsoflop(sweep({ noise: 0.002, seed: 2 }), { resamples: 30, seed: 5, compute: [] })
    let pauses = 0
    for (let next = steps.next(); next.done !== true; next = steps.next()) pauses++
    expect(pauses).toBe(30)
    // A computation abandoned at a pause has done only the resamples before it.
    const stopped = bootstrapIsoflop(sweep({ noise: 0.002, seed: 2 }), { resamples: 1_000_000, seed: 5, compute: [] })
    for (let i = 0; i < 5; i++) expect(stopped.next().done).toBe(false)
    expect(stopped.return(undefined as never).done).toBe(true)
  })

  it("counts resamples that cannot be refitted as failed and says why", () => {
    // Budget 1e18 keeps 3 sizes: a resample keeps all three distinct with probability 3!/3³ = 2/9.
    const points = sweep({ noise: 0.002, seed: 3 }).filter((p) => p.budget !== 1e18 || /-[345]$/.test(p.id ?? ""))
    const result = runStepwise(bootstrapIsoflop(points, { resamples: 400, seed: 1, compute: [] }))
    expect(result.resamples_used + result.failed_resamples).toBe(400)
    // Expected 400·2/9 ≈ 89 successes (standard deviation ≈ 8).
    expect(result.resamples_used).toBeGreaterThan(60)
    expect(result.resamples_used).toBeLessThan(120)
    expect(result.first_failure).toMatch(/budget 1\.000e\+18 has runs at [12] distinct model size/)
  })

  it("fails when too few resamples can be refitted, and when the data themselves cannot be", () => {
    // Every budget keeps 3 sizes: a resample survives with probability (2/9)⁴ ≈ 0.0024.
    const thin = sweep({ noise: 0.002, seed: 3 }).filter((p) => /-[345]$/.test(p.id ?? ""))
    expect(() => runStepwise(bootstrapIsoflop(thin, { resamples: 20, seed: 1, compute: [] }))).toThrow(/of 20 bootstrap resamples could be refitted/)
    const shifted = sweep({ noise: 0, seed: 1, shift: (budget) => (budget >= 1e18 ? 1 / 32 : 1) })
    expect(() => runStepwise(bootstrapIsoflop(shifted, { resamples: 20, seed: 1, compute: [] }))).toThrow(/1 of 4 qualify/)
    const points = sweep({ noise: 0, seed: 1 })
    expect(() => runStepwise(bootstrapIsoflop(points, { resamples: 20, seed: 1, compute: [0] }))).toThrow(LawInputError)
    expect(() => runStepwise(bootstrapIsoflop(points, { resamples: 20, seed: 1, level: 90, compute: [] }))).toThrow(/between 0 and 1/)
  })

  it("refits every resample with the estimator the fit read its minima with", () => {
    // Sizes off the optimum by a different factor per budget: the parabola and the spline read
    // different minima, so the same resamples give different intervals.
    const shifts = [1, 4, 0.25, 3]
    const points = sweep({ noise: 0.001, seed: 3, shift: (budget) => shifts[budgets.indexOf(budget)] ?? 1 })
    const options = { resamples: 50, seed: 1, compute: [] }
    const byParabola = runStepwise(bootstrapIsoflop(points, { ...options, minimum: "parabola" }))
    const byAkima = runStepwise(bootstrapIsoflop(points, { ...options, minimum: "akima" }))
    expect(byAkima.params_opt_a).not.toEqual(byParabola.params_opt_a)
    expect(runStepwise(bootstrapIsoflop(points, { ...options, minimum: defaultIsoflopMinimum }))).toEqual(runStepwise(bootstrapIsoflop(points, options)))
  })
})
