// The end of a sweep whose fits take effective tokens (`fit.tokens: effective`): the runs are the
// plan's finished ones, as for any sweep, but each run's D is what its repeated tokens are worth.
// The report is the one `scalelab report SPEC` writes, with the parametric fit, since the
// parametric law L(N, D') is the fit Muennighoff et al. make of data-constrained runs.
import * as path from "node:path"
import { Effect } from "effect"
import type { Plan } from "@scalelab/planner"
import { RunStore } from "@scalelab/runner"
import type { Experiment } from "@scalelab/spec"
import { fitTokensNote } from "./fitTokens.ts"
import type { ParametricResult } from "./resultsFit.ts"
import { plannedResultPoints } from "./resultsInput.ts"
import { parametricSummary, writeResultsReport } from "./resultsReport.ts"
import { storedLossCurves, sweepBootstrap } from "./sweepFit.ts"

/** Fits the plan's finished runs on effective tokens, records the fit in the store and writes the report. */
export const fitAndReportOnEffectiveTokens = (experiment: Experiment, plan: Plan, storeDir: string) =>
  Effect.gen(function*() {
    const store = yield* RunStore
    const points = yield* plannedResultPoints(experiment, plan)
    const tokensNote = fitTokensNote(experiment)
    const written = yield* writeResultsReport({
      input: experiment.name,
      name: experiment.name,
      // The downstream fit is left to `scalelab report`, as at the end of any sweep.
      results: { points, tasks: [], ...(tokensNote === undefined ? {} : { tokensNote }) },
      outDir: path.join(storeDir, "reports", experiment.name),
      forecastComputes: experiment.forecast.compute,
      bootstrap: sweepBootstrap,
      curves: yield* storedLossCurves(points)
    })
    yield* store.recordFit(experiment.name, written.report.fitJson)
    return { ...written, tokensNote }
  })

/** What the end of such a sweep prints besides the IsoFLOP fit: which tokens, and the parametric law. */
export const effectiveFitLines = (fitted: { readonly tokensNote: string | undefined; readonly parametric: ParametricResult | undefined }) => [
  ...(fitted.tokensNote === undefined ? [] : [fitted.tokensNote]),
  ...(fitted.parametric === undefined ? [] : [parametricSummary(fitted.parametric)])
]
