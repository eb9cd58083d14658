import { describe, expect, it } from "vitest"
import { mulberry32, standardNormal } from "../src/index.ts"

describe("mulberry32", () => {
  it("repeats its sequence for a seed and differs across seeds", () => {
    const first = Array.from({ length: 5 }, mulberry32(42))
    expect(Array.from({ length: 5 }, mulberry32(42))).toEqual(first)
    expect(Array.from({ length: 5 }, mulberry32(43))).not.toEqual(first)
    for (const value of first) {
      expect(value).toBeGreaterThanOrEqual(0)
      expect(value).toBeLessThan(1)
    }
  })

  it("draws standard normals with mean 0 and variance 1", () => {
    const random = mulberry32(7)
    const draws = Array.from({ length: 20_000 }, () => standardNormal(random))
    const mean = draws.reduce((sum, v) => sum + v, 0) / draws.length
    const variance = draws.reduce((sum, v) => sum + (v - mean) ** 2, 0) / draws.length
    // Standard errors: 1/√20000 ≈ 0.007 for the mean, √(2/20000) ≈ 0.01 for the variance.
    expect(Math.abs(mean)).toBeLessThan(0.03)
    expect(Math.abs(variance - 1)).toBeLessThan(0.04)
  })
})
