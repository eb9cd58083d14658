import * as path from "node:path"
import { sci } from "@scalelab/laws"
import { table } from "../format.ts"
import type { BacktestResult } from "./backtestResult.ts"
import type { Comparison, ComparedQuantity } from "./comparison.ts"
import type { BacktestFiles } from "./backtestFiles.ts"

const quantityLabels: Readonly<Record<ComparedQuantity, string>> = {
  loss: "loss of run at N*",
  cloze_accuracy: "cloze accuracy",
  params_opt: "N* (budget's own min)",
  loss_opt: "L* (budget's own min)"
}

const valueText = (quantity: ComparedQuantity, value: number): string =>
  quantity === "params_opt" ? sci(value) : quantity === "cloze_accuracy" ? `${(value * 100).toFixed(1)}%` : value.toFixed(4)

const errorText = (c: Comparison): string =>
  c.error_unit === "points" ? `${c.error >= 0 ? "+" : ""}${c.error.toFixed(1)} pt` : `${c.error >= 0 ? "+" : ""}${(c.error * 100).toFixed(2)}%`

const verdict = (met: boolean | null): string => met === null ? "not measured" : met ? "met" : "missed"

/** The readable report of a backtest: the laws, a row per comparison, coverage, targets, and where the files are. */
export const backtestText = (result: BacktestResult, files: BacktestFiles): string => {
  const level = `${Math.round(result.targets.interval_level * 100)}%`
  const rows = result.held_out.flatMap((heldOut) =>
    heldOut.comparisons.map((c) => [
      sci(heldOut.budget),
      quantityLabels[c.quantity],
      valueText(c.quantity, c.predicted),
      c.interval === null ? "-" : `[${valueText(c.quantity, c.interval[0])}, ${valueText(c.quantity, c.interval[1])}]`,
      valueText(c.quantity, c.actual),
      errorText(c),
      c.inside === null ? "-" : c.inside ? "yes" : "no"
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
    `(below --cutoff ${sci(result.cutoff)}), checked at ${result.held_out_budgets.map((b) => sci(b)).join(", ")}`,
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
      : table(["held-out C", "quantity", "predicted", `${level} interval`, "actual", "error", "inside"], rows),
    "",
    coverage.fraction === null
      ? `coverage: no ${level} intervals to check`
      : `coverage: ${coverage.inside} of ${coverage.compared} truths inside their ${level} intervals (${Math.round(coverage.fraction * 100)}%)`,
    `targets: loss within ${result.targets.loss_relative_error * 100}%: ${verdict(met.loss_within_2_percent)}; ` +
    `accuracy within ${result.targets.accuracy_points} points: ${verdict(met.accuracy_within_3_points)}; ` +
    `truth inside the ${level} interval: ${verdict(met.truth_inside_interval)}`,
    ...result.notes.map((note) => `note: ${note}`),
    `${result.runs_trained} truth run(s) trained, ${result.runs_read} read from the store`,
    "",
    "Files:",
    `  backtest   ${path.relative(process.cwd(), files.jsonPath) || files.jsonPath}`,
    ...files.plotPaths.map((file) => `  plot       ${path.relative(process.cwd(), file) || file}`)
  ].join("\n")
}
