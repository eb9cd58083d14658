import * as path from "node:path"
import { Effect } from "effect"
import { RunStore } from "@scalelab/runner"
import type { Experiment } from "@scalelab/spec"
import { sci } from "./format.ts"
import { fitForReport, type IsoflopOutcome, writeReport } from "./reportWriter.ts"

/** Resamples of the bootstrap band drawn at the end of a sweep: enough for stable 80% intervals, quick at sweep sizes. */
export const sweepBootstrap = { resamples: 200, seed: 0 } as const

export const forecastTargets = (experiment: Experiment): ReadonlyArray<number> =>
  experiment.forecast.compute.length > 0 ? experiment.forecast.compute : [10 * Math.max(...experiment.sweep.budgets)]

export const fitSummary = (isoflop: IsoflopOutcome): ReadonlyArray<string> => {
  if (isoflop._tag === "NotFitted") return ["No IsoFLOP curves could be fitted (see below)."]
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

/** The logged losses of the given runs, from the store, for the loss-curves plot. */
export const storedLossCurves = (points: ReadonlyArray<{ readonly id: string; readonly params: number; readonly budget: number }>) =>
  Effect.gen(function*() {
    const store = yield* RunStore
    return yield* Effect.forEach(points, (point) =>
      Effect.map(store.metrics(point.id), (lines) => ({ id: point.id, params: point.params, budget: point.budget, points: lines })))
  })

/**
 * Fits the plan's finished runs (those of an earlier version of the spec stay in the store but are
 * not this sweep's), records the fit in the store, and writes the report (as `scalelab report`
 * does). The power laws fail (and the caller reports why) when too few budgets bracket their
 * minimum; the curves are still drawn.
 */
export const fitAndReport = (experiment: Experiment, plannedIds: ReadonlySet<string>, storeDir: string) =>
  Effect.gen(function*() {
    const store = yield* RunStore
    const rows = (yield* store.results(experiment.name)).filter((row) => plannedIds.has(row.run_id))
    const points = rows.map((row) => ({ id: row.run_id, params: row.params, tokens: row.tokens, budget: row.budget, loss: row.loss }))
    const forecastComputes = forecastTargets(experiment)
    const { isoflop, intervals, powerLawFailure } = yield* fitForReport(points, forecastComputes, sweepBootstrap)
    const curves = yield* storedLossCurves(points)
    const report = yield* writeReport(path.join(storeDir, "reports", experiment.name), {
      name: experiment.name,
      points,
      forecastComputes,
      isoflop,
      intervals,
      curves,
      // Like the parametric fit, the downstream fit (and its bootstrap) is left to `scalelab
      // report`: seconds more at the end of every sweep, and noise on a sweep this small.
      downstream: []
    })
    yield* store.recordFit(experiment.name, "isoflop", report.fitJson)
    return { isoflop, report, powerLawFailure }
  })
