// How well do the backtest's intervals hold their nominal coverage when the truth is known? Draws
// IsoFLOP sweeps from Besiroglu et al.'s Chinchilla law with 1% noise (five budgets over two
// decades), backtests each at every rolling cutoff with the backtest's own core, and prints, per
// quantity and level, the truths inside their intervals.
// Usage: pnpm bench:calibration [--seeds N] [--resamples N]
import { parseArgs } from "node:util"
import { defaultSyntheticStudy, syntheticStudy } from "../src/index.ts"
import { table } from "@scalelab/sweep"

const { values } = parseArgs({ options: { seeds: { type: "string" }, resamples: { type: "string" } } })
const settings = {
  ...defaultSyntheticStudy,
  ...(values.seeds === undefined ? {} : { seeds: Number(values.seeds) }),
  ...(values.resamples === undefined ? {} : { resamples: Number(values.resamples) })
}
const started = performance.now()
const result = syntheticStudy(settings)
const law = settings.law
console.log(
  `Synthetic study: L = ${law.E} + ${law.A}/N^${law.alpha} + ${law.B}/D^${law.beta}, ${(settings.noise * 100).toFixed(0)}% noise, ` +
    `budgets ${settings.budgets.map((b) => b.toExponential(1)).join(", ")}, ${settings.sizesPerBudget} sizes each; ` +
    `${settings.seeds} seeds × cutoffs ${result.cutoffs.map((c) => c.toExponential(1)).join(", ")}; ${settings.resamples} bootstrap resamples`
)
console.log(table(
  ["quantity", "level", "compared", "inside", "empirical"],
  result.coverage.map((row) => [
    row.quantity,
    `${Math.round(row.level * 100)}%`,
    String(row.compared),
    String(row.inside),
    row.fraction === null ? "-" : `${(row.fraction * 100).toFixed(1)}%`
  ])
))
if (result.failures.length > 0) console.log(`${result.failures.length} (seed, cutoff) fit(s) failed and are left out: ${result.failures[0]!.reason}`)
console.log(`${((performance.now() - started) / 1000).toFixed(0)} s`)
