import { describe, expect, it } from "vitest"
import {
  bootstrapMixingLaw,
  type DomainMixingLaw,
  fitMixingLaw,
  LawInputError,
  mixtureTargetIntervals,
  type MixingLawFit,
  type MixturePoint,
  mulberry32,
  optimalMixture,
  predictDomainLosses,
  simplexLattice,
  standardNormal
} from "../src/index.ts"

// Three domains, each learnt best from its own data (t_ii most negative) and a little from the others.
const truth: MixingLawFit = {
  domains: [
    { c: 1.2, k: 2.0, t: [-2.5, -0.3, -0.6], rmse: 0 },
    { c: 1.8, k: 1.5, t: [-0.2, -1.8, -0.4], rmse: 0 },
    { c: 0.6, k: 1.0, t: [-0.5, -0.2, -3.0], rmse: 0 }
  ] satisfies ReadonlyArray<DomainMixingLaw>
}
const mean = [1 / 3, 1 / 3, 1 / 3]

const pointsOf = (law: MixingLawFit, grid: number, noise: number, seed: number): Array<MixturePoint> => {
  const random = mulberry32(seed)
  return simplexLattice(3, grid).map((weights) => ({
    weights,
    losses: predictDomainLosses(law, weights).map((loss) => loss + noise * standardNormal(random))
  }))
}

describe("data-mixing law (Ye et al. 2024)", () => {
  it("recovers every domain's losses and the optimum of exact data", () => {
    const fit = fitMixingLaw(pointsOf(truth, 4, 0, 1))
    for (const weights of simplexLattice(3, 7)) {
      const predicted = predictDomainLosses(fit, weights)
      predictDomainLosses(truth, weights).forEach((loss, i) => expect(predicted[i]).toBeCloseTo(loss, 5))
    }
    fit.domains.forEach((law, i) => {
      const known = truth.domains[i]!
      expect(law.c).toBeCloseTo(known.c, 4)
      // Only exponent differences are identified on the simplex: t relative to the last domain's.
      law.t.forEach((t, j) => expect(t).toBeCloseTo((known.t[j] ?? 0) - (known.t[2] ?? 0), 3))
    })
    const expected = optimalMixture(truth, mean)
    const found = optimalMixture(fit, mean)
    found.weights.forEach((weight, j) => expect(weight).toBeCloseTo(expected.weights[j] ?? 0, 3))
    expect(found.target).toBeCloseTo(expected.target, 6)
  })

  it("finds the optimum inside the simplex, better than every lattice point", () => {
    const optimum = optimalMixture(truth, mean)
    expect(optimum.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
    for (const weights of simplexLattice(3, 20)) {
      expect(optimum.target).toBeLessThanOrEqual(predictDomainLosses(truth, weights).reduce((a, b) => a + b, 0) / 3 + 1e-12)
    }
    // A target of one domain alone puts (nearly) all weight on it.
    expect(optimalMixture(truth, [0, 0, 1]).weights[2]).toBeGreaterThan(0.95)
  })

  it("covers the true optimum with its 80% bootstrap intervals about as often as it should", () => {
    const expected = optimalMixture(truth, mean)
    const datasets = 12
    let targetCovered = 0
    const weightCovered = [0, 0, 0]
    for (let seed = 1; seed <= datasets; seed++) {
      const result = bootstrapMixingLaw(pointsOf(truth, 5, 0.01, 100 + seed), { target: mean, resamples: 80, seed })
      expect(result.resamplesFitted).toBeGreaterThan(70)
      const [low, high] = result.targetInterval!
      // The point estimate lies inside its own interval, and the interval is narrow at this noise.
      expect(result.optimum.target).toBeGreaterThanOrEqual(low)
      expect(result.optimum.target).toBeLessThanOrEqual(high)
      expect(high - low).toBeLessThan(0.02)
      if (low <= expected.target && expected.target <= high) targetCovered++
      result.weightIntervals!.forEach(([lowWeight, highWeight], j) => {
        if (lowWeight <= expected.weights[j]! && expected.weights[j]! <= highWeight) weightCovered[j]!++
      })
    }
    // Nominal 80%: at least 7 of 12 fails an honest interval with probability about 2%.
    expect(targetCovered).toBeGreaterThanOrEqual(7)
    for (const covered of weightCovered) expect(covered).toBeGreaterThanOrEqual(6)
  }, 60_000)

  it("widens the interval at a mixture by the runs' scatter for one new run", () => {
    const points = pointsOf(truth, 5, 0.02, 11)
    const result = bootstrapMixingLaw(points, { target: mean, resamples: 60, seed: 2 })
    const weights = [0.4, 0.3, 0.3]
    const intervals = mixtureTargetIntervals(result, points, mean, weights)!
    const width = ([low, high]: readonly [number, number]) => high - low
    expect(width(intervals.newRun)).toBeGreaterThan(width(intervals.law))
    // The noise on each domain is 0.02, so on the mean of three about 0.012: the 80% new-run interval spans about 2.6 of those.
    expect(width(intervals.newRun)).toBeGreaterThan(0.015)
    expect(width(intervals.newRun)).toBeLessThan(0.08)
    const truthThere = predictDomainLosses(truth, weights).reduce((a, b) => a + b, 0) / 3
    expect(intervals.newRun[0]).toBeLessThan(truthThere)
    expect(intervals.newRun[1]).toBeGreaterThan(truthThere)
  }, 30_000)

  it("refuses too few distinct mixtures to fit", () => {
    const points = pointsOf(truth, 1, 0, 1)
    expect(() => fitMixingLaw(points)).toThrow(LawInputError)
    expect(() => fitMixingLaw(points)).toThrow(/needs runs at 5 or more distinct mixtures, got 3/)
  })
})
