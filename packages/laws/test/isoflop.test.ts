import { describe, expect, it } from "vitest"
import { computeOptimal, fitIsoflop, fitIsoflopCurves, forecastIsoflop, LawInputError } from "../src/index.ts"
import { analyticA, analyticB, budgets, sweep, truth } from "./synthetic.ts"

describe("fitIsoflop", () => {
  it("recovers the analytic exponents exactly from noise-free curves", () => {
    // Along C = 6ND the loss in u = ln(N/N*) is (constant in C)·(β·e^(−αu) + α·e^(βu)) + E: the same
    // shape at every budget, so the parabola's vertex misses N* by the same factor everywhere and
    // the exponents come out exact; only k carries that (small) factor.
    // The parabola's property; the default (adaptive) reads these asymmetric curves with the Akima
    // spline, which lands within 1e-6 of the exponents (below).
    const fit = fitIsoflop(sweep({ noise: 0, seed: 1 }), { minimum: "parabola" })
    expect(Math.abs(fitIsoflop(sweep({ noise: 0, seed: 1 })).params_opt.a - analyticA)).toBeLessThan(1e-6)
    expect(fit.params_opt.a).toBeCloseTo(analyticA, 8)
    expect(fit.tokens_opt.b).toBeCloseTo(analyticB, 8)
    expect(fit.used_budgets).toEqual(budgets)
    expect(fit.excluded_budgets).toEqual([])
    const expectedK = computeOptimal(truth, 1).params
    expect(Math.abs(fit.params_opt.k / expectedK - 1)).toBeLessThan(0.03)
    for (const curve of fit.budgets) {
      expect(curve.bracketed).toBe(true)
      expect(curve.convex).toBe(true)
      expect(curve.n_points).toBe(9)
      const optimal = computeOptimal(truth, curve.budget)
      expect(Math.abs((curve.loss_opt ?? Number.NaN) - (optimal.loss ?? Number.NaN))).toBeLessThan(1e-3)
    }
  })

  it("recovers a and b within 0.02 from curves with 0.2% loss noise, for several seeds", () => {
    // Across seeds the exponents scatter by about ±0.006 at this noise (9 sizes, 4 budgets over
    // 3 decades); 0.02 is three times that.
    for (const seed of [1, 2, 3, 4, 5]) {
      const fit = fitIsoflop(sweep({ noise: 0.002, seed }))
      expect(Math.abs(fit.params_opt.a - analyticA), `seed ${seed}`).toBeLessThan(0.02)
      expect(Math.abs(fit.tokens_opt.b - analyticB), `seed ${seed}`).toBeLessThan(0.02)
      expect(fit.params_opt.a + fit.tokens_opt.b).toBeCloseTo(1, 2)
      expect(fit.r2s.params).toBeGreaterThan(0.99)
    }
  })

  it("reports the parabola in x = log10 N so that c0 + c1·x + c2·x² reproduces the losses", () => {
    const points = sweep({ noise: 0, seed: 1 })
    const curve = fitIsoflopCurves(points, { minimum: "parabola" })[0]
    if (curve === undefined) throw new Error("no curve")
    const { c0, c1, c2 } = curve.parabola_params
    for (const point of points.filter((p) => p.budget === curve.budget)) {
      const x = Math.log10(point.params)
      expect(c0 + c1 * x + c2 * x * x).toBeCloseTo(point.loss, 2)
    }
    expect(curve.params_opt).toBeCloseTo(10 ** (-c1 / (2 * c2)), 6)
    expect(curve.params_range[0]).toBeLessThan(curve.params_range[1])
  })

  it("flags a sweep shifted past the optimum as unbracketed and leaves it out of the power laws", () => {
    // The largest budget's sizes all lie 8x to 128x above its optimum.
    const points = sweep({ noise: 0, seed: 1, shift: (budget) => (budget === 1e20 ? 32 : 1) })
    // The parabola's vertex extrapolates past the sizes, which says which way to move them.
    const fit = fitIsoflop(points, { minimum: "parabola" })
    const shifted = fit.budgets.find((curve) => curve.budget === 1e20)
    expect(shifted?.bracketed).toBe(false)
    expect(fit.used_budgets).toEqual([1e17, 1e18, 1e19])
    expect(fit.excluded_budgets).toHaveLength(1)
    expect(fit.excluded_budgets[0]?.reason).toMatch(/not bracketed.*toward smaller models/)
    expect(fit.params_opt.a).toBeCloseTo(analyticA, 6)
  })

  it("forecasts N, D and loss from the fitted power laws", () => {
    const fit = fitIsoflop(sweep({ noise: 0, seed: 1 }))
    const forecast = forecastIsoflop(fit, 1e22)
    const optimal = computeOptimal(truth, 1e22)
    expect(forecast.compute).toBe(1e22)
    expect(Math.abs(forecast.params / optimal.params - 1)).toBeLessThan(0.05)
    expect(Math.abs(forecast.tokens / optimal.tokens - 1)).toBeLessThan(0.05)
    // The loss power law has no irreducible term E: the true L*(C) (4.32 at 1e17, 2.60 at 1e20)
    // bends in log-log, so the law is within a few percent inside the fitted range and drifts low
    // outside it.
    const inside = forecastIsoflop(fit, 3e18)
    expect(Math.abs(inside.loss / (computeOptimal(truth, 3e18).loss ?? Number.NaN) - 1)).toBeLessThan(0.03)
    expect(forecast.loss).toBeLessThan(optimal.loss ?? Number.NaN)
    expect(() => forecastIsoflop(fit, 0)).toThrow(/compute/)
  })

  it("rejects a budget with fewer than 3 distinct sizes, naming the budget", () => {
    const points = sweep({ noise: 0, seed: 1 }).filter((p) => p.budget !== 1e18 || /-[01]$/.test(p.id ?? ""))
    expect(() => fitIsoflop(points)).toThrow(LawInputError)
    expect(() => fitIsoflop(points)).toThrow(/budget 1\.000e\+18 has runs at 2 distinct model sizes/)
  })

  it("says what qualifies means and what to do when one budget, fitted well, is all there is", () => {
    const message = (() => {
      try {
        fitIsoflop(sweep({ noise: 0, seed: 1 }).filter((p) => p.budget === 1e18))
      } catch (error) {
        return (error as Error).message
      }
      throw new Error("expected the fit to fail")
    })()
    expect(message).toContain("a convex minimum inside them (bracketed); 1 of 1 qualify:\n  budget 1.000e+18: qualifies\n")
    expect(message).toContain("To fit one: sweep model sizes at more compute budgets")
  })

  it("rejects a fit with fewer than 2 usable budgets and says which budgets failed and why", () => {
    const points = sweep({ noise: 0, seed: 1, shift: (budget) => (budget >= 1e18 ? 1 / 32 : 1) })
    expect(() => fitIsoflop(points, { minimum: "parabola" })).toThrow(/1 of 4 qualify/)
    expect(() => fitIsoflop(points, { minimum: "parabola" })).toThrow(/budget 1\.000e\+19: not bracketed.*toward larger models/)
  })

  it("rejects runs that are all at one size", () => {
    const points = budgets.map((budget) => ({ params: 1e6, tokens: budget / 6e6, budget, loss: 3 }))
    expect(() => fitIsoflop(points)).toThrow(/all 4 runs have params = 1000000/)
  })

  it("names the row of a non-positive or non-finite value", () => {
    const points = sweep({ noise: 0, seed: 1 })
    const broken = points.map((p, i) => (i === 3 ? { ...p, loss: Number.NaN } : p))
    expect(() => fitIsoflop(broken)).toThrow(/row 3 \(run b1e\+17-3\): loss/)
    expect(() => fitIsoflop([])).toThrow(/needs runs/)
  })

  it("flags a concave curve as not convex and reports no minimum", () => {
    const points = [1e6, 2e6, 4e6].map((params, i) => ({ params, tokens: 1e17 / (6 * params), budget: 1e17, loss: [3, 3.5, 3][i] ?? 0 }))
    const [curve] = fitIsoflopCurves(points)
    expect(curve?.convex).toBe(false)
    expect(curve?.bracketed).toBe(false)
    expect(curve?.params_opt).toBeNull()
  })
})
