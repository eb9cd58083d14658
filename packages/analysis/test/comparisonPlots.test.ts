// The mapping of a comparison to the multiplier plot: what a band draws where an interval is
// unbounded above, or reaches far beyond the multipliers, and what an infinite multiplier draws.
import { describe, expect, it } from "vitest"
import { type Interval, type MultiplierEstimate, bootstrapHealth } from "@scalelab/laws"
import type { CompareResult, ExperimentComparison } from "../src/compare/compareExperiments.ts"
import { multiplierPlotInput } from "../src/compare/comparisonPlots.ts"

const estimate = (compute: number, multiplier: number, interval: Interval | undefined, used = 100): MultiplierEstimate => ({
  compute,
  loss: 2,
  baselineCompute: compute * multiplier,
  multiplier,
  reachable: Number.isFinite(multiplier),
  interval,
  unreachable: 0,
  health: bootstrapHealth(used, 100 - used)
})

const comparison = (estimates: ReadonlyArray<MultiplierEstimate>): ExperimentComparison => ({
  baseline: "dense",
  candidate: "moe",
  budgets: estimates.map((e, index) => ({ ...e, swept: index < 2 })),
  atLargest: estimates.at(-1) as MultiplierEstimate,
  trend: { from: 1e10, to: 1e13, slope: 0, interval: undefined, direction: undefined, health: undefined },
  curve: estimates
})

/** A comparison of one candidate, with only what the multiplier plot reads. */
const resultOf = (estimates: ReadonlyArray<MultiplierEstimate>) =>
  ({ baseline: "dense", level: 0.8, experiments: [{ name: "dense" }, { name: "moe" }], comparisons: [comparison(estimates)] }) as unknown as CompareResult

describe("multiplierPlotInput", () => {
  it("cuts a band a decade beyond the multipliers drawn, so an unbounded or far interval runs to the top of the plot", () => {
    const input = multiplierPlotInput(resultOf([
      estimate(1e10, 2, [1.5, 2.5]),
      estimate(1e11, 4, [2, 1e6]),
      estimate(1e12, 8, [0.001, Number.POSITIVE_INFINITY])
    ]))
    const [plotted] = input.comparisons
    expect(plotted?.samples.map((s) => s.interval)).toEqual([[1.5, 2.5], [2, 80], [0.2, 80]])
    expect(plotted?.budgets.map((b) => [b.compute, b.swept, b.interval])).toEqual([[1e10, true, [1.5, 2.5]], [1e11, true, [2, 80]], [1e12, false, [0.2, 80]]])
    expect(input.experiments).toEqual([{ name: "dense", baseline: true }, { name: "moe", baseline: false }])
  })

  it("draws no point for an infinite multiplier, and no band where the bootstrap is not to be trusted", () => {
    const [plotted] = multiplierPlotInput(resultOf([
      estimate(1e10, 2, [1.5, 2.5], 40),
      estimate(1e11, 3, [2, 4]),
      estimate(1e12, Number.POSITIVE_INFINITY, [5, Number.POSITIVE_INFINITY])
    ])).comparisons
    expect(plotted?.budgets.map((b) => b.compute)).toEqual([1e10, 1e11])
    expect(plotted?.samples[0]?.interval).toBeUndefined()
    expect(plotted?.samples[2]).toEqual({ compute: 1e12, value: Number.POSITIVE_INFINITY, interval: [5, 30] })
  })
})
