import * as path from "node:path"
import { Effect } from "effect"
import { RunStore } from "@scalelab/runner"
import type { Experiment } from "@scalelab/spec"
import type { Plan } from "@scalelab/planner"
import { defaultStoreDir, sci } from "@scalelab/sweep"
import type { Interval } from "@scalelab/laws"
import { fitTokensNote } from "./fitTokens.ts"
import { plannedResultPoints, storedTasks } from "./resultsInput.ts"
import type { BootstrapSettings, IsoflopIntervals, IsoflopOutcome, WrittenReport } from "./reportWriter.ts"
import type { ParametricResult } from "./resultsFit.ts"
import { parametricSummary, writeResultsReport } from "./resultsReport.ts"

/** A spec's bootstrap: its `fit.bootstrap` resamples, drawn from seed 0 so that a sweep's report is reproducible. */
export const specBootstrap = (experiment: { readonly fit: { readonly bootstrap: number } }): BootstrapSettings => ({
  resamples: experiment.fit.bootstrap,
  seed: 0
})


const withInterval = (value: number, interval: Interval | undefined, show: (x: number) => string): string =>
  interval === undefined ? show(value) : `${show(value)} [${show(interval[0])}, ${show(interval[1])}]`

/** The fitted laws and forecasts, with the bootstrap's intervals where it gave them, as the end of a sweep prints them. */
export const fitSummary = (isoflop: IsoflopOutcome, intervals: IsoflopIntervals): ReadonlyArray<string> => {
  if (isoflop._tag === "NotFitted") return ["No IsoFLOP curves could be fitted (see below)."]
  if (isoflop._tag === "CurvesOnly") return ["IsoFLOP curves fitted per budget; no power law (see below)."]
  const { fit, forecasts } = isoflop
  const bootstrap = intervals._tag === "Bootstrapped" ? intervals.bootstrap : undefined
  const unbracketed = fit.budgets.filter((b) => !b.bracketed).map((b) => sci(b.budget))
  const exponent = (x: number) => x.toFixed(3)
  return [
    `IsoFLOP fit over ${fit.used_budgets.length} of ${fit.budgets.length} budgets` +
    (unbracketed.length > 0
      ? ` (minimum not bracketed at ${unbracketed.join(", ")}: widen span or move the centre)`
      : ", every minimum bracketed"),
    `  N*(C) = ${sci(fit.params_opt.k)} · C^${withInterval(fit.params_opt.a, bootstrap?.params_opt_a, exponent)}` +
    `   (R² ${fit.r2s.params.toFixed(3)})`,
    `  D*(C) = ${sci(fit.tokens_opt.k)} · C^${withInterval(fit.tokens_opt.b, bootstrap?.tokens_opt_b, exponent)}` +
    `   (R² ${fit.r2s.tokens.toFixed(3)})`,
    bootstrap === undefined
      ? `Forecast (no intervals: ${intervals._tag === "NoIntervals" ? intervals.reason : "none"}):`
      : `Forecast, with ${Math.round(bootstrap.level * 100)}% intervals from ${bootstrap.resamples_used} bootstrap resamples:`,
    ...forecasts.map((f) => {
      const interval = bootstrap?.forecasts.find((i) => i.compute === f.compute)
      return `  C = ${sci(f.compute)} FLOPs: N* = ${withInterval(f.params, interval?.params, sci)} params, ` +
        `D* = ${withInterval(f.tokens, interval?.tokens, sci)} tokens, loss ≈ ${withInterval(f.loss, interval?.loss, (x) => x.toFixed(3))}`
    }),
    // The backtest in docs/results.md measured this law 3.6% low one decade out; say so where it is read.
    "  (loss from L*(C) = k·C^c, which has no irreducible term and reads low far out; the parametric fit's, with " +
    "`parametric` in fit.methods, has one)"
  ]
}

/** Where a user looks next: the report and its files, and the commands that show more. */
export const whereToLook = (report: WrittenReport, specPath: string, storeDir: string): ReadonlyArray<string> => {
  const relative = (file: string) => path.relative(process.cwd(), file) || "."
  // The commands below find the store beside the spec by themselves; any other needs naming.
  const spec = path.resolve(storeDir) === path.resolve(defaultStoreDir(specPath))
    ? specPath
    : `${specPath} --store ${relative(storeDir)}`
  const pngs = report.plotPaths.filter((file) => file.endsWith(".png")).map((file) => path.basename(file))
  return [
    "Where to look:",
    `  report     ${relative(report.indexPath)}   (open in a browser; works offline)`,
    ...(pngs.length > 0 ? [`  plots      ${relative(path.dirname(report.indexPath))}/{${pngs.join(",")}}  (an SVG beside each)`] : []),
    `  fit        ${relative(report.fitPath)}` +
    (report.dataPaths.length > 0 ? `, ${report.dataPaths.map((file) => path.basename(file)).join(", ")}` : ""),
    `  runs       scalelab runs ${spec}`,
    `  dashboard  scalelab ui ${spec}`,
    `  forecasts  scalelab report ${spec} --compute C   (any budget)`
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
 * not this sweep's) by the spec's `fit.methods` with its `fit.bootstrap` resamples, on the tokens
 * `fit.tokens` names, records the fit in the store, and writes the report `scalelab report SPEC`
 * writes. The power laws fail (and the caller reports why) when too few budgets bracket their
 * minimum; the curves are still drawn.
 */
export const fitAndReport = (experiment: Experiment, plan: Plan, storeDir: string) =>
  Effect.gen(function*() {
    const store = yield* RunStore
    const points = yield* plannedResultPoints(experiment, plan)
    const tokensNote = fitTokensNote(experiment)
    const written = yield* writeResultsReport({
      input: experiment.name,
      name: experiment.name,
      results: {
        points,
        tasks: storedTasks(points),
        ...(tokensNote === undefined ? {} : { tokensNote }),
        isoflopMinimum: experiment.fit.isoflop_minimum
      },
      outDir: path.join(storeDir, "reports", experiment.name),
      forecastComputes: experiment.forecast.compute,
      bootstrap: specBootstrap(experiment),
      methods: experiment.fit.methods,
      curves: yield* storedLossCurves(points)
    })
    yield* store.recordFit(experiment.name, written.report.fitJson)
    return { ...written, tokensNote }
  })

/** What the end of a sweep prints besides the IsoFLOP fit: which tokens, when not those trained on, and the parametric law. */
export const otherFitLines = (fitted: { readonly tokensNote: string | undefined; readonly parametric: ParametricResult | undefined }) => [
  ...(fitted.tokensNote === undefined ? [] : [fitted.tokensNote]),
  ...(fitted.parametric === undefined ? [] : [parametricSummary(fitted.parametric)])
]
