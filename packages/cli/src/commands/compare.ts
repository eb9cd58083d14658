import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { DEFAULT_BOOTSTRAP_RESAMPLES } from "@scalelab/spec"
import {
  type BootstrapHealth,
  type ComparedExperiment,
  compareExperiments,
  compareJson,
  type CompareResult,
  type Estimate,
  type ExperimentComparison,
  FLOOR_MODES,
  type Interval,
  writeComparison
} from "@scalelab/analysis"
import { checkedFolder, sci, table } from "@scalelab/sweep"
import { jsonFlag } from "../commonFlags.ts"
import { bounded, flagRanges } from "../flagRanges.ts"
import { computesFlag, seedFlag } from "./fit.ts"

const showMultiplier = (x: number) => Number.isFinite(x) ? `${sci(x)}×` : "∞"
const showLoss = (x: number) => x.toFixed(3)

/** `[low, high]`, or `[low, ∞)` when the upper end is unbounded (a multiplier or slope some resamples never reach). */
const range = (interval: Interval, show: (x: number) => string) => {
  const end = (x: number) => Number.isFinite(x) ? show(x) : "∞"
  return Number.isFinite(interval[1]) ? `[${end(interval[0])}, ${end(interval[1])}]` : `[${end(interval[0])}, ∞)`
}

/** An interval as a cell: left out (a dash) when there is none or its bootstrap is not to be trusted. */
const intervalCell = (interval: Interval | undefined, health: BootstrapHealth | undefined, show: (x: number) => string) =>
  interval === undefined || health?.trustworthy === false ? "—" : range(interval, show)

const withInterval = (estimate: Estimate, show: (x: number) => string) =>
  estimate.interval === undefined ? show(estimate.value) : `${show(estimate.value)} ${range(estimate.interval, show)}`

const percent = (level: number) => `${Math.round(level * 100)}%`

const trendText = (comparison: ExperimentComparison, level: number): string => {
  const { trend } = comparison
  const span = `from ${sci(trend.from)} to ${sci(trend.to)} FLOPs`
  if (trend.slope === undefined) return `trend: none; ${comparison.baseline} reaches ${comparison.candidate}'s loss nowhere ${span}`
  const slope = Number.isFinite(trend.slope) ? trend.slope.toFixed(3) : "∞"
  const interval = trend.interval === undefined || trend.health?.trustworthy === false ? "" : ` ${range(trend.interval, (x) => x.toFixed(3))}`
  const verdict = trend.direction === undefined
    ? "no verdict without a bootstrap"
    : trend.health?.trustworthy === false
    ? `${trend.direction}, but its interval is not reliable (see below)`
    : `the multiplier ${trend.direction} with compute (its ${percent(level)} interval ${trend.direction === "holds" ? "holds 0" : trend.direction === "grows" ? "lies above 0" : "lies below 0"})`
  return `trend: ${verdict}; log10 multiplier per decade of compute ${slope}${interval}, ${span}`
}

const comparisonText = (comparison: ExperimentComparison, level: number): string => {
  const { baseline, candidate, atLargest } = comparison
  const rows = comparison.budgets.map((budget) => [
    sci(budget.compute),
    showMultiplier(budget.multiplier),
    intervalCell(budget.interval, budget.health, showMultiplier),
    budget.swept ? "swept" : "forecast"
  ])
  const health = atLargest.health
  const unreached = comparison.budgets.filter((budget) => !budget.reachable)
  return [
    `${candidate} against ${baseline}: compute multiplier (the compute ${baseline} needs for ${candidate}'s compute-optimal loss, per FLOP ${candidate} spends)`,
    table(["budget", "multiplier", `${percent(level)} interval`, ""], rows),
    `at ${sci(atLargest.compute)} FLOPs (the largest forecast): ${showMultiplier(atLargest.multiplier)} ${intervalCell(atLargest.interval, health, showMultiplier)}`,
    trendText(comparison, level),
    ...(health === undefined ? [] : [`intervals from ${health.used} of ${health.requested} paired bootstrap resamples of both fits`]),
    ...(health?.warning === undefined ? [] : [`WARNING: ${health.warning}`]),
    ...(unreached.length === 0
      ? []
      : [`∞: ${candidate}'s loss at ${unreached.map((budget) => sci(budget.compute)).join(", ")} FLOPs lies below ${baseline}'s irreducible loss: no compute brings ${baseline} there`])
  ].join("\n")
}

const exponentCell = (value: number, interval: Interval | undefined) => interval === undefined ? value.toFixed(3) : `${value.toFixed(3)} ${range(interval, (x) => x.toFixed(3))}`

const lawsTable = (experiments: ReadonlyArray<ComparedExperiment>) =>
  table(
    ["experiment", "runs", "N* ∝ C^a", "D* ∝ C^b", "loss law", "floor"],
    experiments.map((experiment) => [
      experiment.name,
      String(experiment.runs),
      exponentCell(experiment.params_opt.a, experiment.params_opt.a_interval),
      exponentCell(experiment.tokens_opt.b, experiment.tokens_opt.b_interval),
      experiment.lossLaw.form,
      showLoss(experiment.lossLaw.floor)
    ])
  )

