import * as path from "node:path"
import { sci, table } from "@scalelab/sweep"
import type {
  BacktestFiles,
  BacktestResult,
  ComparedQuantity,
  Comparison,
  LevelCoverage,
  RollingBacktestResult
} from "@scalelab/analysis"
import { comparedQuantityLabels } from "@scalelab/analysis"


const valueText = (quantity: ComparedQuantity, value: number): string =>
  quantity === "params_opt" || quantity === "tokens_opt"
    ? sci(value)
    : quantity === "cloze_accuracy"
    ? `${(value * 100).toFixed(1)}%`
    : value.toFixed(4)

/** The truth's own uncertainty, for N* against a measured optimum. */
const truthText = (c: Comparison): string => {
  const uncertainty = c.truth_uncertainty
  if (uncertainty === undefined) return ""
  if (!uncertainty.measured) return "se not measured"
  return `${uncertainty.error_decades >= 0 ? "+" : ""}${uncertainty.error_decades.toFixed(3)} dec = ` +
    `${uncertainty.error_in_se >= 0 ? "+" : ""}${uncertainty.error_in_se.toFixed(1)} se`
}

const errorText = (c: Comparison): string =>
  c.error_unit === "points" ? `${c.error >= 0 ? "+" : ""}${c.error.toFixed(1)} pt` : `${c.error >= 0 ? "+" : ""}${(c.error * 100).toFixed(2)}%`

const verdict = (met: boolean | null): string => met === null ? "not measured" : met ? "met" : "missed"

/** One cutoff's backtest: the laws, a row per comparison, its coverage and targets. */
const cutoffText = (result: BacktestResult, cutoffFlag: string): ReadonlyArray<string> => {
  const level = `${Math.round(result.targets.interval_level * 100)}%`
  const rows = result.held_out.flatMap((heldOut) =>
    heldOut.comparisons.map((c) => [
      sci(heldOut.budget),
      comparedQuantityLabels[c.quantity],
      valueText(c.quantity, c.predicted),
      c.interval === null ? "-" : `[${valueText(c.quantity, c.interval[0])}, ${valueText(c.quantity, c.interval[1])}]`,
      valueText(c.quantity, c.actual),
      errorText(c),
      c.inside === null ? "-" : c.inside ? "yes" : "no",
      truthText(c)
    ])
  )
  const forecasts = result.held_out.map((h) =>
    `  C = ${sci(h.budget)}: N* = ${sci(h.forecast.params)}, D* = ${sci(h.forecast.tokens)}, L* = ${h.forecast.loss.toFixed(4)}` +
    (h.forecast.cloze === null ? "" : `, cloze accuracy ${(h.forecast.cloze.accuracy * 100).toFixed(1)}%`) +
    `; truth run${h.truth_runs.length === 1 ? "" : "s"} ${h.truth_runs.map((r) => `${r.id}${r.trained ? " (trained)" : " (stored)"}`).join(", ")}`
  )
  const { coverage, targets_met: met, laws } = result
  return [
    `Backtest of ${result.experiment}: laws fitted on budgets ${result.fit_budgets.map((b) => sci(b)).join(", ")} ` +
    `(below ${cutoffFlag} ${sci(result.cutoff)}), checked at ${result.held_out_budgets.map((b) => sci(b)).join(", ")}`,
    `  N*(C) = ${sci(laws.params_opt.k)} · C^${laws.params_opt.a.toFixed(3)}, D*(C) = ${sci(laws.tokens_opt.k)} · C^${laws.tokens_opt.b.toFixed(3)}, ` +
    `L*(C) = ${sci(laws.loss_opt.k)} · C^${laws.loss_opt.c.toFixed(4)}`,
    laws.parametric === null
      ? "  loss forecast: the IsoFLOP L*(C) (--loss-law isoflop)"
      : `  loss forecast: the parametric law L(N, D) = ${laws.parametric.E.toFixed(3)} + ${sci(laws.parametric.A)}/N^${laws.parametric.alpha.toFixed(3)} + ` +
        `${sci(laws.parametric.B)}/D^${laws.parametric.beta.toFixed(3)} at its compute-optimal N, D (--loss-law parametric)`,
    "Forecast:",
    ...forecasts,
    "",
    rows.length === 0
      ? "Nothing to compare: no truth run finished with a loss."
      : table(["held-out C", "quantity", "predicted", `${level} interval`, "actual", "error", "inside", "N* error vs truth's se"], rows),
    "",
    coverage.fraction === null
      ? `coverage: no ${level} intervals to check`
      : `coverage: ${coverage.inside} of ${coverage.compared} truths inside their ${level} intervals (${Math.round(coverage.fraction * 100)}%)`,
    `targets: loss within ${result.targets.loss_relative_error * 100}%: ${verdict(met.loss_within_2_percent)}; ` +
    `accuracy within ${result.targets.accuracy_points} points: ${verdict(met.accuracy_within_3_points)}; ` +
    `truth inside the ${level} interval: ${verdict(met.truth_inside_interval)}`,
    ...result.notes.map((note) => `note: ${note}`)
  ]
}

const coverageCell = (coverage: LevelCoverage | undefined): string =>
  coverage === undefined || coverage.fraction === null
    ? "-"
    : `${coverage.inside}/${coverage.compared} (${Math.round(coverage.fraction * 100)}%)`

/** Nominal against empirical coverage, a row per quantity and one for all of them. */
const coverageTable = (result: RollingBacktestResult): string => {
  const levels = result.coverage_by_level.map((c) => c.level)
  const quantities = [...new Set(result.coverage_by_quantity.map((row) => row.quantity))]
  const rows = [
    ...quantities.map((quantity) => [
      comparedQuantityLabels[quantity],
      ...levels.map((level) => coverageCell(result.coverage_by_quantity.find((row) => row.quantity === quantity && row.level === level)))
    ]),
    ["all", ...result.coverage_by_level.map(coverageCell)]
  ]
  return table(["truths inside, at nominal", ...levels.map((level) => `${Math.round(level * 100)}%`)], rows)
}

/**
 * The readable report of a backtest: each cutoff's laws, comparisons, coverage and targets; then
 * the coverage at every nominal level over all cutoffs; and where the files are.
 */
export const backtestText = (result: RollingBacktestResult, files: BacktestFiles): string => {
  const rolling = result.mode === "rolling"
  const compared = result.coverage_by_level.some((c) => c.compared > 0)
  return [
    ...(rolling
      ? [
        `Rolling backtest of ${result.experiment}: ${result.cutoffs.length} cutoff(s), ${result.cutoffs.map((c) => sci(c)).join(", ")}`,
        ...result.skipped_cutoffs.map(({ cutoff, reason }) => `skipped cutoff ${sci(cutoff)}: ${reason}`),
        ""
      ]
      : []),
    ...result.backtests.flatMap((backtest, index) => [...(index === 0 ? [] : [""]), ...cutoffText(backtest, rolling ? "cutoff" : "--cutoff")]),
    "",
    compared
      ? `Coverage${rolling ? " over every cutoff" : ""}, nominal against empirical (the same bootstrap replicates at each level):\n${coverageTable(result)}`
      : "Coverage: no intervals to check (--bootstrap 0, or no truth to compare)",
    `${result.runs_trained} truth run(s) trained, ${result.runs_read} read from the store`,
    "",
    "Files:",
    `  backtest   ${path.relative(process.cwd(), files.jsonPath) || files.jsonPath}`,
    ...files.plotPaths.map((file) => `  plot       ${path.relative(process.cwd(), file) || file}`)
  ].join("\n")
}
