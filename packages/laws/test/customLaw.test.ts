import { describe, expect, it } from "vitest"
import { fitCustomLaw, predictCustomLaw } from "../src/custom/customLaw.ts"
import type { CustomLaw, LawRow } from "../src/custom/customLaw.ts"
import { compileLaw } from "../src/custom/lawExpression.ts"
import { LawInputError } from "../src/lawInputError.ts"
import { mulberry32, standardNormal } from "../src/random.ts"
import { chinchillaLaw } from "./synthetic.ts"

const chinchilla = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 }

/** A grid of (N, D) from 1e6..1e10 params and 1e8..1e12 tokens, loss with multiplicative noise. */
const chinchillaRows = (noise: number, seed: number): LawRow[] => {
  const random = mulberry32(seed)
  const rows: LawRow[] = []
  for (let i = 0; i < 8; i++) {
    for (let j = 0; j < 8; j++) {
      const N = 10 ** (6 + (4 * i) / 7)
      const D = 10 ** (8 + (4 * j) / 7)
      const clean = chinchilla.E + chinchilla.A / N ** chinchilla.alpha + chinchilla.B / D ** chinchilla.beta
      rows.push({ N, D, loss: clean * Math.exp(noise * standardNormal(random)) })
    }
  }
  return rows
}

describe("fitCustomLaw", () => {
  it("recovers E + A/N^alpha + B/D^beta from noisy synthetic data", () => {
    const fit = fitCustomLaw(chinchillaLaw, chinchillaRows(0.002, 7), { starts: 8, seed: 1 })
    const p = fit.parameters
    // 0.2% noise on 64 points pins E to 1% and the exponents to ±0.005 (seen: 1.684, 0.338, 0.279).
    expect(Math.abs((p["E"] ?? 0) - chinchilla.E)).toBeLessThan(0.02)
    expect(Math.abs((p["alpha"] ?? 0) - chinchilla.alpha)).toBeLessThan(0.005)
    expect(Math.abs((p["beta"] ?? 0) - chinchilla.beta)).toBeLessThan(0.005)
    expect(Math.abs(Math.log((p["A"] ?? 0) / chinchilla.A))).toBeLessThan(0.06)
    expect(Math.abs(Math.log((p["B"] ?? 0) / chinchilla.B))).toBeLessThan(0.06)
    expect(fit.n_points).toBe(64)
    expect(fit.residuals).toHaveLength(64)
    expect(fit.converged_starts).toBeGreaterThan(0)
  })

  it("recovers the exact parameters from noise-free data", () => {
    const fit = fitCustomLaw(chinchillaLaw, chinchillaRows(0, 7), { starts: 8, seed: 2 })
    const p = fit.parameters
    expect(p["E"]).toBeCloseTo(chinchilla.E, 4)
    expect(p["alpha"]).toBeCloseTo(chinchilla.alpha, 5)
    expect(p["beta"]).toBeCloseTo(chinchilla.beta, 5)
    expect(fit.objective).toBeLessThan(1e-9)
  })

  it("fits a simple power law L = k·C^(−a) by squared residuals", () => {
    const random = mulberry32(3)
    const rows = Array.from({ length: 20 }, (_, i) => {
      const C = 10 ** (15 + (5 * i) / 19)
      return { C, loss: 40 * C ** -0.07 * (1 + 0.001 * standardNormal(random)) }
    })
    const law: CustomLaw = {
      expression: "k * C^(-a)",
      variables: ["C"],
      parameters: { k: { start: [1, 200], bounds: [0, Number.POSITIVE_INFINITY] }, a: { start: [0.01, 0.5], bounds: [0, 1] } }
    }
    const fit = fitCustomLaw(law, rows, { logSpace: false, starts: 4 })
    expect(fit.parameters["a"]).toBeCloseTo(0.07, 3)
    expect(Math.abs(Math.log((fit.parameters["k"] ?? 0) / 40))).toBeLessThan(0.02)
    const [prediction] = predictCustomLaw(law, fit.parameters, [{ C: 1e21 }])
    expect(prediction).toBeCloseTo(40 * 1e21 ** -0.07, 3)
  })

  it("rejects rows without a variable and non-positive losses in log space", () => {
    expect(() => fitCustomLaw(chinchillaLaw, [{ N: 1e6, loss: 3 }])).toThrow(/row 0: variable D/)
    expect(() => fitCustomLaw(chinchillaLaw, [{ N: 1e6, D: 1e9, loss: 0 }])).toThrow(/row 0: loss is 0/)
  })

  it("rejects a start range outside the bounds", () => {
    const law: CustomLaw = { ...chinchillaLaw, parameters: { ...chinchillaLaw.parameters, alpha: { start: [-1, 0.5], bounds: [0, 2] } } }
    expect(() => fitCustomLaw(law, chinchillaRows(0, 1))).toThrow(/start range of alpha/)
  })
})

describe("compileLaw", () => {
  it("gives symbolic gradients that match central finite differences", () => {
    const parameters = ["E", "A", "alpha", "c", "k"]
    const law = compileLaw("E + A / N^alpha + c * log(D) * sqrt(N) / log10(D) + tanh(k * D / N) + exp(-k) * pow(N, c)", ["N", "D"], parameters)
    const at = Float64Array.from([3e3, 2e4, 1.5, 80, 0.3, 0.2, 0.7])
    parameters.forEach((_, p) => {
      const slot = 2 + p
      const h = 1e-6 * Math.max(1, Math.abs(at[slot] ?? 0))
      const up = Float64Array.from(at)
      const down = Float64Array.from(at)
      up[slot] = (up[slot] ?? 0) + h
      down[slot] = (down[slot] ?? 0) - h
      const numeric = (law.value(up) - law.value(down)) / (2 * h)
      const symbolic = (law.gradient[p] ?? (() => Number.NaN))(at)
      expect(Math.abs(symbolic - numeric)).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)))
    })
  })

  it.each([
    ["import('fs')", /function `import` is not allowed/],
    ["E + x", /unknown name `x`/],
    ["E; N", /not allowed/],
    ["N.constructor", /not allowed/],
    ["E > N", /operator `>` is not allowed/],
    ["f(x) = E", /not allowed/],
    ["E * 'text'", /is not a number/],
    ["log(N, E, 2)", /takes 1 or 2/],
    ["evaluate(\"E\")", /function `evaluate` is not allowed/]
  ])("rejects %s", (expression, message) => {
    expect(() => compileLaw(expression, ["N"], ["E"])).toThrow(LawInputError)
    expect(() => compileLaw(expression, ["N"], ["E"])).toThrow(message)
  })

  it("rejects a parameter the expression does not use, and clashing names", () => {
    expect(() => compileLaw("E + N", ["N"], ["E", "F"])).toThrow(/parameter `F` does not appear/)
    expect(() => compileLaw("E + N", ["N"], ["N"])).toThrow(/both as a variable and as a parameter/)
    expect(() => compileLaw("E + pi", ["N"], ["E", "pi"])).toThrow(/reserved/)
  })
})
