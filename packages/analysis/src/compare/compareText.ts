// A comparison in words, as `scalelab compare` prints it and its report shows it: multipliers and
// their intervals, the trend, and how the intervals were made.
import type { BootstrapHealth, Interval } from "@scalelab/laws"
import { sci } from "@scalelab/sweep"
import type { ComparedExperiment, CompareResult, Estimate, ExperimentComparison } from "./compareTypes.ts"

export const showMultiplier = (x: number): string => Number.isFinite(x) ? `${sci(x)}×` : "∞"

/** `[low, high]`, or `[low, ∞)` when the upper end is unbounded (a multiplier or slope some resamples never reach). */
export const showRange = (interval: Interval, show: (x: number) => string): string => {
  const end = (x: number) => Number.isFinite(x) ? show(x) : "∞"
  return Number.isFinite(interval[1]) ? `[${end(interval[0])}, ${end(interval[1])}]` : `[${end(interval[0])}, ∞)`
}

/** An interval as a cell: left out (a dash) when there is none or its bootstrap is not to be trusted. */
export const intervalCell = (interval: Interval | undefined, health: BootstrapHealth | undefined, show: (x: number) => string): string =>
  interval === undefined || health?.trustworthy === false ? "—" : showRange(interval, show)

export const percent = (level: number): string => `${Math.round(level * 100)}%`

/** Whether the multiplier grows, holds or shrinks with compute, with its slope and interval. */
export const trendText = (comparison: ExperimentComparison, level: number): string => {
  const { trend } = comparison
  const span = `from ${sci(trend.from)} to ${sci(trend.to)} FLOPs`
  if (trend.slope === undefined) return `trend: none; ${comparison.baseline} reaches ${comparison.candidate}'s loss nowhere ${span}`
  const slope = Number.isFinite(trend.slope) ? trend.slope.toFixed(3) : "∞"
  const interval = trend.interval === undefined || trend.health?.trustworthy === false ? "" : ` ${showRange(trend.interval, (x) => x.toFixed(3))}`
  const verdict = trend.direction === undefined
    ? "no verdict without a bootstrap"
    : trend.health?.trustworthy === false
    ? `${trend.direction}, but its interval is not reliable (see below)`
    : `the multiplier ${trend.direction} with compute (its ${percent(level)} interval ${trend.direction === "holds" ? "holds 0" : trend.direction === "grows" ? "lies above 0" : "lies below 0"})`
  return `trend: ${verdict}; log10 multiplier per decade of compute ${slope}${interval}, ${span}`
}

/** The multiplier at the largest forecast budget, with its interval. */
export const headlineText = (comparison: ExperimentComparison): string => {
  const { atLargest } = comparison
  return `at ${sci(atLargest.compute)} FLOPs (the largest forecast): ${showMultiplier(atLargest.multiplier)} ${
    intervalCell(atLargest.interval, atLargest.health, showMultiplier)
  }`
}

/** How the intervals were made, and the bootstrap's warning when they are not to be trusted. */
export const bootstrapLines = (comparison: ExperimentComparison): Array<string> => {
  const health = comparison.atLargest.health
  return [
    ...(health === undefined ? [] : [`intervals from ${health.used} of ${health.requested} paired bootstrap resamples of both fits`]),
    ...(health?.warning === undefined ? [] : [`WARNING: ${health.warning}`])
  ]
}

/** Why some multipliers are infinite, when any is. */
export const unreachedText = (comparison: ExperimentComparison): string | undefined => {
  const { baseline, candidate } = comparison
  const unreached = comparison.budgets.filter((budget) => !budget.reachable)
  return unreached.length === 0
    ? undefined
    : `∞: ${candidate}'s loss at ${unreached.map((budget) => sci(budget.compute)).join(", ")} FLOPs lies below ${baseline}'s irreducible loss: no compute brings ${baseline} there`
}

/** A table: its column titles and rows of text cells. */
export interface TextTable {
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<string>>
}

/** The multiplier at every budget swept and forecast, with its interval. */
export const multiplierTable = (comparison: ExperimentComparison, level: number): TextTable => ({
  columns: ["budget", "multiplier", `${percent(level)} interval`, ""],
  rows: comparison.budgets.map((budget) => [
    sci(budget.compute),
    showMultiplier(budget.multiplier),
    intervalCell(budget.interval, budget.health, showMultiplier),
    budget.swept ? "swept" : "forecast"
  ])
})

const showLoss = (x: number) => x.toFixed(3)

const withInterval = (estimate: Estimate, show: (x: number) => string) =>
  estimate.interval === undefined ? show(estimate.value) : `${show(estimate.value)} ${showRange(estimate.interval, show)}`

const exponentCell = (value: number, interval: Interval | undefined) =>
  interval === undefined ? value.toFixed(3) : `${value.toFixed(3)} ${showRange(interval, (x) => x.toFixed(3))}`

/** Each experiment's laws side by side: its runs, N*, D* exponents, loss law and floor. */
export const lawsTable = (experiments: ReadonlyArray<ComparedExperiment>): TextTable => ({
  columns: ["experiment", "runs", "N* ∝ C^a", "D* ∝ C^b", "loss law", "floor"],
  rows: experiments.map((experiment) => [
    experiment.name,
    String(experiment.runs),
    exponentCell(experiment.params_opt.a, experiment.params_opt.a_interval),
    exponentCell(experiment.tokens_opt.b, experiment.tokens_opt.b_interval),
    experiment.lossLaw.form,
    showLoss(experiment.lossLaw.floor)
  ])
})

/** N*, D* and L* of every experiment at every budget, the budget named on its first row only. */
export const budgetsTable = (result: CompareResult): TextTable => ({
  columns: ["budget", "experiment", "N*", "D*", "L*"],
  rows: result.experiments[0]?.atBudgets.flatMap((_, index) =>
    result.experiments.flatMap((experiment, nth) => {
      const row = experiment.atBudgets[index]
      return row === undefined
        ? []
        : [[nth === 0 ? sci(row.compute) : "", experiment.name, withInterval(row.params, sci), withInterval(row.tokens, sci), withInterval(row.loss, showLoss)]]
    })
  ) ?? []
})

/** What the side-by-side tables show and where their numbers come from. */
export const sideBySideText = (result: CompareResult): string => {
  const lawSource = result.floor.value === undefined ? "its loss law, as `scalelab forecast` gives it" : "its loss law in the joint fit with the shared floor"
  return `N*, D* from each experiment's IsoFLOP fit; L* from ${lawSource}; ${percent(result.level)} intervals`
}

/** Which loss laws the multipliers and L* come from: the joint fit with one floor, or each experiment's own. */
export const floorText = (result: CompareResult): string =>
  result.floor.value === undefined
    ? `floor: separate, each loss law fitted alone with its own irreducible loss: ${result.floor.reason}`
    : `floor: shared, one irreducible loss E = ${showLoss(result.floor.value)} for every experiment, the loss laws fitted jointly: ${result.floor.reason}`
