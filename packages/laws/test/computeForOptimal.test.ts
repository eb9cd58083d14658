import { describe, expect, it } from "vitest"
import { computeForOptimal, computeOptimal, LawInputError, lawByName } from "../src/index.ts"

describe("computeForOptimal", () => {
  it("inverts Chinchilla's closed form: C = 6·(N/G)^((α+β)/β)", () => {
    const law = lawByName("chinchilla")
    if (law.kind !== "parametric") throw new Error("chinchilla is parametric")
    const { A, B, alpha, beta } = law
    const g = ((alpha * A) / (beta * B)) ** (1 / (alpha + beta))
    const params = 7e10
    const expected = 6 * (params / g) ** ((alpha + beta) / beta)
    const compute = computeForOptimal((c) => computeOptimal(law, c), "params", params)
    expect(compute / expected).toBeCloseTo(1, 10)
    // D*(C) = (C/6)/N*(C), so the tokens inversion must land on the same compute.
    const tokens = computeOptimal(law, compute).tokens
    expect(computeForOptimal((c) => computeOptimal(law, c), "tokens", tokens) / compute).toBeCloseTo(1, 10)
  })

  it("round-trips published compute laws", () => {
    for (const name of ["llama-3", "kaplan-2020", "deepseek-llm"]) {
      const optimal = (c: number) => computeOptimal(lawByName(name), c)
      expect(computeForOptimal(optimal, "tokens", optimal(3.8e25).tokens) / 3.8e25).toBeCloseTo(1, 9)
    }
  })

  it("refuses a law whose optimum does not grow with compute", () => {
    expect(() => computeForOptimal(() => ({ params: 1e9, tokens: 1e9 }), "params", 1e9)).toThrow(LawInputError)
  })
})
