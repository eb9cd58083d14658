import { describe, expect, it } from "vitest"
import { replicateInterval } from "../src/allocationInterval.ts"
import type { Forecaster } from "../src/resultsFit.ts"

// A replicate whose compute-optimal allocation at C is N = scale·C^0.5, D = C / (6N), loss 2 + scale.
const replicate = (scale: number): Forecaster => (compute) => {
  const params = scale * Math.sqrt(compute)
  return { compute, params, tokens: compute / (6 * params), loss: 2 + scale }
}

describe("replicateInterval", () => {
  const target = { quantity: "compute", value: 1e12 } as const

  it("gives the percentile interval of the replicates' allocations at the target", () => {
    const interval = replicateInterval([1, 2, 3, 4, 5].map(replicate), target)!
    expect(interval.loss![0]).toBeCloseTo(3.4, 9)
    expect(interval.loss![1]).toBeCloseTo(6.6, 9)
    expect(interval.params[0]).toBeCloseTo(1.4e6, 3)
  })

  it("leaves out a replicate with no finite optimum instead of failing, and gives none when none is left", () => {
    const runaway: Forecaster = (compute) => ({ compute, params: Number.POSITIVE_INFINITY, tokens: 0, loss: 2 })
    const withRunaway = replicateInterval([runaway, ...[1, 2, 3, 4, 5].map(replicate)], target)!
    expect(withRunaway).toEqual(replicateInterval([1, 2, 3, 4, 5].map(replicate), target))
    expect(replicateInterval([runaway], target)).toBeUndefined()
  })
})
