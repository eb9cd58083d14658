import * as path from "node:path"
import { Effect } from "effect"
import { RunStore } from "@scalelab/runner"
import { type Experiment, reportFolder } from "@scalelab/spec"
import type { Plan } from "@scalelab/planner"
import { defaultStoreDir, sci } from "@scalelab/sweep"
import { bootstrapHealth, type Interval } from "@scalelab/laws"
import { intervalProvenance, lossIntervalLevel } from "./lossForecast.ts"
import { lossForecastAtCompute, lossForecastProblems, type LossForecasts } from "./lossForecastSource.ts"
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

const showLoss = (x: number) => x.toFixed(3)

/** The loss at `compute` with its interval (none when its bootstrap is not to be trusted), or a dash when there is no forecast. */
const lossText = (lossForecasts: LossForecasts, compute: number): string => {
  const forecast = lossForecastAtCompute(lossForecasts, compute)
  if (forecast === undefined) return "—"
  return withInterval(forecast.loss, forecast.health?.trustworthy === false ? undefined : forecast.interval, showLoss)
}

/** What the loss column is, and every problem with it (no law, impossible forecasts, bootstrap warnings). */
const lossFootnote = (lossForecasts: LossForecasts, computes: ReadonlyArray<number>): ReadonlyArray<string> => {
  const forecast = computes.map((compute) => lossForecastAtCompute(lossForecasts, compute)).find((f) => f !== undefined)
  const provenance = forecast === undefined ? undefined : intervalProvenance(forecast)
  return [
    ...(forecast === undefined ? [] : [
      "  (loss: the parametric law's compute-optimal loss" + (provenance === undefined ? ")" : `; ${Math.round(lossIntervalLevel * 100)}% intervals ${provenance})`)
    ]),
    ...lossForecastProblems(lossForecasts).map((problem) => `  ${problem}`)
  ]
}

/**
 * The fitted laws and forecasts as the end of a sweep prints them: N* and D* from the IsoFLOP
 * power laws (with their bootstrap's intervals), the loss from the parametric law (the one loss
 * forecaster, which the report, `forecast` and the dashboard read too).
 */
export const fitSummary = (isoflop: IsoflopOutcome, intervals: IsoflopIntervals, lossForecasts: LossForecasts): ReadonlyArray<string> => {
  if (isoflop._tag !== "Fitted") {
    const computes = lossForecasts._tag === "Forecasts" ? lossForecasts.rows.map((row) => row.compute) : []
    return [
      isoflop._tag === "NotFitted" ? "No IsoFLOP curves could be fitted (see below)." : "IsoFLOP curves fitted per budget; no power law (see below).",
      ...(computes.length === 0 ? [] : ["Loss forecast:", ...computes.map((compute) => `  C = ${sci(compute)} FLOPs: loss ≈ ${lossText(lossForecasts, compute)}`)]),
      ...lossFootnote(lossForecasts, computes)
    ]
  }
  const { fit, forecasts } = isoflop
  const bootstrapped = intervals._tag === "Bootstrapped" ? intervals.bootstrap : undefined
  const health = bootstrapped === undefined ? undefined : bootstrapHealth(bootstrapped.resamples_used, bootstrapped.failed_resamples)
  const bootstrap = health?.trustworthy === true ? bootstrapped : undefined
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
    bootstrap !== undefined && health !== undefined
      ? `Forecast, N* and D* with ${Math.round(bootstrap.level * 100)}% intervals from ${health.used} of ${health.requested} bootstrap resamples:`
      : `Forecast (no N*, D* intervals: ${intervals._tag === "NoIntervals" ? intervals.reason : health?.warning ?? "none"}):`,
    ...forecasts.map((f) => {
      const interval = bootstrap?.forecasts.find((i) => i.compute === f.compute)
      return `  C = ${sci(f.compute)} FLOPs: N* = ${withInterval(f.params, interval?.params, sci)} params, ` +
        `D* = ${withInterval(f.tokens, interval?.tokens, sci)} tokens, loss ≈ ${lossText(lossForecasts, f.compute)}`
    }),
    ...lossFootnote(lossForecasts, forecasts.map((f) => f.compute))
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
        isoflopMinimum: experiment.fit.isoflop_minimum,
        lawForm: experiment.fit.law_form
      },
      outDir: reportFolder(storeDir, experiment.name),
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