const budgetsTable = (result: CompareResult) =>
  table(
    ["budget", "experiment", "N*", "D*", "L*"],
    result.experiments[0]?.atBudgets.flatMap((_, index) =>
      result.experiments.map((experiment, nth) => {
        const row = experiment.atBudgets[index]
        return row === undefined
          ? []
          : [nth === 0 ? sci(row.compute) : "", experiment.name, withInterval(row.params, sci), withInterval(row.tokens, sci), withInterval(row.loss, showLoss)]
      })
    ) ?? []
  )

/** Which loss laws the multipliers and L* come from: the joint fit with one floor, or each experiment's own. */
const floorText = (result: CompareResult): string =>
  result.floor.value === undefined
    ? `floor: separate, each loss law fitted alone with its own irreducible loss: ${result.floor.reason}`
    : `floor: shared, one irreducible loss E = ${showLoss(result.floor.value)} for every experiment, the loss laws fitted jointly: ${result.floor.reason}`

const compareText = (result: CompareResult): string => {
  const notes = result.experiments.flatMap((experiment) => experiment.notes.map((note) => `note: ${experiment.name}: ${note}`))
  const lawSource = result.floor.value === undefined ? "its loss law, as `scalelab forecast` gives it" : "its loss law in the joint fit with the shared floor"
  return [
    floorText(result),
    ...result.comparisons.map((comparison) => comparisonText(comparison, result.level)),
    [
      `side by side (N*, D* from each experiment's IsoFLOP fit; L* from ${lawSource}; ${percent(result.level)} intervals):`,
      lawsTable(result.experiments),
      "",
      budgetsTable(result)
    ].join("\n"),
    ...(notes.length === 0 ? [] : [notes.join("\n")])
  ].join("\n\n")
}

const compareRole = { flag: "--out", noun: "comparison folder", holds: "the comparison" } as const

export const compareCommand = Command.make(
  "compare",
  {
    inputs: Argument.String("input").pipe(
      Argument.withDescription("two or more specs (their stores' finished runs) or results tables (.csv, .jsonl); a spec is named by its name, a table by its file name"),
      Argument.variadic({ min: 1 })
    ),
    baseline: Flag.String("baseline").pipe(
      Flag.withDescription("the experiment every other is measured against, by name (default: the first input)"),
      Flag.optional
    ),
    bootstrap: bounded(
      Flag.Int("bootstrap"),
      flagRanges.bootstrap,
      "bootstrap resamples of every fit, for the 80% intervals and the trend's verdict; 0 for none",
      DEFAULT_BOOTSTRAP_RESAMPLES
    ),
    seed: seedFlag,
    floor: Flag.Literals("floor", FLOOR_MODES).pipe(
      Flag.withDescription(
        "shared: fit every experiment's loss law jointly with one irreducible loss E (the data's entropy, the same for " +
          "experiments on the same data and tokenizer); separate: each with its own. Default: shared, unless two specs' " +
          "data sections differ; a results table does not say its data, so tables are taken to share it"
      ),
      Flag.optional
    ),
    compute: computesFlag("a budget in FLOPs to forecast the multiplier at (default: the baseline spec's forecast budgets, or 10× and 100× the largest budget swept)"),
    out: Flag.String("out").pipe(Flag.withDescription("a folder to write compare.json into (the --json output); default: none"), Flag.optional),
    json: jsonFlag
  },
  ({ inputs, baseline, bootstrap, seed, floor, compute, out, json }) =>
    Effect.gen(function*() {
      // A folder that cannot be written is bad input, said before the fits rather than after them.
      if (Option.isSome(out)) yield* checkedFolder(out.value, "write", compareRole)
      const result = yield* compareExperiments({ inputs, baseline: Option.getOrUndefined(baseline), resamples: bootstrap, seed, computes: compute, floor: Option.getOrUndefined(floor) })
      const written = Option.isSome(out) ? yield* writeComparison(out.value, result) : undefined
      if (json) return yield* Console.log(JSON.stringify(compareJson(result), null, 2))
      yield* Console.log([compareText(result), ...(written === undefined ? [] : [`comparison: ${written}`])].join("\n\n"))
    })
).pipe(Command.withDescription(
  "Compare experiments by their scaling laws. For each candidate against the baseline: the compute multiplier " +
    "(how much compute the baseline needs to reach the candidate's compute-optimal loss, per FLOP the candidate " +
    "spends) at every budget swept and forecast, with 80% intervals from a joint bootstrap of both fits, and whether " +
    "it grows, holds or shrinks with compute; then each experiment's N*(C), D*(C) and L*(C) side by side. The loss " +
    "laws share one irreducible loss (--floor shared) unless the specs' data differ."
))
