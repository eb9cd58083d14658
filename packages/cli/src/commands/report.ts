import * as path from "node:path"
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { RunStore } from "@scalelab/runner"
import { UserInputError } from "../failure.ts"
import { attemptAsync } from "../pureInput.ts"
import { fitDownstreamForReport, fitForReport, writeReport } from "../reportWriter.ts"
import { fitParametricResults } from "../resultsFit.ts"
import { loadSpec } from "../specInput.ts"
import { storeDirFor } from "../storeLocation.ts"
import { forecastTargets, storedLossCurves, sweepBootstrap } from "../sweepFit.ts"
import { storeFlag } from "../commonFlags.ts"
import { inputArgument, loadInput, mapFlag, seedFlag } from "./fit.ts"

const specExtensions = new Set([".yaml", ".yml"])
// Chinchilla's approach 3 fits five constants: fewer runs leave it undetermined.
const parametricMinimumRuns = 5

/** What a spec adds to its results: its name, its forecast budgets, its store (for loss curves and the default folder). */
const specDetails = (input: string, store: Option.Option<string>) =>
  Effect.gen(function*() {
    const experiment = yield* loadSpec(input)
    const storeDir = storeDirFor(input, Option.getOrUndefined(store))
    return { name: experiment.name, forecastComputes: forecastTargets(experiment), storeDir }
  })

export const reportCommand = Command.make(
  "report",
  {
    input: inputArgument,
    out: Flag.String("out").pipe(
      Flag.withDescription("report folder (default: <store>/reports/<experiment> for a spec, ./report-<file name> for a table)"),
      Flag.optional
    ),
    map: mapFlag,
    store: storeFlag,
    bootstrap: Flag.Int("bootstrap").pipe(
      Flag.withDescription("bootstrap resamples for the 80% band and intervals (0: none)"),
      Flag.withDefault(sweepBootstrap.resamples)
    ),
    seed: seedFlag,
    compute: Flag.Finite("compute").pipe(
      Flag.withDescription("a budget in FLOPs to forecast at (repeatable; default: the spec's forecast budgets, or 10× the largest budget)"),
      Flag.atLeast(0)
    )
  },
  ({ input, out, map, store, bootstrap, seed, compute }) =>
    Effect.gen(function*() {
      const results = yield* loadInput(input, map, store)
      const isSpec = specExtensions.has(path.extname(input).toLowerCase())
      const spec = isSpec ? yield* specDetails(input, store) : undefined
      const points = results.points.map(({ id, params, tokens, budget, loss }) => ({ id, params, tokens, budget, loss }))
      const forecastComputes = compute.length > 0
        ? compute
        : spec?.forecastComputes ?? [10 * Math.max(...points.map((point) => point.budget))]
      const { isoflop, intervals } = yield* fitForReport(points, forecastComputes, { resamples: bootstrap, seed })
      const downstream = yield* fitDownstreamForReport(results.points, results.tasks, forecastComputes, { resamples: bootstrap, seed })
      const parametric = results.points.length < parametricMinimumRuns
        ? undefined
        : yield* Effect.match(attemptAsync(() => fitParametricResults(results.points, { resamples: 0, seed })), {
          onSuccess: (result) => result,
          onFailure: () => undefined
        })
      const curves = spec === undefined
        ? []
        : yield* storedLossCurves(points).pipe(
          Effect.provide(RunStore.layer(spec.storeDir)),
          Effect.mapError((error) => new UserInputError({ message: `${input}: could not read the runs' metrics from ${spec.storeDir} (${error.message})` }))
        )
      const stem = path.basename(input, path.extname(input))
      const name = spec?.name ?? path.basename(input)
      const outDir = Option.getOrElse(out, () => (spec === undefined ? `report-${stem}` : path.join(spec.storeDir, "reports", spec.name)))
      const report = yield* writeReport(outDir, {
        name,
        points,
        forecastComputes,
        isoflop,
        intervals,
        curves,
        downstream,
        ...(parametric === undefined ? {} : { parametric })
      })
      const plotted = report.plotPaths.length > 0
      if (!plotted) {
        return yield* new UserInputError({
          message: `${input}: nothing to plot: ${isoflop._tag === "Fitted" ? "no section applies" : isoflop.reason}`
        })
      }
      const notes = [
        ...(isoflop._tag === "Fitted" ? [] : [`no IsoFLOP power law: ${isoflop.reason}`]),
        ...(isoflop._tag === "Fitted" && intervals._tag === "NoIntervals" ? [`no bootstrap intervals: ${intervals.reason}`] : []),
        ...downstream.flatMap((outcome) => outcome._tag === "NotFitted" ? [`no downstream fit of ${outcome.task}: ${outcome.reason}`] : [])
      ]
      yield* Console.log([
        `report: ${report.indexPath}`,
        `sections: ${report.sections.join(", ")}`,
        ...report.plotPaths.map((p) => `        ${p}`),
        `fit:    ${report.fitPath}`,
        ...report.dataPaths.map((p) => `data:   ${p}`),
        ...notes.map((note) => `note:   ${note}`)
      ].join("\n"))
    })
).pipe(Command.withDescription(
  "Write a report of a spec's finished runs or of a results table (CSV/JSONL): index.html (opens offline), an SVG " +
    "and a PNG per plot (IsoFLOP curves, compute-optimal frontier with published laws, parametric loss surface, loss " +
    "curves, downstream accuracy per task), the forecast table, fit.json and forecast.json."
))
