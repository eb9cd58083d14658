import { describe, expect, it } from "vitest"
import { boundedParameter } from "../src/optim/boundedParameter.ts"
import { LawInputError } from "../src/lawInputError.ts"

const cases: ReadonlyArray<readonly [string, readonly [number, number] | undefined, number]> = [
  ["between finite bounds", [0, 2], 0.34],
  ["above a lower bound", [1, Number.POSITIVE_INFINITY], 7.5],
  ["below an upper bound", [Number.NEGATIVE_INFINITY, -3], -40],
  ["without bounds", undefined, -2.5]
]

describe("boundedParameter", () => {
  it.each(cases)("%s: maps back and forth, stays inside, and its slope matches finite differences", (_, bounds, value) => {
    const transform = boundedParameter(bounds, "x")
    const u = transform.toUnconstrained(value)
    expect(transform.toValue(u)).toBeCloseTo(value, 12)
    for (const far of [-30, 30]) {
      const inside = transform.toValue(far)
      if (bounds !== undefined) expect(inside >= bounds[0] && inside <= bounds[1]).toBe(true)
    }
    const h = 1e-6
    const numeric = (transform.toValue(u + h) - transform.toValue(u - h)) / (2 * h)
    expect(transform.slope(u)).toBeCloseTo(numeric, 6)
  })

  it("rejects empty or reversed bounds", () => {
    expect(() => boundedParameter([2, 1], "alpha")).toThrow(LawInputError)
    expect(() => boundedParameter([1, 1], "alpha")).toThrow(/bounds of alpha/)
  })
})
