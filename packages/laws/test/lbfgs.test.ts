import { describe, expect, it } from "vitest"
import type { Objective } from "../src/optim/lbfgs.ts"
import { minimizeLbfgs } from "../src/optim/lbfgs.ts"

const tight = { gradientTolerance: 1e-10, valueTolerance: 0 }

const expectClose = (actual: ArrayLike<number>, expected: ReadonlyArray<number>, tolerance: number): void => {
  expect(actual.length).toBe(expected.length)
  expected.forEach((value, i) => expect(Math.abs((actual[i] as number) - value)).toBeLessThan(tolerance))
}

/** Σ over pairs 100·(x₂ᵢ − x₂ᵢ₋₁²)² + (1 − x₂ᵢ₋₁)²: a curved valley, unique minimum at all ones. */
const rosenbrock: Objective = (x, gradient) => {
  gradient.fill(0)
  let value = 0
  for (let i = 0; i < x.length; i += 2) {
    const u = x[i] as number
    const v = x[i + 1] as number
    const valley = v - u * u
    value += 100 * valley * valley + (1 - u) ** 2
    gradient[i] = -400 * u * valley - 2 * (1 - u)
    gradient[i + 1] = 200 * valley
  }
  return value
}

/** offset + ½(x − x*)ᵀQ(x − x*), Q symmetric positive definite. */
const quadraticMinimiser = [1.5, -2, 0.25, 3]
const quadratic =
  (offset: number): Objective =>
  (x, gradient) => {
    const q = [
      [10, 2, 0, 1],
      [2, 8, 1, 0],
      [0, 1, 5, 0.5],
      [1, 0, 0.5, 1]
    ]
    const shift = quadraticMinimiser.map((m, i) => (x[i] as number) - m)
    let value = offset
    q.forEach((row, i) => {
      const qShift = row.reduce((sum, entry, j) => sum + entry * (shift[j] as number), 0)
      gradient[i] = qShift
      value += 0.5 * qShift * (shift[i] as number)
    })
    return value
  }

describe("minimizeLbfgs", () => {
  it("finds the minimum of the 2-D Rosenbrock function from the classic start", () => {
    const result = minimizeLbfgs(rosenbrock, [-1.2, 1], tight)
    expect(result.converged).toBe(true)
    expect(result.reason).toMatch(/^gradient converged/)
    expectClose(result.x, [1, 1], 1e-6)
    expect(result.value).toBeLessThan(1e-12)
    expect(result.evaluations).toBeGreaterThanOrEqual(result.iterations)
  })

  it("finds the minimum of the 10-D Rosenbrock function", () => {
    const start = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? -1.2 : 1))
    const result = minimizeLbfgs(rosenbrock, start, tight)
    expect(result.converged).toBe(true)
    expectClose(result.x, Array(10).fill(1), 1e-6)
  })

  it("solves a convex quadratic with a known minimiser", () => {
    const result = minimizeLbfgs(quadratic(0), [0, 0, 0, 0], tight)
    expect(result.converged).toBe(true)
    expectClose(result.x, quadraticMinimiser, 1e-9)
  })

  it("finds the minima of Booth's and Beale's functions", () => {
    const booth: Objective = (x, gradient) => {
      const [u = 0, v = 0] = x
      const r1 = u + 2 * v - 7
      const r2 = 2 * u + v - 5
      gradient[0] = 2 * r1 + 4 * r2
      gradient[1] = 4 * r1 + 2 * r2
      return r1 * r1 + r2 * r2
    }
    expectClose(minimizeLbfgs(booth, [-5, 5], tight).x, [1, 3], 1e-8)

    const beale: Objective = (x, gradient) => {
      const [u = 0, v = 0] = x
      const terms = [1.5 - u + u * v, 2.25 - u + u * v * v, 2.625 - u + u * v ** 3]
      const [t1 = 0, t2 = 0, t3 = 0] = terms
      gradient[0] = 2 * t1 * (v - 1) + 2 * t2 * (v * v - 1) + 2 * t3 * (v ** 3 - 1)
      gradient[1] = 2 * t1 * u + 2 * t2 * 2 * u * v + 2 * t3 * 3 * u * v * v
      return t1 * t1 + t2 * t2 + t3 * t3
    }
    const result = minimizeLbfgs(beale, [1, 1], tight)
    expect(result.converged).toBe(true)
    expectClose(result.x, [3, 0.5], 1e-6)
  })

  it("backs off when the first step overshoots into a region where the objective is not finite", () => {
    // x − ln(1 − x) − ln(1 + x) is finite only on (−1, 1); from 0 the first unit step lands on −1
    // (value +∞). Setting the derivative 1 + 1/(1 − x) − 1/(1 + x) to zero gives x* = 1 − √2.
    let nonFinite = 0
    const barrier: Objective = (x, gradient) => {
      const u = x[0] as number
      gradient[0] = 1 + 1 / (1 - u) - 1 / (1 + u)
      const value = u - Math.log(1 - u) - Math.log(1 + u)
      if (!Number.isFinite(value)) nonFinite++
      return value
    }
    const result = minimizeLbfgs(barrier, [0], tight)
    expect(nonFinite).toBeGreaterThan(0)
    expect(result.converged).toBe(true)
    expectClose(result.x, [1 - Math.SQRT2], 1e-8)
  })

  it("says why it stopped", () => {
    const limited = minimizeLbfgs(rosenbrock, [-1.2, 1], { maxIterations: 3 })
    expect(limited.converged).toBe(false)
    expect(limited.iterations).toBe(3)
    expect(limited.reason).toMatch(/iteration limit \(3\)/)

    const loose = minimizeLbfgs(rosenbrock, [-1.2, 1], { gradientTolerance: 0, valueTolerance: 1e-3 })
    expect(loose.converged).toBe(true)
    expect(loose.reason).toMatch(/^value converged/)

    const atMinimum = minimizeLbfgs(rosenbrock, [1, 1])
    expect(atMinimum.iterations).toBe(0)
    expect(atMinimum.reason).toMatch(/^gradient converged/)

    // A gradient of the wrong sign makes every search direction uphill in truth.
    const wrongGradient: Objective = (x, gradient) => {
      gradient[0] = -2 * (x[0] as number)
      return (x[0] as number) ** 2
    }
    const failed = minimizeLbfgs(wrongGradient, [1])
    expect(failed.converged).toBe(false)
    expect(failed.reason).toMatch(/^line search failed/)
    expect(failed.x[0]).toBe(1)

    const broken = minimizeLbfgs((_x, gradient) => {
      gradient.fill(0)
      return Number.NaN
    }, [0, 0])
    expect(broken.converged).toBe(false)
    expect(broken.reason).toMatch(/not finite at the starting point/)
  })

  it("leaves the starting point unchanged", () => {
    const start = [-1.2, 1]
    minimizeLbfgs(rosenbrock, start)
    expect(start).toEqual([-1.2, 1])
  })
})
