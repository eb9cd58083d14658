// The report of finished runs, whatever they were read from: a spec's store, a results table, or
// a spec whose `table` sweep names one. `scalelab report` and, for a table sweep, `scalelab run`
// both write it here, so the two give the same report.
import { Effect } from "effect"
import type { LossCurveRun } from "@scalelab/plots"
import { defaultForecastBudgets, type FitMethod } from "@scalelab/spec"
import { sci, UserInputError } from "@scalelab/sweep"
import {
  type BootstrapSettings,
  type DownstreamOutcome,
  fitDownstreamForReport,
  fitForReport,
  type IsoflopIntervals,
  type IsoflopOutcome,
  writeReport,
  type WrittenReport
} from "./reportWriter.ts"
import { fitLossSource, lossForecastProblems, type LossForecasts, lossForecastsAt } from "./lossForecastSource.ts"
import type { ParametricResult } from "./resultsFit.ts"
import type { LoadedResults } from "./resultsInput.ts"

export interface ResultsReportRequest {
  /** Names the input in messages: the spec or table as given on the command line. */
  readonly input: string
  /** Names the report: the experiment, or the table's file name. */
  readonly name: string
  readonly results: Pick<LoadedResults, "points" | "tasks" | "tokensNote" | "isoflopMinimum" | "lawForm">
  readonly outDir: string
  /** Budgets to forecast at; empty: the spec's default over the results' largest budget. */
  readonly forecastComputes: ReadonlyArray<number>
  readonly bootstrap: BootstrapSettings
  /** The fits to make: a spec's `fit.methods`; a method not named is not fitted. */
  readonly methods: ReadonlyArray<FitMethod>
  /** The runs' logged losses, where the input has them (a spec's store). */
  readonly curves: ReadonlyArray<LossCurveRun>
}

export interface ResultsReport {
  readonly report: WrittenReport
  readonly isoflop: IsoflopOutcome
  readonly intervals: IsoflopIntervals
  /** Why the IsoFLOP power laws could not be fitted, as the error `scalelab run` ends with. */
  readonly powerLawFailure: UserInputError | undefined
  readonly parametric: ParametricResult | undefined
  /** The compute-optimal loss at each forecast budget, from the parametric law, or why there is none. */
  readonly lossForecasts: LossForecasts
  readonly downstream: ReadonlyArray<DownstreamOutcome>
  /** What the report lacks and why, one line each. */
  readonly notes: ReadonlyArray<string>
}

const notAsked: IsoflopOutcome = { _tag: "NotFitted", reason: "isoflop is not in fit.methods" }

/**
 * Fits each law of `methods` the results support (IsoFLOP with its bootstrap, the parametric law
 * with its bootstrap for the loss forecasts, the downstream law per task) and writes the report. A fit that fails leaves the rest standing
 * and becomes a note; a report with nothing to plot is the user's error.
 */
export const writeResultsReport = (request: ResultsReportRequest) =>
  Effect.gen(function* () {
    const { input, results, bootstrap, methods } = request
    const points = results.points.map(({ id, params, params_total, tokens, budget, loss, memorization }) => ({
      id,
      params,
      ...(params_total === undefined ? {} : { params_total }),
      tokens,
      budget,
      loss,
      ...(memorization === undefined ? {} : { memorization })
    }))
    const forecastComputes = request.forecastComputes.length > 0
      ? request.forecastComputes
      : defaultForecastBudgets(Math.max(...points.map((point) => point.budget)))
    const { isoflop, intervals, powerLawFailure } = methods.includes("isoflop")
      ? yield* fitForReport(points, forecastComputes, bootstrap, results.isoflopMinimum)
      : { isoflop: notAsked, intervals: { _tag: "NoIntervals", reason: notAsked.reason } as const, powerLawFailure: undefined }
    const downstream = methods.includes("downstream")
      ? yield* fitDownstreamForReport(results.points, results.tasks, forecastComputes, bootstrap)
      : []
    const lossSource = yield* fitLossSource(results.points, { ...bootstrap, lawForm: results.lawForm }, methods)
    const parametric = lossSource._tag === "Fitted" ? lossSource.result : undefined
    const lossForecasts = lossForecastsAt(lossSource, forecastComputes)
    const report = yield* writeReport(request.outDir, {
      name: request.name,
      points,
      forecastComputes,
      isoflop,
      intervals,
      curves: request.curves,
      downstream,
      lossForecasts,
      ...(parametric === undefined ? {} : { parametric }),
      ...(results.tokensNote === undefined ? {} : { tokensNote: results.tokensNote })
    })
    if (report.plotPaths.length === 0) {
      return yield* new UserInputError({
        message: `${input}: nothing to plot: ${isoflop._tag === "Fitted" ? "no section applies" : isoflop.reason}`
      })
    }
    const notes = [
      ...(isoflop._tag === "Fitted" || isoflop === notAsked ? [] : [`no IsoFLOP power law: ${isoflop.reason}`]),
      ...(isoflop._tag === "Fitted" && intervals._tag === "NoIntervals" ? [`no bootstrap intervals: ${intervals.reason}`] : []),
      ...lossForecastProblems(lossForecasts),
      ...downstream.flatMap((outcome) =>
        outcome._tag === "NotFitted"
          ? [`no downstream fit of ${outcome.task}: ${outcome.reason}`]
          : outcome.noIntervals === undefined
          ? []
          : [`no bootstrap intervals for the downstream fit of ${outcome.result.task}: ${outcome.noIntervals}`]
      )
    ]
    return { report, isoflop, intervals, powerLawFailure, parametric, lossForecasts, downstream, notes } satisfies ResultsReport
  })

/** The report's files and notes, one per line, as `scalelab report` prints them. */
export const reportFileLines = ({ report, notes }: ResultsReport): ReadonlyArray<string> => [
  `report: ${report.indexPath}`,
  `sections: ${report.sections.join(", ")}`,
  ...report.plotPaths.map((p) => `        ${p}`),
  `fit:    ${report.fitPath}`,
  ...report.dataPaths.map((p) => `data:   ${p}`),
  ...notes.map((note) => `note:   ${note}`)
]

/** The parametric law in one line, as a summary prints it. */
export const parametricSummary = ({ fit, diagnostics }: ParametricResult): string =>
  `Parametric fit (Chinchilla approach 3) over ${fit.n_points} runs: L = ${fit.E.toFixed(3)} + ${sci(fit.A)}/N^${fit.alpha.toFixed(3)} + ` +
  `${sci(fit.B)}/D^${fit.beta.toFixed(3)}   (R² of ln L ${diagnostics.r2_log.toFixed(3)})`
