import { describe, expect, it } from "vitest"
import type { IsoflopPoint } from "../src/index.ts"
import { fitIsoflop, isoflopDiagnostics, LawInputError } from "../src/index.ts"
import { sweep } from "./synthetic.ts"

const budgets = [1e16, 1e17, 1e18, 1e19, 1e20, 1e21]

/**
 * Curves that are exact parabolas in log10 N with their vertex on N*(C) = 0.1·C^0.5 (times `shift`
 * for one budget): 7 sizes over a factor of 64, D = C/(6N), so the loss is an exact parabola in
 * log10 D too and the IsoFLOP fit reproduces every point.
 */
const parabolicSweep = (shift: (budget: number) => number = () => 1): IsoflopPoint[] =>
  budgets.flatMap((budget) => {
    const optimum = 0.1 * budget ** 0.5 * shift(budget)
    return Array.from({ length: 7 }, (_, i) => {
      const params = optimum * 2 ** (i - 3)
      const offset = Math.log10(params / optimum)
      return { params, tokens: budget / (6 * params), budget, loss: 10 * budget ** -0.05 + 0.3 * offset ** 2, id: `${budget}-${i}` }
    })
  })

describe("isoflopDiagnostics", () => {
  it("finds zero residuals, R² = 1 and zero leave-one-budget-out error on exact data", () => {
    const points = parabolicSweep()
    const diagnostics = isoflopDiagnostics(points, fitIsoflop(points))
    expect(diagnostics.residuals).toHaveLength(points.length)
    diagnostics.residuals.forEach((entry, index) => {
      expect(entry.index).toBe(index)
      expect(entry.id).toBe(points[index]?.id)
      expect(Math.abs(entry.residual)).toBeLessThan(1e-10)
    })
    for (const budget of diagnostics.budgets) {
      expect(budget.r2).toBeCloseTo(1, 10)
      expect(budget.used).toBe(true)
      expect(budget.n_points).toBe(7)
    }
    expect(diagnostics.points_used).toBe(42)
    expect(diagnostics.points_dropped).toBe(0)
    expect(diagnostics.unbracketed_budgets).toEqual([])
    expect(diagnostics.leave_one_budget_out.map((entry) => entry.budget)).toEqual(budgets)
    for (const entry of diagnostics.leave_one_budget_out) {
      expect(Math.abs(entry.log10_error)).toBeLessThan(1e-9)
      expect(Math.abs(entry.relative_error)).toBeLessThan(1e-9)
      expect(entry.params_opt).toBeCloseTo(0.1 * entry.budget ** 0.5, 0)
    }
  })

  it("gives a budget whose optimum is off the law the largest leave-one-budget-out error, by its known amount", () => {
    // The other five budgets lie exactly on N* = 0.1·C^0.5, so the law fitted without 1e18
    // predicts the unshifted optimum: the miss is log10(1/2) decades, a relative error of −1/2.
    // Left out, each other budget sees the shift only through a line fitted across it: by hand,
    // at most half the shift (for 1e16, extrapolated past it), so 1e18 stands out. (With 4 budgets
    // it would not: an end budget extrapolated next to a shifted one misses by more than the shift.)
    const points = parabolicSweep((budget) => (budget === 1e18 ? 2 : 1))
    const lobo = isoflopDiagnostics(points, fitIsoflop(points)).leave_one_budget_out
    const worst = lobo.reduce((a, b) => (Math.abs(b.log10_error) > Math.abs(a.log10_error) ? b : a))
    expect(worst.budget).toBe(1e18)
    expect(worst.log10_error).toBeCloseTo(Math.log10(0.5), 9)
    expect(worst.relative_error).toBeCloseTo(-0.5, 9)
    expect(lobo.find((e) => e.budget === 1e16)?.log10_error).toBeCloseTo(Math.log10(2) / 2, 9)
    for (const entry of lobo.filter((e) => e.budget !== 1e18)) {
      expect(Math.abs(entry.log10_error)).toBeLessThan(Math.abs(worst.log10_error))
    }
  })

  it("reports least-squares residuals that sum to zero per budget, and what was dropped", () => {
    // The largest budget's sizes all lie 8x to 128x above its optimum: unbracketed, so dropped.
    const points = sweep({ noise: 0.003, seed: 9, shift: (budget) => (budget === 1e20 ? 32 : 1) })
    const diagnostics = isoflopDiagnostics(points, fitIsoflop(points))
    for (const budget of [1e17, 1e18, 1e19, 1e20]) {
      const residuals = diagnostics.residuals.filter((entry) => entry.budget === budget)
      expect(residuals).toHaveLength(9)
      // A parabola with a constant term leaves residuals orthogonal to 1.
      expect(Math.abs(residuals.reduce((sum, entry) => sum + entry.residual, 0))).toBeLessThan(1e-9)
      for (const entry of residuals) expect(entry.loss - entry.fitted).toBe(entry.residual)
    }
    expect(diagnostics.unbracketed_budgets).toEqual([1e20])
    expect(diagnostics.points_used).toBe(27)
    expect(diagnostics.points_dropped).toBe(9)
    expect(diagnostics.budgets.map((budget) => budget.used)).toEqual([true, true, true, false])
    expect(diagnostics.leave_one_budget_out.map((entry) => entry.budget)).toEqual([1e17, 1e18, 1e19])
    for (const budget of diagnostics.budgets.slice(0, 3)) expect(budget.r2).toBeGreaterThan(0.9)
  })

  it("measures residuals and R² against the curve each minimum was read from, over its window", () => {
    // Exact parabolas again, but the two outer sizes on each side lie 0.05 above theirs. The
    // `window` estimator fits the lowest-loss size and its two neighbours, which the parabola
    // passes through: inside the window the residuals are 0 and R² is 1; outside, each run misses
    // the curve by exactly its 0.05. (Measured over all 7 runs, R² would be below 1.)
    const bump = 0.05
    const points = parabolicSweep().map((point, i) => (Math.abs((i % 7) - 3) >= 2 ? { ...point, loss: point.loss + bump } : point))
    const fit = fitIsoflop(points, { minimum: "window" })
    const diagnostics = isoflopDiagnostics(points, fit)
    diagnostics.residuals.forEach((entry) => {
      const outer = Math.abs((entry.index % 7) - 3) >= 2
      expect(entry.in_window).toBe(!outer)
      expect(entry.residual).toBeCloseTo(outer ? bump : 0, 10)
    })
    for (const budget of diagnostics.budgets) expect(budget.r2).toBeCloseTo(1, 10)
    // The `parabola` estimator's window is every run.
    const whole = isoflopDiagnostics(points, fitIsoflop(points, { minimum: "parabola" }))
    expect(whole.residuals.every((entry) => entry.in_window)).toBe(true)
    for (const budget of whole.budgets) expect(budget.r2).toBeLessThan(0.99)
  })

  it("skips leave-one-budget-out with only 2 used budgets", () => {
    const points = sweep({ noise: 0, seed: 1 }).filter((p) => p.budget <= 1e18)
    expect(isoflopDiagnostics(points, fitIsoflop(points)).leave_one_budget_out).toEqual([])
  })

  it("rejects a fit made from other points", () => {
    const points = sweep({ noise: 0, seed: 1 })
    const fit = fitIsoflop(points.filter((p) => p.budget !== 1e20))
    expect(() => isoflopDiagnostics(points, fit)).toThrow(LawInputError)
    const moved = points.map((p) => (p.budget === 1e20 ? { ...p, budget: 2e20 } : p))
    expect(() => isoflopDiagnostics(moved, fitIsoflop(points))).toThrow(/budget 2\.000e\+20 of the points is not in the fit/)
  })

  it("measures the pooled spread of replicate seeds, and has none without replicates", () => {
    const single = parabolicSweep()
    expect(isoflopDiagnostics(single, fitIsoflop(single)).seed_spread).toBeNull()
    // Two replicates at the middle size of every budget, off by ±d: each pair gives squares of 2d² over 1
    // degree of freedom, so the pooled SD is d·√2. One triple at 1e16 (d, 0, −d): 2d² over 2.
    const d = 0.01
    const replicated = single.flatMap((point) => {
      if (!point.id?.endsWith("-3")) return [point]
      const copies = point.budget === 1e16 ? [d, 0, -d] : [d, -d]
      return copies.map((shift) => ({ ...point, loss: point.loss + shift }))
    })
    const spread = isoflopDiagnostics(replicated, fitIsoflop(replicated)).seed_spread
    expect(spread?.groups).toBe(budgets.length)
    expect(spread?.df).toBe(budgets.length + 1)
    const squares = 2 * d ** 2 + (budgets.length - 1) * 2 * d ** 2
    expect(spread?.sd).toBeCloseTo(Math.sqrt(squares / (budgets.length + 1)), 12)
  })
})
