import { describe, expect, it } from "vitest"
import { lnGamma, meanInterval, regularizedBeta, studentTCdf, studentTQuantile } from "../src/index.ts"

describe("Student's t", () => {
  it("lnGamma matches factorials and Γ(1/2) = √π", () => {
    expect(lnGamma(1)).toBeCloseTo(0, 12)
    expect(lnGamma(6)).toBeCloseTo(Math.log(120), 11)
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12)
    // Γ(n + 1/2) = (2n)! / (4^n n!) · √π: Γ(5.5) = 3628800 / (1024 · 120) · √π.
    expect(lnGamma(5.5)).toBeCloseTo(Math.log((3628800 / (1024 * 120)) * Math.sqrt(Math.PI)), 11)
  })

  it("the regularised incomplete beta function has its closed forms", () => {
    // I_x(1, b) = 1 − (1 − x)^b and I_x(a, 1) = x^a.
    expect(regularizedBeta(0.3, 1, 4)).toBeCloseTo(1 - 0.7 ** 4, 12)
    expect(regularizedBeta(0.8, 3, 1)).toBeCloseTo(0.8 ** 3, 12)
    expect(regularizedBeta(0.5, 2.5, 2.5)).toBeCloseTo(0.5, 12)
  })

  it("the CDF is the Cauchy distribution's at one degree of freedom", () => {
    for (const t of [-3, -0.4, 0, 1, 7]) expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12)
  })

  it("quantiles match published tables", () => {
    // One-sided quantiles from standard t tables (e.g. NIST/SEMATECH e-Handbook, Table 1.3.6.7.2).
    expect(studentTQuantile(0.9, 1)).toBeCloseTo(3.078, 3)
    expect(studentTQuantile(0.9, 2)).toBeCloseTo(1.886, 3)
    expect(studentTQuantile(0.9, 5)).toBeCloseTo(1.476, 3)
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228, 3)
    expect(studentTQuantile(0.995, 3)).toBeCloseTo(5.841, 3)
    expect(studentTQuantile(0.1, 4)).toBeCloseTo(-1.533, 3)
    // Many degrees of freedom: the normal's 1.2816.
    expect(studentTQuantile(0.9, 1e6)).toBeCloseTo(1.2816, 3)
  })
})

describe("meanInterval", () => {
  it("is the t interval of the mean", () => {
    const result = meanInterval([1, 2, 3, 4], 0.8)
    const half = 1.638 * Math.sqrt(5 / 3 / 4) // t(0.9, 3) = 1.638
    expect(result.mean).toBe(2.5)
    expect(result.interval?.[0]).toBeCloseTo(2.5 - half, 3)
    expect(result.interval?.[1]).toBeCloseTo(2.5 + half, 3)
  })

  it("has no interval from one value", () => {
    expect(meanInterval([0.3], 0.8)).toEqual({ mean: 0.3, n: 1 })
  })

  it("covers the true mean at about its level on normal draws", () => {
    // A fixed generator: 2,000 samples of 3 draws from N(1, 0.5²).
    let state = 12345
    const uniform = () => {
      state = (state * 1103515245 + 12345) % 2147483648
      return (state + 0.5) / 2147483648
    }
    const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())
    let covered = 0
    const trials = 2000
    for (let i = 0; i < trials; i++) {
      const { interval } = meanInterval([0, 1, 2].map(() => 1 + 0.5 * normal()), 0.8)
      if (interval !== undefined && interval[0] <= 1 && 1 <= interval[1]) covered += 1
    }
    expect(covered / trials).toBeGreaterThan(0.77)
    expect(covered / trials).toBeLessThan(0.83)
  })
})
