import { describe, expect, it } from "vitest"
import { accuracyAtNll, fitAccuracySigmoid } from "../src/downstream/accuracySigmoid.ts"
import { fitDownstream, forecastAccuracy } from "../src/downstream/downstream.ts"
import { LawInputError } from "../src/lawInputError.ts"
import { evaluateOffsetPowerLaw, fitOffsetPowerLaw } from "../src/downstream/offsetPowerLaw.ts"
import { mulberry32, standardNormal } from "../src/random.ts"

const nllLaw = { E: 0.6, A: 2500, alpha: 0.18 }
const sigmoid = { chance: 0.25, span: 0.6, steepness: 6, midpoint: 1.3 }
const computes = Array.from({ length: 12 }, (_, i) => 10 ** (18 + (4 * i) / 11))

describe("fitOffsetPowerLaw (stage 1)", () => {
  it("recovers E, A, alpha exactly from noise-free points", () => {
    const fit = fitOffsetPowerLaw(computes, computes.map((c) => evaluateOffsetPowerLaw(nllLaw, c)))
    expect(fit.E).toBeCloseTo(nllLaw.E, 6)
    expect(fit.alpha).toBeCloseTo(nllLaw.alpha, 6)
    expect(fit.A / nllLaw.A).toBeCloseTo(1, 4)
  })

  it("recovers them within tolerance from noisy points", () => {
    const random = mulberry32(11)
    const nll = computes.map((c) => evaluateOffsetPowerLaw(nllLaw, c) + 0.003 * standardNormal(random))
    const fit = fitOffsetPowerLaw(computes, nll)
    // Seen: E 0.598, alpha 0.1791, A 2407.
    expect(Math.abs(fit.E - nllLaw.E)).toBeLessThan(0.02)
    expect(Math.abs(fit.alpha - nllLaw.alpha)).toBeLessThan(0.005)
    expect(Math.abs(Math.log(fit.A / nllLaw.A))).toBeLessThan(0.1)
    expect(fit.n_points).toBe(12)
  })

  it("rejects data that rises with compute", () => {
    expect(() => fitOffsetPowerLaw(computes, computes.map((_, i) => 1 + 0.1 * i))).toThrow(LawInputError)
  })
})

describe("fitAccuracySigmoid (stage 2)", () => {
  const nll = Array.from({ length: 30 }, (_, i) => 0.6 + (1.8 * i) / 29)

  it("recovers the sigmoid exactly from noise-free points", () => {
    const fit = fitAccuracySigmoid(nll, nll.map((l) => accuracyAtNll(sigmoid, l)))
    expect(fit.chance).toBeCloseTo(sigmoid.chance, 5)
    expect(fit.span).toBeCloseTo(sigmoid.span, 5)
    expect(fit.steepness).toBeCloseTo(sigmoid.steepness, 4)
    expect(fit.midpoint).toBeCloseTo(sigmoid.midpoint, 5)
  })

  it("recovers it within tolerance from noisy points, with accuracy falling as NLL grows", () => {
    const random = mulberry32(5)
    const fit = fitAccuracySigmoid(nll, nll.map((l) => accuracyAtNll(sigmoid, l) + 0.01 * standardNormal(random)))
    // Seen: chance 0.255, span 0.590, steepness 6.11, midpoint 1.305.
    expect(Math.abs(fit.chance - sigmoid.chance)).toBeLessThan(0.015)
    expect(Math.abs(fit.span - sigmoid.span)).toBeLessThan(0.025)
    expect(Math.abs(fit.steepness - sigmoid.steepness)).toBeLessThan(0.5)
    expect(Math.abs(fit.midpoint - sigmoid.midpoint)).toBeLessThan(0.015)
    expect(accuracyAtNll(fit, 0.7)).toBeGreaterThan(accuracyAtNll(fit, 2))
  })

  it("refuses accuracy that rises with the NLL, which no falling sigmoid describes", () => {
    const nll = [1.0, 1.1, 1.2, 1.3, 1.4, 1.5]
    expect(() => fitAccuracySigmoid(nll, nll.map((l) => 0.2 + 0.1 * l))).toThrow(LawInputError)
    expect(() => fitAccuracySigmoid(nll, nll.map((l) => 0.2 + 0.1 * l))).toThrow(/does not fall as the task NLL grows/)
  })

  it("is a falling sigmoid at known points", () => {
    expect(accuracyAtNll(sigmoid, sigmoid.midpoint)).toBeCloseTo(0.25 + 0.3, 12)
    // 0.25 + 0.6/(1 + e^(−3)) by hand: e^(−3) = 0.0497871, 0.6/1.0497871 = 0.5715444.
    expect(accuracyAtNll(sigmoid, 0.8)).toBeCloseTo(0.8215444, 6)
    expect(accuracyAtNll(sigmoid, 1e6)).toBe(0.25)
  })
})

describe("forecastAccuracy (both stages chained)", () => {
  it("forecasts accuracy at a held-out compute 10x beyond the sweep", () => {
    const random = mulberry32(21)
    const points = computes.map((compute) => {
      const nll = evaluateOffsetPowerLaw(nllLaw, compute)
      return {
        compute,
        nll: nll + 0.002 * standardNormal(random),
        accuracy: accuracyAtNll(sigmoid, nll) + 0.005 * standardNormal(random)
      }
    })
    const fit = fitDownstream(points)
    const heldOut = 1e23
    const trueNll = evaluateOffsetPowerLaw(nllLaw, heldOut)
    const forecast = forecastAccuracy(fit, heldOut)
    expect(forecast.compute).toBe(heldOut)
    // Seen: NLL 0.7833 vs 0.7811, accuracy 0.829 vs 0.824.
    expect(Math.abs(forecast.nll - trueNll)).toBeLessThan(0.01)
    expect(Math.abs(forecast.accuracy - accuracyAtNll(sigmoid, trueNll))).toBeLessThan(0.015)
  })
})
