// A spec whose `table` sweep names results trained elsewhere: nothing to plan or train, so
// `validate`, `plan` and `run` show, check and report the table's rows instead.
import * as path from "node:path"
import { Console, Effect, Option } from "effect"
import type { TableExperiment } from "@scalelab/spec"
import { sci } from "@scalelab/laws"
import { table } from "./format.ts"
import { type LoadedResults, loadResults } from "./resultsInput.ts"
import { parametricSummary, reportFileLines, type ResultsReport, writeResultsReport } from "./resultsReport.ts"
import { storeDirFor } from "./storeLocation.ts"
import { specBootstrap } from "./sweepFit.ts"

/** The table's rows, as `scalelab report SPEC` reads them. */
export const loadTableRows = (spec: string) => loadResults(spec, { rename: {}, store: undefined })

/** One line saying where a table spec's results come from. */
export const tableSource = (spec: string, experiment: TableExperiment, results: LoadedResults): string => {
  const { dataset, file, max_loss: maxLoss } = experiment.sweep
  const from = dataset === undefined ? path.relative(path.dirname(path.resolve(spec)), file ?? "") : `dataset ${dataset}`
  return `${results.points.length} runs trained elsewhere, from ${from}` +
    `${maxLoss === "none" ? "" : ` (rows with loss above ${maxLoss} left out)`} (sweep.kind: table): nothing to train`
}

/** The table's runs as `scalelab plan` lists them. */
export const tableRowsTable = (results: LoadedResults): string =>
  table(
    ["row", "budget", "params", "tokens", "flops", "loss"],
    results.points.map((point) => [point.id, sci(point.budget), sci(point.params), sci(point.tokens), sci(point.flops), point.loss.toFixed(4)])
  )

/**
 * `scalelab run` of a table spec: the report `scalelab report SPEC` writes (the fits of
 * `fit.methods` the rows support, with `fit.bootstrap` resamples), in the same folder.
 */
export const reportTableSweep = (spec: string, experiment: TableExperiment, store: Option.Option<string>) =>
  Effect.gen(function*() {
    const results = yield* loadTableRows(spec)
    const storeDir = yield* storeDirFor(spec, Option.getOrUndefined(store), "write")
    const written = yield* writeResultsReport({
      input: spec,
      name: experiment.name,
      results,
      outDir: path.join(storeDir, "reports", experiment.name),
      forecastComputes: experiment.forecast.compute,
      bootstrap: specBootstrap(experiment),
      methods: experiment.fit.methods,
      curves: []
    })
    return { results, written }
  })

/** What `scalelab run` prints at the end for a table spec: the fits in a few lines. */
export const tableFitSummary = (written: ResultsReport): ReadonlyArray<string> => {
  const { isoflop, parametric } = written
  const lines: Array<string> = []
  if (parametric !== undefined) lines.push(parametricSummary(parametric))
  if (isoflop._tag === "Fitted") {
    lines.push(
      `IsoFLOP fit over ${isoflop.fit.used_budgets.length} budgets: N*(C) = ${sci(isoflop.fit.params_opt.k)} · C^${isoflop.fit.params_opt.a.toFixed(3)}, ` +
        `D*(C) = ${sci(isoflop.fit.tokens_opt.k)} · C^${isoflop.fit.tokens_opt.b.toFixed(3)}`
    )
  }
  return lines
}

/** `scalelab run` of a table spec: report, then a short summary (one JSON line with --json). */
export const runTableSpec = (spec: string, experiment: TableExperiment, store: Option.Option<string>, json: boolean) =>
  Effect.gen(function*() {
    const { results, written } = yield* reportTableSweep(spec, experiment, store)
    if (json) {
      return yield* Console.log(JSON.stringify({
        event: "TableReported",
        time: new Date().toISOString(),
        runs: results.points.length,
        report: written.report.indexPath,
        fit: written.report.fitJson
      }))
    }
    yield* Console.log([
      `${experiment.name}: ${tableSource(spec, experiment, results)}`,
      "",
      ...tableFitSummary(written),
      "",
      ...reportFileLines(written)
    ].join("\n"))
  })
