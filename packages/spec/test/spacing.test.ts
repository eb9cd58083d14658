import { describe, expect, it } from "vitest"
import { linspace, logspace } from "../src/index.ts"

describe("logspace", () => {
  it("spaces values evenly in log scale, ends included exactly", () => {
    const values = logspace(1e11, 1e12, 3)
    expect(values).toHaveLength(3)
    expect(values[0]).toBe(1e11)
    expect(values[1]).toBeCloseTo(10 ** 11.5, 0)
    expect(values[2]).toBe(1e12)
  })

  it("keeps a constant ratio between neighbours", () => {
    const values = logspace(2, 2 * 3 ** 4, 5)
    values.slice(1).forEach((v, i) => expect(v / values[i]!).toBeCloseTo(3, 12))
  })

  it("gives the start alone for one point, and descends when the ends do", () => {
    expect(logspace(5, 50, 1)).toEqual([5])
    expect(logspace(100, 1, 3)).toEqual([100, 10, 1])
  })

  it("rejects ends that are not positive and counts that are not whole", () => {
    expect(() => logspace(0, 10, 3)).toThrow("both ends must be positive")
    expect(() => logspace(-1, 10, 3)).toThrow("both ends must be positive")
    expect(() => logspace(1, 10, 0)).toThrow("integer from 1 to 1000")
    expect(() => logspace(1, 10, 2.5)).toThrow("integer from 1 to 1000")
    expect(() => logspace(1, 10, 1001)).toThrow("integer from 1 to 1000")
  })
})

describe("linspace", () => {
  it("spaces values evenly, ends included", () => {
    expect(linspace(0, 1, 5)).toEqual([0, 0.25, 0.5, 0.75, 1])
    expect(linspace(3, -3, 3)).toEqual([3, 0, -3])
    expect(linspace(0.1, 0.7, 7).at(-1)).toBe(0.7)
    expect(linspace(4, 9, 1)).toEqual([4])
  })
})
