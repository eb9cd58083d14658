// The pure core of a backtest's scoring: intervals at several levels, coverage by level, and N*
// checked against a measured optimum that carries its own standard error.
import type { IsoflopBudgetFit } from "@scalelab/laws"
import { describe, expect, it } from "vitest"
import { compareWithOptimum } from "../src/backtest/backtestResult.ts"
import { compare, coverageByLevel, coverageByQuantity } from "../src/backtest/comparison.ts"
import type { CutoffBudgetForecast } from "../src/backtest/cutoffForecast.ts"
import { optimumOfCurve } from "../src/backtest/heldOutForecast.ts"
import { zOfLevel } from "../src/backtest/normalQuantile.ts"
import { rollingCutoffs } from "../src/backtest/rollingBacktest.ts"

/** A held-out budget's fitted curve with its minimum at 1e8 parameters, measured to `se` decades. */
const curveWithSe = (se: number | null): IsoflopBudgetFit => ({
  budget: 1e19,
  n_points: 7,
  params_opt: 1e8,
  tokens_opt: 1e19 / 6e8,
  loss_opt: 3.1,
  bracketed: true,
  convex: true,
  params_range: [2.5e7, 4e8],
  window: [2.5e7, 4e8],
  log10_params_opt_se: se,
  parabola_params: { c0: 0, c1: 0, c2: 1 },
  parabola_tokens: { c0: 0, c1: 0, c2: 1 }
})

/**
 * A forecast of N* = 10^8.25 (0.25 decades above the truth) whose intervals are normal in log10 with
 * a standard error of 0.05 decades: so far out that the point truth lies outside all of them.
 */
const forecastSe = 0.05
const levels = [0.5, 0.8, 0.9, 0.95]
const forecast: CutoffBudgetForecast = {
  budget: 1e19,
  params: 10 ** 8.25,
  tokens: 1e19 / (6 * 10 ** 8.25),
  loss: 3.1,
  intervals_by_level: levels.map((level) => {
    const half = zOfLevel(level) * forecastSe
    return { level, params: [10 ** (8.25 - half), 10 ** (8.25 + half)], tokens: null, loss: [3.0, 3.2] }
  })
}

describe("normal quantiles", () => {
  it("gives the z of the usual central intervals", () => {
    expect(zOfLevel(0.8)).toBeCloseTo(1.2815516, 6)
    expect(zOfLevel(0.9)).toBeCloseTo(1.6448536, 6)
    expect(zOfLevel(0.95)).toBeCloseTo(1.959964, 5)
    expect(zOfLevel(0.999)).toBeCloseTo(3.2905267, 5)
  })
})

describe("N* against a measured optimum", () => {
  it("reads the optimum's standard error off the held-out budget's curve", () => {
    expect(optimumOfCurve(curveWithSe(0.15))).toMatchObject({ _tag: "Measured", params: 1e8, log10_params_se: 0.15 })
    expect(optimumOfCurve({ ...curveWithSe(0.15), bracketed: false })._tag).toBe("Unmeasured")
  })

  it("without the truth's se, checks the point truth and says its uncertainty is not measured", () => {
    const params = compareWithOptimum(forecast, { ...curveWithSe(null), params: 1e8, tokens: 1e19 / 6e8, loss: 3.1, log10_params_se: null })[0]!
    expect(params.quantity).toBe("params_opt")
    expect(params.by_level.every((check) => !check.inside)).toBe(true)
    expect(params.truth_uncertainty).toMatchObject({ measured: false })
    expect(params.truth_uncertainty?.measured === false && params.truth_uncertainty.note).toMatch(/not measured/)
  })

  it("with it, gives the truth an interval and counts the forecast inside where the error is within z·√(se_f² + se_t²)", () => {
    const optimum = optimumOfCurve(curveWithSe(0.15))
    if (optimum._tag !== "Measured") throw new Error("expected a measured optimum")
    const params = compare("params_opt", forecast.params, forecast.intervals_by_level.map((i) => ({ level: i.level, interval: i.params! })), optimum.params, optimum.log10_params_se)
    // Error 0.25 decades; combined se √(0.05² + 0.15²) = 0.1581 decades: 1.581 combined se apart.
    const combined = Math.hypot(0.05, 0.15)
    expect(params.truth_uncertainty).toMatchObject({ measured: true, log10_se: 0.15 })
    if (params.truth_uncertainty?.measured !== true) throw new Error("expected a measured truth uncertainty")
    expect(params.truth_uncertainty.error_decades).toBeCloseTo(0.25, 12)
    expect(params.truth_uncertainty.combined_se_decades).toBeCloseTo(combined, 9)
    expect(params.truth_uncertainty.error_in_se).toBeCloseTo(0.25 / combined, 9)
    // 1.581 se apart: outside the 50% (z 0.674) and 80% (z 1.282) bands, inside the 90% (1.645) and 95% (1.960).
    expect(params.by_level.map((check) => [check.level, check.inside])).toEqual([[0.5, false], [0.8, false], [0.9, true], [0.95, true]])
    // The truth's 80% interval: 10^(8 ± 1.2816·0.15).
    const at80 = params.by_level.find((check) => check.level === 0.8)!
    expect(Math.log10(at80.truth_interval![0])).toBeCloseTo(8 - zOfLevel(0.8) * 0.15, 9)
    expect(Math.log10(at80.truth_interval![1])).toBeCloseTo(8 + zOfLevel(0.8) * 0.15, 9)
    expect(params.inside).toBe(false)
    expect(params.interval).toEqual(at80.interval)
  })
})

describe("coverage by level", () => {
  it("counts each quantity's truths inside the intervals of each level", () => {
    const comparisons = [
      compare("loss", 3.0, [{ level: 0.5, interval: [2.99, 3.01] }, { level: 0.8, interval: [2.95, 3.05] }], 3.03),
      compare("loss", 3.0, [{ level: 0.5, interval: [2.99, 3.01] }, { level: 0.8, interval: [2.95, 3.05] }], 3.005),
      compare("params_opt", 1e8, [{ level: 0.8, interval: [9e7, 1.1e8] }], 1.2e8),
      compare("loss_opt", 3.0, [], 3.0)
    ]
    expect(coverageByLevel(comparisons, [0.5, 0.8, 0.95])).toEqual([
      { level: 0.5, compared: 2, inside: 1, fraction: 0.5 },
      { level: 0.8, compared: 3, inside: 2, fraction: 2 / 3 },
      { level: 0.95, compared: 0, inside: 0, fraction: null }
    ])
    expect(coverageByQuantity(comparisons, [0.5, 0.8])).toEqual([
      { quantity: "loss", level: 0.5, compared: 2, inside: 1, fraction: 0.5 },
      { quantity: "loss", level: 0.8, compared: 2, inside: 2, fraction: 1 },
      { quantity: "params_opt", level: 0.8, compared: 1, inside: 0, fraction: 0 }
    ])
  })

  it("rolls every cutoff that leaves two budgets below it", () => {
    expect(rollingCutoffs([1e20, 1e18, 1e19, 1e18, 1e21])).toEqual([1e20, 1e21])
    expect(rollingCutoffs([1e18, 1e19])).toEqual([])
  })
})
