import { describe, expect, it } from "vitest"
import {
  type BootstrappedLaw,
  chinchillaLossLaw,
  computeForLoss,
  computeMultiplier,
  LawInputError,
  type LossLaw,
  multiplierAt,
  multiplierTrend,
  type ParametricCoefficients,
  percentileInterval
} from "../src/index.ts"
import { truth, withComputeMultiplier } from "./synthetic.ts"

const baseline = chinchillaLossLaw(truth)

/** A Chinchilla law's compute-optimal reducible loss is G·(C/6)^(−γ) with γ = αβ/(α+β) (Hoffmann et al. 2022, eq. 4). */
const reducibleLoss = (law: ParametricCoefficients) => {
  const g = ((law.alpha * law.A) / (law.beta * law.B)) ** (1 / (law.alpha + law.beta))
  return { G: law.A * g ** -law.alpha + law.B * g ** law.beta, gamma: (law.alpha * law.beta) / (law.alpha + law.beta) }
}

// Larger exponents than the baseline's, the same floor: a candidate that gains more per decade of compute.
const steeper: ParametricCoefficients = { ...truth, alpha: 0.4, beta: 0.34 }

const fixed = (law: LossLaw): BootstrappedLaw => ({ law, replicates: undefined, failed: 0 })
const withReplicates = (law: LossLaw, replicates: ReadonlyArray<LossLaw>, failed = 0): BootstrappedLaw => ({ law, replicates, failed })

describe("computeMultiplier", () => {
  it("is exactly k at every budget for a candidate equal to the baseline at (√k·N, √k·D)", () => {
    for (const k of [1, 2, 10, 0.5]) {
      const candidate = chinchillaLossLaw(withComputeMultiplier(truth, k))
      for (const compute of [1e17, 1e21, 1e25]) {
        const result = computeMultiplier(baseline, candidate, compute)
        expect(result.reachable).toBe(true)
        expect(result.multiplier).toBeCloseTo(k, 9)
        expect(result.baselineCompute / (k * compute)).toBeCloseTo(1, 9)
        expect(result.loss).toBeCloseTo(baseline.optimumAt(k * compute).loss, 12)
      }
    }
  })

  it("matches the closed form for laws sharing a floor: C_b/6 = (G_b/G_c)^(1/γ_b)·(C/6)^(γ_c/γ_b)", () => {
    const b = reducibleLoss(truth)
    const c = reducibleLoss(steeper)
    const candidate = chinchillaLossLaw(steeper)
    for (const compute of [1e18, 1e22, 1e26]) {
      const expected = (6 * (b.G / c.G) ** (1 / b.gamma) * (compute / 6) ** (c.gamma / b.gamma)) / compute
      expect(computeMultiplier(baseline, candidate, compute).multiplier / expected).toBeCloseTo(1, 9)
    }
  })

  it("is Infinity, and says so, where the candidate's loss lies below the baseline's floor", () => {
    const lowerFloor = chinchillaLossLaw({ ...truth, E: 1.6 })
    // At 1e18 FLOPs the candidate's loss is far above either floor; at 1e30 it is below 1.69.
    expect(computeMultiplier(baseline, lowerFloor, 1e18).reachable).toBe(true)
    const beyond = computeMultiplier(baseline, lowerFloor, 1e30)
    expect(beyond.loss).toBeLessThan(truth.E)
    expect(beyond).toMatchObject({ reachable: false, multiplier: Number.POSITIVE_INFINITY, baselineCompute: Number.POSITIVE_INFINITY })
  })

  it("inverts the compute-optimal loss: computeForLoss(L*(C)) = C, Infinity at or below the floor", () => {
    for (const compute of [1e15, 1e20, 1e24]) {
      expect(computeForLoss(baseline, baseline.optimumAt(compute).loss) / compute).toBeCloseTo(1, 9)
    }
    expect(computeForLoss(baseline, truth.E)).toBe(Number.POSITIVE_INFINITY)
    expect(computeForLoss(baseline, truth.E - 0.1)).toBe(Number.POSITIVE_INFINITY)
  })

  it("rejects a law with no compute-optimal loss", () => {
    const broken = chinchillaLossLaw({ ...truth, alpha: -0.1 })
    expect(() => computeMultiplier(baseline, broken, 1e20)).toThrow(LawInputError)
  })
})

