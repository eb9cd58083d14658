import { describe, expect, it } from "vitest"
import type { LineFunction } from "../src/optim/lineSearch.ts"
import { strongWolfeLineSearch } from "../src/optim/lineSearch.ts"

/** φ(t) = (t − m)², a parabola with its minimum at step m. */
const parabola =
  (m: number): LineFunction =>
  (t, out) => {
    out.value = (t - m) ** 2
    out.slope = 2 * (t - m)
  }

const c1 = 1e-4
const c2 = 0.9

const expectStrongWolfe = (phi: LineFunction, step: number): void => {
  const origin = { value: 0, slope: 0 }
  const at = { value: 0, slope: 0 }
  phi(0, origin)
  phi(step, at)
  expect(at.value).toBeLessThanOrEqual(origin.value + c1 * step * origin.slope)
  expect(Math.abs(at.slope)).toBeLessThanOrEqual(c2 * Math.abs(origin.slope))
}

describe("strongWolfeLineSearch", () => {
  it("zooms back when the first trial step overshoots the minimum", () => {
    const phi = parabola(0.1)
    const result = strongWolfeLineSearch(phi, 0.01, -0.2, 1)
    expect(result.found).toBe(true)
    expect(result.step).toBeLessThan(1)
    expectStrongWolfe(phi, result.step)
    // The cubic through the two ends of a parabola's bracket is the parabola itself: exact at once.
    expect(result.step).toBeCloseTo(0.1, 12)
    expect(result.evaluations).toBe(2)
  })

  it("expands the step when the first trial falls short", () => {
    const phi = parabola(50)
    const result = strongWolfeLineSearch(phi, 2500, -100, 1)
    expect(result.found).toBe(true)
    expect(result.step).toBeGreaterThan(4)
    expectStrongWolfe(phi, result.step)
  })

  it("treats a non-finite value as a step too far", () => {
    const phi: LineFunction = (t, out) => {
      out.value = t > 0.5 ? Number.POSITIVE_INFINITY : (t - 0.3) ** 2
      out.slope = t > 0.5 ? Number.NaN : 2 * (t - 0.3)
    }
    const result = strongWolfeLineSearch(phi, 0.09, -0.6, 1)
    expect(result.found).toBe(true)
    expectStrongWolfe(phi, result.step)
  })

  it("refuses a direction that does not descend", () => {
    const result = strongWolfeLineSearch(parabola(-1), 1, 2, 1)
    expect(result.found).toBe(false)
    expect(result.step).toBe(0)
    expect(result.failure).toMatch(/not a descent direction/)
  })
})
