import { describe, expect, it } from "vitest"
import { fitParametric, fitParametricParallel, LawInputError, mulberry32, parametricLoss, standardNormal } from "../src/index.ts"
import { truth } from "./synthetic.ts"

const points = (() => {
  const random = mulberry32(7)
  return Array.from({ length: 120 }, () => {
    const params = 10 ** (7 + 3 * random())
    const tokens = 10 ** (9 + 3 * random())
    return { params, tokens, loss: parametricLoss(truth, params, tokens) * Math.exp(0.01 * standardNormal(random)) }
  })
})()

describe("fitParametricParallel", () => {
  it("finds the single-threaded fit's optimum, counting every start once", async () => {
    const single = fitParametric(points, { grid: "small" })
    const parallel = await fitParametricParallel(points, { grid: "small", threads: 3 })
    expect(parallel.objective).toBeLessThanOrEqual(single.objective * (1 + 1e-12))
    expect(parallel.alpha).toBeCloseTo(single.alpha, 8)
    expect(parallel.beta).toBeCloseTo(single.beta, 8)
    expect(parallel.starts).toBe(single.starts)
    expect(parallel.converged_starts).toBe(single.converged_starts)
  })

  it("keeps bad input a LawInputError across threads", async () => {
    await expect(fitParametricParallel(points.slice(0, 3), { grid: "small", threads: 2 })).rejects.toBeInstanceOf(LawInputError)
  })
})
