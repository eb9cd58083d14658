import { describe, expect, it } from "vitest"
import { bootstrapResamples, LawInputError, mulberry32, percentileInterval, percentileIntervalUnbounded, standardNormal } from "../src/index.ts"

describe("percentileInterval", () => {
  it("returns the (1 − level)/2 and (1 + level)/2 quantiles, interpolating between order statistics", () => {
    // 1..101 shuffled: the 0.1 quantile sits at sorted position 10 (value 11), the 0.9 at 90 (value 91).
    const values = Array.from({ length: 101 }, (_, i) => ((i * 37) % 101) + 1)
    const [low, high] = percentileInterval(values)
    expect(low).toBeCloseTo(11, 12)
    expect(high).toBeCloseTo(91, 12)
    // Positions 0.25 and 0.75 of [0, 10] fall a quarter of the way between the two values.
    expect(percentileInterval([10, 0], 0.5)).toEqual([2.5, 7.5])
    expect(percentileInterval(new Float64Array([4]), 0.9)).toEqual([4, 4])
  })

  it("rejects an empty sample, a non-finite value and a level outside (0, 1)", () => {
    expect(() => percentileInterval([])).toThrow(LawInputError)
    expect(() => percentileInterval([1, Number.NaN, 3])).toThrow(/value 1 of a percentile interval is NaN/)
    expect(() => percentileInterval([1, 2], 1)).toThrow(/strictly between 0 and 1/)
  })
})

describe("percentileIntervalUnbounded", () => {
  it("sorts +Infinity above every finite value: a bound past the last finite value is Infinity", () => {
    // Ten values, one infinite: the 0.9 quantile sits at position 8.1, between 9 and Infinity.
    const values = [5, 1, Number.POSITIVE_INFINITY, 3, 2, 8, 4, 7, 6, 9]
    expect(percentileIntervalUnbounded(values)).toEqual([percentileInterval([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])[0], Number.POSITIVE_INFINITY])
    // An exact order statistic is taken as it is, with no interpolation towards its infinite neighbour.
    expect(percentileIntervalUnbounded([1, 2, 3, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY], 0.5)).toEqual([2, Number.POSITIVE_INFINITY])
    expect(percentileIntervalUnbounded([1, 2, 3, 4, Number.POSITIVE_INFINITY], 0.5)).toEqual([2, 4])
    // Finite values give what percentileInterval gives.
    expect(percentileIntervalUnbounded([10, 0], 0.5)).toEqual([2.5, 7.5])
  })

  it("rejects NaN and −Infinity", () => {
    expect(() => percentileIntervalUnbounded([1, Number.NaN])).toThrow(/finite or \+Infinity/)
    expect(() => percentileIntervalUnbounded([1, Number.NEGATIVE_INFINITY])).toThrow(/value 1 of a percentile interval is -Infinity/)
  })
})

describe("bootstrapResamples", () => {
  it("gives the same resamples for a seed, on every pass, and other resamples for another seed", () => {
    const resamples = bootstrapResamples(12, 5, 42)
    const first = Array.from(resamples, (sample) => Array.from(sample))
    expect(Array.from(resamples, (sample) => Array.from(sample))).toEqual(first)
    expect(Array.from(bootstrapResamples(12, 5, 42), (sample) => Array.from(sample))).toEqual(first)
    expect(Array.from(bootstrapResamples(12, 5, 43), (sample) => Array.from(sample))).not.toEqual(first)
    expect(first).toHaveLength(5)
  })

  it("draws every index equally often, with replacement", () => {
    const n = 10
    const counts = new Array<number>(n).fill(0)
    let withRepeats = 0
    for (const sample of bootstrapResamples(n, 2000, 7)) {
      for (const index of sample) counts[index] = (counts[index] ?? 0) + 1
      if (new Set(sample).size < n) withRepeats++
    }
    // 20,000 draws at p = 0.1: standard deviation √(20000·0.1·0.9) ≈ 42 around 2000.
    for (const count of counts) expect(Math.abs(count - 2000)).toBeLessThan(200)
    // A permutation (no repeat) has probability 10!/10^10 ≈ 0.04%.
    expect(withRepeats).toBeGreaterThan(1990)
  })

  it("resamples within groups, so every group keeps its size", () => {
    const groups = [5, 5, 5, 9, 9, 2, 5, 9, 2, 2, 2]
    const seen = groups.map(() => new Set<number>())
    for (const sample of bootstrapResamples(groups.length, 500, 3, groups)) {
      sample.forEach((drawn, position) => {
        expect(groups[drawn]).toBe(groups[position])
        seen[position]?.add(drawn)
      })
    }
    // Every member of a group is eventually drawn at each of the group's positions.
    seen.forEach((drawn, position) => {
      expect(drawn.size).toBe(groups.filter((label) => label === groups[position]).length)
    })
  })

  it("covers the mean of a known normal at about the nominal rate", () => {
    // 200 samples of 40 draws from N(3, 2²); 90% percentile intervals of the mean from 300
    // resamples each. The percentile interval of a mean runs slightly short at n = 40 (its spread is
    // √((n−1)/n) of the true one); over 200 trials the coverage has a standard error of ≈ 0.02.
    const trials = 200
    const n = 40
    let covered = 0
    for (let trial = 0; trial < trials; trial++) {
      const random = mulberry32(1000 + trial)
      const sample = Float64Array.from({ length: n }, () => 3 + 2 * standardNormal(random))
      const means = Float64Array.from(bootstrapResamples(n, 300, trial), (indices) => {
        let sum = 0
        for (const index of indices) sum += sample[index] ?? Number.NaN
        return sum / n
      })
      const [low, high] = percentileInterval(means, 0.9)
      if (low <= 3 && 3 <= high) covered++
    }
    expect(covered / trials).toBeGreaterThan(0.83)
    expect(covered / trials).toBeLessThan(0.96)
  })

  it("rejects group labels that do not match the points and a non-integer count", () => {
    expect(() => bootstrapResamples(3, 10, 1, [0, 1])).toThrow(/2 labels for 3 points/)
    expect(() => bootstrapResamples(3, 2.5, 1)).toThrow(/number of bootstrap resamples/)
    expect(() => bootstrapResamples(0, 2, 1)).toThrow(LawInputError)
  })
})
