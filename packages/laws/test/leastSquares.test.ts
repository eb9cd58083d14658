import { describe, expect, it } from "vitest"
import { fitLine, fitParabola, fitPowerLaw, LawInputError, solveLinearSystem } from "../src/index.ts"

describe("solveLinearSystem", () => {
  it("solves a system that needs a row swap (zero leading pivot)", () => {
    // 0·x + 2y + z = 7, x + y + z = 6, 2x + y − z = 1  →  x = 1, y = 2, z = 3
    const solution = solveLinearSystem(
      [
        [0, 2, 1],
        [1, 1, 1],
        [2, 1, -1]
      ],
      [7, 6, 1]
    )
    solution.forEach((value, i) => expect(value).toBeCloseTo([1, 2, 3][i] ?? Number.NaN, 12))
  })

  it("refuses a singular system", () => {
    expect(() =>
      solveLinearSystem(
        [
          [1, 2],
          [2, 4]
        ],
        [1, 2]
      )
    ).toThrow(LawInputError)
  })
})

describe("fitLine", () => {
  it("recovers an exact line with R² = 1", () => {
    const line = fitLine([1, 2, 3, 4], [5, 7, 9, 11])
    expect(line.slope).toBeCloseTo(2, 12)
    expect(line.intercept).toBeCloseTo(3, 12)
    expect(line.r2).toBeCloseTo(1, 12)
  })

  it("matches the hand-computed least-squares line through scattered points", () => {
    // x = 0,1,2; y = 0,2,1: x̄ = 1, ȳ = 1, Sxy = 1, Sxx = 2 → slope 0.5, intercept 0.5;
    // residuals −0.5, 1, −0.5 → SSres 1.5, SStot 2 → R² = 0.25.
    const line = fitLine([0, 1, 2], [0, 2, 1])
    expect(line.slope).toBeCloseTo(0.5, 12)
    expect(line.intercept).toBeCloseTo(0.5, 12)
    expect(line.r2).toBeCloseTo(0.25, 12)
  })
})

describe("fitParabola", () => {
  it("recovers the coefficients of noise-free quadratic data at log10 N scale", () => {
    // Sharply curved and far from the origin, like an IsoFLOP curve in log10 N ≈ 7–8.
    const truth = { c0: 100, c1: -25, c2: 1.6 }
    const x = [6.8, 7.0, 7.2, 7.4, 7.6, 7.8, 8.0]
    const y = x.map((xi) => truth.c0 + truth.c1 * xi + truth.c2 * xi * xi)
    const fit = fitParabola(x, y)
    expect(fit.c2).toBeCloseTo(truth.c2, 8)
    expect(fit.c1).toBeCloseTo(truth.c1, 7)
    expect(fit.c0).toBeCloseTo(truth.c0, 6)
    expect(-fit.c1 / (2 * fit.c2)).toBeCloseTo(25 / 3.2, 9)
  })

  it("is the least-squares parabola, not an interpolant, when points do not lie on one", () => {
    // Symmetric x = −2..2 and y = x⁴: normal equations give c1 = 0, and with Σu² = 10, Σu⁴ = 34,
    // Σu⁶ = 130: 5·c0 + 10·c2 = 34, 10·c0 + 34·c2 = 130 → c2 = 31/7, c0 = −72/35.
    const fit = fitParabola([-2, -1, 0, 1, 2], [16, 1, 0, 1, 16])
    expect(fit.c2).toBeCloseTo(31 / 7, 12)
    expect(fit.c1).toBeCloseTo(0, 12)
    expect(fit.c0).toBeCloseTo(-72 / 35, 12)
  })

  it("needs three distinct x", () => {
    expect(() => fitParabola([1, 1, 2, 2], [1, 2, 3, 4])).toThrow(/3 distinct x values, got 2/)
  })
})

describe("fitPowerLaw", () => {
  it("recovers k and the exponent of exact power-law data", () => {
    const x = [1e18, 1e19, 1e20, 1e21]
    const y = x.map((xi) => 0.29 * xi ** 0.53)
    const fit = fitPowerLaw(x, y)
    expect(fit.exponent).toBeCloseTo(0.53, 10)
    expect(fit.k / 0.29).toBeCloseTo(1, 8)
    expect(fit.r2).toBeCloseTo(1, 12)
    expect(fit.n_points).toBe(4)
  })

  it("names the offending index of a non-positive or non-finite value", () => {
    expect(() => fitPowerLaw([1, 2, 3], [1, 0, 3])).toThrow(/y\[1\] is 0/)
    expect(() => fitPowerLaw([1, Number.NaN, 3], [1, 2, 3])).toThrow(/x\[1\] is NaN/)
  })

  it("needs two distinct x and paired arrays", () => {
    expect(() => fitPowerLaw([5, 5, 5], [1, 2, 3])).toThrow(/a power law needs at least 2 distinct x values/)
    expect(() => fitPowerLaw([1, 2], [1])).toThrow(LawInputError)
  })
})