describe("multiplierAt", () => {
  it("takes the percentile interval over the i-th refit of each law, paired", () => {
    const ks = [3, 1, 4, 10, 5, 9, 2, 6, 8, 7]
    const result = multiplierAt(
      withReplicates(baseline, ks.map(() => baseline)),
      withReplicates(chinchillaLossLaw(withComputeMultiplier(truth, 2)), ks.map((k) => chinchillaLossLaw(withComputeMultiplier(truth, k)))),
      1e21,
      0.8
    )
    expect(result.multiplier).toBeCloseTo(2, 9)
    const [low, high] = result.interval ?? [Number.NaN, Number.NaN]
    const [expectedLow, expectedHigh] = percentileInterval(ks, 0.8)
    expect(low).toBeCloseTo(expectedLow, 8)
    expect(high).toBeCloseTo(expectedHigh, 8)
    expect(result.health).toMatchObject({ requested: 10, used: 10, failed: 0, trustworthy: true })
    expect(result.unreachable).toBe(0)
  })

  it("pairs refits by index: the baseline's i-th refit against the candidate's i-th", () => {
    // Baseline refits at (√k·N, √k·D) and candidate refits at (√k·N, √k·D) with the same k: every pair's multiplier is 1.
    const ks = [0.5, 1, 2, 4, 8]
    const refits = ks.map((k) => chinchillaLossLaw(withComputeMultiplier(truth, k)))
    const result = multiplierAt(withReplicates(baseline, refits), withReplicates(baseline, refits), 1e20, 0.8)
    expect(result.interval?.[0]).toBeCloseTo(1, 9)
    expect(result.interval?.[1]).toBeCloseTo(1, 9)
  })

  it("keeps pairs whose baseline never reaches the candidate as Infinity, and counts them", () => {
    const candidates = [...Array.from({ length: 8 }, () => baseline), chinchillaLossLaw({ ...truth, E: 1.5 }), chinchillaLossLaw({ ...truth, E: 1.5 })]
    const result = multiplierAt(withReplicates(baseline, candidates.map(() => baseline)), withReplicates(baseline, candidates), 1e30, 0.8)
    expect(result.unreachable).toBe(2)
    expect(result.interval?.[0]).toBeCloseTo(1, 9)
    expect(result.interval?.[1]).toBe(Number.POSITIVE_INFINITY)
    // Unreachable pairs are draws, not failures.
    expect(result.health).toMatchObject({ used: 10, failed: 0, trustworthy: true })
  })

  it("counts refits missing from either fit as failed pairs, by the 5% rule", () => {
    const refits = Array.from({ length: 18 }, () => baseline)
    const result = multiplierAt(withReplicates(baseline, [...refits, baseline, baseline]), withReplicates(baseline, refits, 2), 1e20, 0.8)
    expect(result.health).toMatchObject({ requested: 20, used: 18, failed: 2, trustworthy: false })
    expect(result.health?.warning).toMatch(/only 18 of 20 bootstrap resamples/)
  })

  it("has no interval without a bootstrap of both laws", () => {
    const result = multiplierAt(fixed(baseline), withReplicates(baseline, [baseline, baseline]), 1e20, 0.8)
    expect(result).toMatchObject({ interval: undefined, health: undefined, multiplier: expect.closeTo(1, 9) })
  })
})

describe("multiplierTrend", () => {
  it("is flat for a constant multiplier: slope 0, and holds", () => {
    const refits = [1.5, 2, 2.5].map((k) => chinchillaLossLaw(withComputeMultiplier(truth, k)))
    const trend = multiplierTrend(withReplicates(baseline, [baseline, baseline, baseline]), withReplicates(chinchillaLossLaw(withComputeMultiplier(truth, 2)), refits), 1e18, 1e23, 0.8)
    expect(trend.slope).toBeCloseTo(0, 9)
    expect(trend.interval?.[0]).toBeCloseTo(0, 9)
    expect(trend.interval?.[1]).toBeCloseTo(0, 9)
    expect(trend.direction).toBe("holds")
  })

  it("grows for a candidate with larger exponents, at slope γ_c/γ_b − 1 when the floors agree", () => {
    const slope = reducibleLoss(steeper).gamma / reducibleLoss(truth).gamma - 1
    const refits = [0.38, 0.4, 0.42].map((alpha) => chinchillaLossLaw({ ...steeper, alpha }))
    const trend = multiplierTrend(withReplicates(baseline, [baseline, baseline, baseline]), withReplicates(chinchillaLossLaw(steeper), refits), 1e18, 1e23, 0.8)
    expect(trend.slope).toBeCloseTo(slope, 9)
    expect(trend.interval?.[0]).toBeGreaterThan(0)
    expect(trend.direction).toBe("grows")
  })

  it("shrinks for a candidate with smaller exponents", () => {
    const flatter = { ...truth, alpha: 0.3, beta: 0.24 }
    const refits = [0.29, 0.3, 0.31].map((alpha) => chinchillaLossLaw({ ...flatter, alpha }))
    const trend = multiplierTrend(withReplicates(baseline, [baseline, baseline, baseline]), withReplicates(chinchillaLossLaw(flatter), refits), 1e18, 1e23, 0.8)
    expect(trend.slope).toBeLessThan(0)
    expect(trend.direction).toBe("shrinks")
  })

  it("has slope Infinity when the baseline never reaches the candidate at the span's end", () => {
    const trend = multiplierTrend(fixed(baseline), fixed(chinchillaLossLaw({ ...truth, E: 1.6 })), 1e18, 1e30, 0.8)
    expect(trend.slope).toBe(Number.POSITIVE_INFINITY)
    expect(trend.direction).toBeUndefined()
  })

  it("needs a span", () => {
    expect(() => multiplierTrend(fixed(baseline), fixed(baseline), 1e20, 1e20, 0.8)).toThrow(/needs a span/)
  })
})
