import { describe, expect, it } from "vitest"
import type { TrainingCurve } from "../src/index.ts"
import { computeOptimal, fitEnvelope, LawInputError, parametricLoss } from "../src/index.ts"
import { analyticA, analyticB, truth } from "./synthetic.ts"

/**
 * Training curves of sizes 1e7..1e9 spaced `perDecade` per decade, each the known law along its
 * own tokens, 1e7..1e13 at 20 points per decade, with C = 6ND.
 */
const curves = (perDecade: number): TrainingCurve[] =>
  Array.from({ length: 2 * perDecade + 1 }, (_, i) => {
    const params = 1e7 * 10 ** (i / perDecade)
    return {
      id: `n${i}`,
      params,
      points: Array.from({ length: 121 }, (_, j) => {
        const tokens = 1e7 * 10 ** (j / 20)
        return { flops: 6 * params * tokens, tokens, loss: parametricLoss(truth, params, tokens) }
      })
    }
  })

describe("fitEnvelope", () => {
  it("recovers a = β/(α+β) and b = α/(α+β) from a dense grid of sizes, within the grid's resolution", () => {
    const perDecade = 20
    const fit = fitEnvelope(curves(perDecade))
    const used = fit.points.filter((point) => point.bracketed)
    // The winner at C is one of the two trained sizes around N*(C) (checked below), so ln N misses
    // ln N* by at most h = ln r, r = 10^(1/20) the size ratio. Over used points spread evenly in
    // ln C across a width W, a least-squares slope moves by at most cov(x, e)/var(x) ≤
    // h·(W/4)/(W²/12) = 3h/W: 0.035 here, while fitting the unbracketed edge points as well would
    // miss by 0.12.
    const ratio = 10 ** (1 / perDecade)
    const width = Math.log((used.at(-1)?.flops ?? 1) / (used[0]?.flops ?? 1))
    const tolerance = (3 * Math.log(ratio)) / width
    expect(Math.abs(fit.params_opt.a - analyticA)).toBeLessThan(tolerance)
    expect(Math.abs(fit.tokens_opt.b - analyticB)).toBeLessThan(tolerance)
    // Every curve has D = C/(6N), so the two exponents add to 1 exactly.
    expect(fit.params_opt.a + fit.tokens_opt.b).toBeCloseTo(1, 9)
    expect(fit.n_used).toBe(used.length)
    for (const point of used) {
      const optimum = computeOptimal(truth, point.flops).params
      expect(Math.abs(Math.log(point.params / optimum))).toBeLessThanOrEqual(Math.log(ratio))
      expect(point.tokens / (point.flops / (6 * point.params))).toBeCloseTo(1, 9)
    }
  })

  it("is biased by a sparse grid of sizes and less so by a dense one", () => {
    const sparse = Math.abs(fitEnvelope(curves(2)).params_opt.a - analyticA)
    const dense = Math.abs(fitEnvelope(curves(20)).params_opt.a - analyticA)
    expect(dense).toBeLessThan(sparse / 5)
  })

  it("takes the lowest loss over the runs covering each FLOP value, on a log-spaced grid", () => {
    const input = curves(5)
    const fit = fitEnvelope(input, { gridSize: 200 })
    expect(fit.points).toHaveLength(200)
    const low = 6 * 1e7 * 1e7
    const high = 6 * 1e9 * 1e13
    expect((fit.points[0]?.flops ?? 0) / low).toBeCloseTo(1, 9)
    expect((fit.points.at(-1)?.flops ?? 0) / high).toBeCloseTo(1, 9)
    const step = Math.log(high / low) / 199
    fit.points.slice(1).forEach((point, i) => expect(Math.log(point.flops / (fit.points[i]?.flops ?? 1))).toBeCloseTo(step, 9))
    for (const point of fit.points) {
      // Interpolation between a curve's points reads above the convex true curve, by at most
      // β²·(B/D^β)·(ln 10/20)²/8 ≈ 0.0003 at this spacing.
      expect(point.loss).toBeGreaterThanOrEqual(parametricLoss(truth, point.params, point.tokens) - 1e-12)
      expect(point.loss).toBeLessThan(parametricLoss(truth, point.params, point.tokens) + 1e-3)
      for (const curve of input) {
        const tokens = point.flops / (6 * curve.params)
        if (tokens < 1e7 || tokens > 1e13) continue
        expect(point.loss).toBeLessThanOrEqual(parametricLoss(truth, curve.params, tokens) + 1e-3)
      }
    }
    // At both ends only the smallest or the largest model covers the budget: not an optimum.
    expect(fit.points[0]).toMatchObject({ run: "n0", bracketed: false })
    expect(fit.points.at(-1)).toMatchObject({ run: "n10", bracketed: false })
  })

  it("rejects curves it cannot interpolate or an envelope with no interior optimum, naming the run", () => {
    const input = curves(2)
    const short = input.map((curve, i) => (i === 2 ? { ...curve, points: curve.points.slice(0, 1) } : curve))
    expect(() => fitEnvelope(short)).toThrow(/curve 2 \(run n2\) has 1 point/)
    const repeated = input.map((curve, i) => (i === 1 ? { ...curve, points: [...curve.points, curve.points[0] ?? { flops: 1, tokens: 1, loss: 1 }] } : curve))
    expect(() => fitEnvelope(repeated)).toThrow(/curve 1 \(run n1\) has two points at flops/)
    const negative = input.map((curve, i) => (i === 0 ? { ...curve, points: curve.points.map((p, j) => (j === 5 ? { ...p, loss: -1 } : p)) } : curve))
    expect(() => fitEnvelope(negative)).toThrow(/curve 0 \(run n0\), point 5: loss/)
    expect(() => fitEnvelope(input.slice(0, 2))).toThrow(/at least 3 model sizes .*got 2/)
    // Sizes a decade apart trained over a factor of 2 in tokens: no two curves share a FLOP value.
    const disjoint: TrainingCurve[] = [1e7, 1e8, 1e9].map((params) => ({
      id: `n${params}`,
      params,
      points: [1e9, 2e9].map((tokens) => ({ flops: 6 * params * tokens, tokens, loss: parametricLoss(truth, params, tokens) }))
    }))
    expect(() => fitEnvelope(disjoint)).toThrow(LawInputError)
    expect(() => fitEnvelope(disjoint)).toThrow(/only 0 model sizes reach the lowest loss/)
    expect(() => fitEnvelope(input, { gridSize: 1 })).toThrow(/gridSize/)
  })
})
