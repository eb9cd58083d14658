import { describe, expect, it } from "vitest"
import { learningRateAt } from "../src/optim/schedule.ts"

const cosine = { kind: "cosine", peak: 1e-3, warmup: 0.1, minFraction: 0.1 } as const

describe("learningRateAt", () => {
  it("warms up linearly over warmup·steps steps", () => {
    // 100 steps, 10 of warmup: step i (0-based) gets peak·(i+1)/10.
    expect(learningRateAt(0, 100, cosine)).toBeCloseTo(1e-4, 12)
    expect(learningRateAt(4, 100, cosine)).toBeCloseTo(5e-4, 12)
    expect(learningRateAt(9, 100, cosine)).toBeCloseTo(1e-3, 12)
  })

  it("decays by a half cosine from the peak to peak·minFraction at the last step", () => {
    expect(learningRateAt(10, 100, cosine)).toBeCloseTo(1e-3, 12)
    // Halfway through the decay (step 10 + 89/2) the cosine term is 0: the midpoint of peak and floor.
    const mid = learningRateAt(10 + 89 / 2, 100, cosine)
    expect(mid).toBeCloseTo((1e-3 + 1e-4) / 2, 12)
    expect(learningRateAt(99, 100, cosine)).toBeCloseTo(1e-4, 12)
  })

  it("matches the cycle to the run's own length", () => {
    expect(learningRateAt(999, 1000, cosine)).toBeCloseTo(1e-4, 12)
    expect(learningRateAt(49, 50, cosine)).toBeCloseTo(1e-4, 12)
  })

  it("holds the peak after warmup when constant", () => {
    const constant = { ...cosine, kind: "constant" } as const
    expect(learningRateAt(9, 100, constant)).toBeCloseTo(1e-3, 12)
    expect(learningRateAt(99, 100, constant)).toBe(1e-3)
  })

  it("decays linearly from the peak to peak·minFraction at the last step when linear", () => {
    // 100 steps, 10 of warmup: the decay spans steps 10..99, 89 intervals of (1e-3 - 1e-4) / 89.
    const linear = { ...cosine, kind: "linear" } as const
    expect(learningRateAt(9, 100, linear)).toBeCloseTo(1e-3, 12)
    expect(learningRateAt(10, 100, linear)).toBeCloseTo(1e-3, 12)
    expect(learningRateAt(11, 100, linear)).toBeCloseTo(1e-3 - 9e-4 / 89, 12)
    expect(learningRateAt(10 + 89 / 2, 100, linear)).toBeCloseTo((1e-3 + 1e-4) / 2, 12)
    expect(learningRateAt(99, 100, linear)).toBeCloseTo(1e-4, 12)
    // Equal steps down: an annealing probe's decay to zero (min_lr_fraction 0) over 4 steps.
    const toZero = { kind: "linear", peak: 3e-3, warmup: 0, minFraction: 0 } as const
    expect([0, 1, 2, 3].map((step) => learningRateAt(step, 4, toZero))).toEqual([3e-3, 2e-3, 1e-3, 0].map((lr) => expect.closeTo(lr, 12)))
  })

  it("starts at the peak with no warmup", () => {
    expect(learningRateAt(0, 10, { ...cosine, warmup: 0 })).toBe(1e-3)
  })
})
