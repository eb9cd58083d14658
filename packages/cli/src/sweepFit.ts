import * as path from "node:path"
import { Effect, Result } from "effect"
import { fitIsoflop, fitIsoflopCurves, forecastIsoflop } from "@scalelab/laws"
import { RunStore } from "@scalelab/runner"
import type { Experiment } from "@scalelab/spec"
import { sci } from "./format.ts"
import { type IsoflopOutcome, writeIsoflopReport } from "./isoflopReport.ts"
import { attempt } from "./pureInput.ts"

const forecastTargets = (experiment: Experiment): ReadonlyArray<number> =>
  experiment.forecast.compute.length > 0 ? experiment.forecast.compute : [10 * Math.max(...experiment.sweep.budgets)]

export const fitSummary = (isoflop: IsoflopOutcome): ReadonlyArray<string> => {
  if (isoflop._tag === "CurvesOnly") return ["IsoFLOP curves fitted per budget; no power law (see below)."]
  const { fit, forecasts } = isoflop
  const unbracketed = fit.budgets.filter((b) => !b.bracketed).map((b) => sci(b.budget))
  return [
    `IsoFLOP fit over ${fit.used_budgets.length} of ${fit.budgets.length} budgets` +
    (unbracketed.length > 0 ? ` (minimum not bracketed at ${unbracketed.join(", ")}: widen span or move the centre)` : ""),
    `  N*(C) = ${sci(fit.params_opt.k)} · C^${fit.params_opt.a.toFixed(3)}   (R² ${fit.r2s.params.toFixed(3)})`,
    `  D*(C) = ${sci(fit.tokens_opt.k)} · C^${fit.tokens_opt.b.toFixed(3)}   (R² ${fit.r2s.tokens.toFixed(3)})`,
    ...forecasts.map((f) =>
      `forecast at C = ${sci(f.compute)} FLOPs: N* = ${sci(f.params)} params, D* = ${sci(f.tokens)} tokens, loss ≈ ${f.loss.toFixed(3)}`)
  ]
}

/**
 * Fits the plan's finished runs (those of an earlier version of the spec stay in the store but are
 * not this sweep's), records the fit in the store, and writes the report. The power laws fail
 * (and the caller reports why) when too few budgets bracket their minimum; the curves are still drawn.
 */
export const fitAndReport = (experiment: Experiment, plannedIds: ReadonlySet<string>, storeDir: string) =>
  Effect.gen(function*() {
    const store = yield* RunStore
    const rows = (yield* store.results(experiment.name)).filter((row) => plannedIds.has(row.run_id))
    const points = rows.map((row) => ({ id: row.run_id, params: row.params, tokens: row.tokens, budget: row.budget, loss: row.loss }))
    const curves = yield* attempt(() => fitIsoflopCurves(points))
    const powerLaws = yield* Effect.result(attempt(() => {
      const fit = fitIsoflop(points)
      return { _tag: "Fitted", fit, forecasts: forecastTargets(experiment).map((compute) => forecastIsoflop(fit, compute)) } as const
    }))
    const isoflop: IsoflopOutcome = Result.isSuccess(powerLaws)
      ? powerLaws.success
      : { _tag: "CurvesOnly", budgets: curves, reason: powerLaws.failure.message }
    const report = yield* writeIsoflopReport(path.join(storeDir, "reports", experiment.name), experiment.name, points, isoflop)
    yield* store.recordFit(experiment.name, "isoflop", report.fitJson)
    return { isoflop, report, powerLawFailure: Result.isFailure(powerLaws) ? powerLaws.failure : undefined }
  })
