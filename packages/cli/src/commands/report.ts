import * as path from "node:path"
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { RunStore } from "@scalelab/runner"
import { DEFAULT_BOOTSTRAP_RESAMPLES, FIT_METHODS, trainedExperiment } from "@scalelab/spec"
import { checkedFolder, loadSpecOfAnyKind, storeDirFor, UserInputError } from "@scalelab/sweep"
import {
  reportFileLines,
  type ResultPoint,
  specBootstrap,
  storedLossCurves,
  writeResultsReport
} from "@scalelab/analysis"
import { storeFlag } from "../commonFlags.ts"
import { bounded, flagRanges } from "../flagRanges.ts"
import { computesFlag, inputArgument, loadInput, mapFlag, seedFlag } from "./fit.ts"
import { sweepSpecReport } from "./sweepReport.ts"

const specExtensions = new Set([".yaml", ".yml"])

/**
 * What a spec adds to its results: its name, its forecast budgets, its fits (methods and
 * bootstrap), its store (the default folder) and, for runs trained here, their loss curves; a
 * table sweep's rows have none.
 */
const specDetails = (input: string, store: Option.Option<string>, points: ReadonlyArray<ResultPoint>) =>
  Effect.gen(function*() {
    const spec = yield* loadSpecOfAnyKind(input)
    const storeDir = yield* storeDirFor(input, Option.getOrUndefined(store), "write")
    const experiment = trainedExperiment(spec)
    const fits = { methods: spec.fit.methods, bootstrap: specBootstrap(spec).resamples }
    if (experiment === undefined) return { name: spec.name, forecastComputes: spec.forecast.compute, ...fits, storeDir, curves: [] }
    const curves = yield* storedLossCurves(points).pipe(
      Effect.provide(RunStore.layer(storeDir)),
      Effect.mapError((error) => new UserInputError({ message: `${input}: could not read the runs' metrics from ${storeDir} (${error.message})` }))
    )
    return { name: experiment.name, forecastComputes: experiment.forecast.compute, ...fits, storeDir, curves }
  })

const reportRole = { flag: "--out", noun: "report folder", holds: "the report" } as const

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
    bootstrap: bounded(
      Flag.Int("bootstrap"),
      flagRanges.bootstrap,
      "bootstrap resamples for the 80% band and intervals, 0 for none (default: a spec's fit.bootstrap, " +
        `${DEFAULT_BOOTSTRAP_RESAMPLES} for a table)`
    ).pipe(Flag.optional),
    seed: seedFlag,
    compute: computesFlag("a budget in FLOPs to forecast at (default: the spec's forecast budgets, or 10× and 100× the largest budget)")
  },
  ({ input, out, map, store, bootstrap, seed, compute }) =>
    Effect.gen(function*() {
      // A folder the report cannot be written to is bad input, said before the fit rather than after it.
      if (Option.isSome(out)) yield* checkedFolder(out.value, "write", reportRole)
      if (yield* sweepSpecReport(input, { out, store, bootstrap, seed, json: false })) return
      const isSpec = specExtensions.has(path.extname(input).toLowerCase())
      const results = yield* loadInput(input, map, store)
      const spec = isSpec ? yield* specDetails(input, store, results.points) : undefined
      const stem = path.basename(input, path.extname(input))
      const outDir = Option.isSome(out)
        ? out.value
        : spec === undefined ? yield* checkedFolder(`report-${stem}`, "write", reportRole) : path.join(spec.storeDir, "reports", spec.name)
      const written = yield* writeResultsReport({
        input,
        name: spec?.name ?? path.basename(input),
        results,
        outDir,
        forecastComputes: compute.length > 0 ? compute : spec?.forecastComputes ?? [],
        bootstrap: { resamples: Option.getOrElse(bootstrap, () => spec?.bootstrap ?? DEFAULT_BOOTSTRAP_RESAMPLES), seed },
        methods: spec?.methods ?? FIT_METHODS,
        curves: spec?.curves ?? []
      })
      yield* Console.log(reportFileLines(written).join("\n"))
    })
).pipe(Command.withDescription(
  "Write a report of a spec's finished runs or of a results table (CSV/JSONL): index.html (opens offline), an SVG " +
    "and a PNG per plot (IsoFLOP curves, compute-optimal frontier with published laws, parametric loss surface, loss " +
    "curves, downstream accuracy per task, memorization rate when the runs measured it), the forecast table, fit.json " +
      "and forecast.json. Of a hyperparameter sweep's spec: lr*(C) and B*(C), fit.json, the loss against learning rate " +
      "and the laws' plots. Of a data-mixture spec: the data-mixing law fitted to its runs in the store (nothing is " +
      "trained), the predicted best mix (and its run's loss, when `scalelab run` trained it), fit.json and the plots. " +
      "Of an annealing spec: each candidate's loss change against the control, fit.json and the plots (docs/annealing.md)."
))
