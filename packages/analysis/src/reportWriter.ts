import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Data, Effect, Result } from "effect"
import {
  bootstrapHealth,
  bootstrapIsoflop,
  type ComputeForecast,
  computeOptimal,
  fitIsoflop,
  fitIsoflopCurves,
  forecastIsoflop,
  type IsoflopBootstrap,
  type IsoflopBudgetFit,
  type IsoflopFit,
  type IsoflopMinimumEstimator,
  type IsoflopPoint,
  lawByName,
  type DownstreamPoint,
  flopsPerParamToken,
  parametricOptimalPowerLaws,
  sixNDFlops
} from "@scalelab/laws"
import {
  type AccuracyForecastCell,
  downstreamPlotSpec,
  type ForecastRow,
  type ForecastTableInput,
  forecastJson,
  forecastTable,
  frontierComputeDomain,
  frontierPlotSpec,
  isoflopPlotSpec,
  logSpaced,
  type LossCurveRun,
  lossCurvesPlotSpec,
  memorizationPlotSpec,
  parametricContourPlotSpec,
  parametricResidualPlotSpec,
  type PublishedFrontier,
  type ReportInput,
  type ReportSection,
  writeHtmlReport
} from "@scalelab/plots"
import { encodeFitRecord, type FitRecord } from "@scalelab/runner"
import { attempt, attemptStepwise, sci } from "@scalelab/sweep"
import { intervalProvenance, type LossForecast, lossBootstrapJson } from "./lossForecast.ts"
import { lossForecastAtCompute, lossForecastProblems, type LossForecasts } from "./lossForecastSource.ts"
import { type DownstreamResult, downstreamPoints, fitDownstreamResults, type ParametricResult } from "./resultsFit.ts"
import type { ResultPoint } from "./resultsInput.ts"

export class ReportWriteError extends Data.TaggedError("ReportWriteError")<{ readonly message: string }> {}

/**
 * What the IsoFLOP fit gave: the power laws with their forecasts when enough minima were
 * bracketed, the per-budget curves alone when not (they show why), or nothing when not even the
 * curves could be fitted (a table whose runs do not form IsoFLOP budgets).
 */
export type IsoflopOutcome =
  | { readonly _tag: "Fitted"; readonly fit: IsoflopFit; readonly forecasts: ReadonlyArray<ComputeForecast> }
  | {
    readonly _tag: "CurvesOnly"
    readonly minimum: IsoflopMinimumEstimator
    readonly budgets: ReadonlyArray<IsoflopBudgetFit>
    readonly reason: string
  }
  | { readonly _tag: "NotFitted"; readonly reason: string }

/** The bootstrap of the IsoFLOP power laws, or why there is none. */
export type IsoflopIntervals =
  | { readonly _tag: "Bootstrapped"; readonly bootstrap: IsoflopBootstrap }
  | { readonly _tag: "NoIntervals"; readonly reason: string }

/**
 * A run as the report shows it; params_total (every parameter) where the input records it, its
 * memorization rate where it measured one (eval.memorization).
 */
export type ReportPoint = IsoflopPoint & { readonly id: string; readonly params_total?: number; readonly memorization?: number }

/** One task's downstream fit, or why it could not be fitted (too few scored runs, say). */
export type DownstreamOutcome =
  | {
    readonly _tag: "Fitted"
    readonly result: DownstreamResult
    readonly runs: ReadonlyArray<DownstreamPoint>
    /** Why the forecasts have no intervals although a bootstrap was asked for. */
    readonly noIntervals?: string
  }
  | { readonly _tag: "NotFitted"; readonly task: string; readonly reason: string }

/** Everything a report section may draw. */
export interface ReportContext {
  /** Names the report: the experiment, or the results file. */
  readonly name: string
  readonly points: ReadonlyArray<ReportPoint>
  readonly forecastComputes: ReadonlyArray<number>
  readonly isoflop: IsoflopOutcome
  readonly intervals: IsoflopIntervals
  /** The runs' logged losses; empty for a results table, whose rows are final results. */
  readonly curves: ReadonlyArray<LossCurveRun>
  /** The two-stage downstream law per task the runs were scored on; empty when they have no task scores. */
  readonly downstream: ReadonlyArray<DownstreamOutcome>
  /** Chinchilla's approach 3, where `fit.methods` (or, for a table, the default) asks for it and it could be fitted. */
  readonly parametric?: ParametricResult
  /** The compute-optimal loss at each forecast budget, from the parametric law, or why there is none. */
  readonly lossForecasts: LossForecasts
  /** What the runs' tokens are, when the fits take other tokens than those trained on (`fit.tokens: effective`). */
  readonly tokensNote?: string
}

/** A report section builder: what it can draw from the context, nothing when the context lacks its input. */
export type ReportSectionBuilder = (context: ReportContext) => ReadonlyArray<ReportSection>

export interface BootstrapSettings {
  readonly resamples: number
  readonly seed: number
}

// 80% intervals, as `fit --bootstrap` gives.
const intervalLevel = 0.8
// The band along the frontier is drawn through this many bootstrap forecasts.
const bandSamples = 16

/** The published laws drawn on the frontier for comparison: the allocations most often quoted. */
const comparedLaws = [
  { name: "chinchilla", label: "Chinchilla (Hoffmann et al. 2022)" },
  { name: "llama-3", label: "Llama 3 (Dubey et al. 2024)" },
  { name: "deepseek-llm", label: "DeepSeek LLM (Bi et al. 2024)" }
] as const

/** The per-budget curves that have a minimum, in the plot's terms. */
const drawableBudgets = (budgets: ReadonlyArray<IsoflopBudgetFit>) =>
  budgets.flatMap((b) =>
    b.params_opt === null || b.loss_opt === null
      ? []
      : [{
        budget: b.budget,
        parabola_params: b.parabola_params,
        params_range: b.params_range,
        params_opt: b.params_opt,
        loss_opt: b.loss_opt,
        bracketed: b.bracketed,
        ...(b.curve === undefined ? {} : { curve: b.curve })
      }]
  )

const isoflopCaption = (outcome: IsoflopOutcome): string => {
  switch (outcome._tag) {
    case "Fitted":
      return `N*(C) = ${sci(outcome.fit.params_opt.k)}·C^${outcome.fit.params_opt.a.toFixed(3)}, ` +
        `D*(C) = ${sci(outcome.fit.tokens_opt.k)}·C^${outcome.fit.tokens_opt.b.toFixed(3)}, ` +
        `fitted over ${outcome.fit.used_budgets.length} budgets.`
    case "CurvesOnly":
    case "NotFitted":
      return `No power law: ${outcome.reason}`
  }
}

const isoflopSection: ReportSectionBuilder = (context) => {
  if (context.isoflop._tag === "NotFitted") return []
  const budgets = context.isoflop._tag === "Fitted" ? context.isoflop.fit.budgets : context.isoflop.budgets
  return [{
    title: "IsoFLOP curves",
    name: "isoflop",
    spec: isoflopPlotSpec({ title: `IsoFLOP curves — ${context.name}`, points: context.points, budgets: drawableBudgets(budgets) }),
    caption: isoflopCaption(context.isoflop)
  }]
}

/** Published laws' allocations over the frontier plot's compute axis. */
export const publishedFrontiers = (domain: readonly [number, number]): Array<PublishedFrontier> =>
  comparedLaws.map(({ name, label }) => ({
    label,
    allocations: logSpaced(domain, bandSamples).map((compute) => ({ compute, ...computeOptimal(lawByName(name), compute) }))
  }))

const excludedNote = (fit: IsoflopFit): string =>
  fit.excluded_budgets.length === 0
    ? ""
    : ` Left out of the fit: ${fit.excluded_budgets.map((b) => `C = ${sci(b.budget)} (${b.reason})`).join("; ")}.`

/** The parametric law's frontier as power laws in C, N*(C) and D*(C), from Chinchilla's closed form. */
const parametricFrontierSection = (
  context: ReportContext,
  parametric: ParametricResult,
  isoflopFailure: string
): ReadonlyArray<ReportSection> => {
  const { fit } = parametric
  const optimal = parametricOptimalPowerLaws(fit)
  const computes = context.points.map((point) => sixNDFlops(point.params, point.tokens))
  const fitted: [number, number] = [Math.min(...computes), Math.max(...computes)]
  return [{
    title: "Compute-optimal frontier",
    name: "frontier",
    spec: frontierPlotSpec({
      title: `Compute-optimal frontier — ${context.name}`,
      fitLabel: "parametric fit (approach 3)",
      minima: [],
      paramsLaw: optimal.params,
      tokensLaw: optimal.tokens,
      fittedComputeRange: fitted,
      forecastComputes: context.forecastComputes,
      published: publishedFrontiers(frontierComputeDomain(fitted, context.forecastComputes))
    }),
    caption: `From the parametric fit L = ${fit.E.toFixed(3)} + ${sci(fit.A)}/N^${fit.alpha.toFixed(3)} + ${sci(fit.B)}/D^${fit.beta.toFixed(3)}: ` +
      `N*(C) = ${sci(optimal.params.k)}·C^${optimal.params.exponent.toFixed(3)}. The IsoFLOP fit gave no power law: ${isoflopFailure}`
  }]
}

const frontierSection: ReportSectionBuilder = (context) => {
  if (context.isoflop._tag !== "Fitted") {
    return context.parametric === undefined ? [] : parametricFrontierSection(context, context.parametric, context.isoflop.reason)
  }
  const { fit } = context.isoflop
  const minima = fit.budgets.flatMap((b) =>
    b.params_opt === null || b.tokens_opt === null
      ? []
      : [{ budget: b.budget, params: b.params_opt, tokens: b.tokens_opt, bracketed: fit.used_budgets.includes(b.budget) }]
  )
  const fitted: [number, number] = [Math.min(...fit.used_budgets), Math.max(...fit.used_budgets)]
  const domain = frontierComputeDomain([...minima.map((m) => m.budget), ...fitted], context.forecastComputes)
  const intervals = context.intervals._tag === "Bootstrapped"
    ? context.intervals.bootstrap.forecasts.map((f) => ({ compute: f.compute, params: f.params, tokens: f.tokens }))
    : []
  return [{
    title: "Compute-optimal frontier",
    name: "frontier",
    spec: frontierPlotSpec({
      title: `Compute-optimal frontier — ${context.name}`,
      fitLabel: "this sweep (IsoFLOP fit)",
      minima,
      paramsLaw: { k: fit.params_opt.k, exponent: fit.params_opt.a },
      tokensLaw: { k: fit.tokens_opt.k, exponent: fit.tokens_opt.b },
      fittedComputeRange: fitted,
      forecastComputes: context.forecastComputes,
      intervals,
      intervalLevel,
      published: publishedFrontiers(domain)
    }),
    caption: `N*(C) = ${sci(fit.params_opt.k)}·C^${fit.params_opt.a.toFixed(3)} (R² ${fit.r2s.params.toFixed(3)}), ` +
      `D*(C) = ${sci(fit.tokens_opt.k)}·C^${fit.tokens_opt.b.toFixed(3)} (R² ${fit.r2s.tokens.toFixed(3)}).` +
      excludedNote(fit) +
      (context.intervals._tag === "NoIntervals" ? ` No bootstrap band: ${context.intervals.reason}.` : "")
  }]
}

/** A loss forecast's interval, where it may be shown as it is (its bootstrap was healthy). */
const shownLossInterval = (forecast: LossForecast | undefined) =>
  forecast?.interval === undefined || forecast.health?.trustworthy === false ? {} : { loss: forecast.interval }

/** forecast.json's record of the loss intervals' bootstrap: that of the first forecast that has one. */
const lossBootstrapOf = (context: ReportContext) => {
  const forecast = context.forecastComputes.map((compute) => lossForecastAtCompute(context.lossForecasts, compute)).find((f) => f?.health !== undefined)
  return forecast === undefined ? {} : { lossBootstrap: lossBootstrapJson(forecast) }
}

/**
 * The forecast table's input: N* and D* from the IsoFLOP power laws, with their bootstrap's
 * intervals; the loss from the parametric law (the one loss forecaster), and the IsoFLOP L*(C)
 * beside it as a diagnostic only.
 */
export const isoflopForecastTable = (context: ReportContext): ForecastTableInput | undefined => {
  if (context.isoflop._tag !== "Fitted") return undefined
  const bootstrap = context.intervals._tag === "Bootstrapped" ? context.intervals.bootstrap : undefined
  const allocationIntervals = bootstrap !== undefined && bootstrapHealth(bootstrap.resamples_used, bootstrap.failed_resamples).trustworthy
    ? bootstrap.forecasts
    : []
  const rows = context.isoflop.forecasts.map((forecast): ForecastRow => {
    const interval = allocationIntervals.find((i) => i.compute === forecast.compute)
    const loss = lossForecastAtCompute(context.lossForecasts, forecast.compute)
    const intervals = { ...(interval === undefined ? {} : { params: interval.params, tokens: interval.tokens }), ...shownLossInterval(loss) }
    return {
      compute: forecast.compute,
      params: forecast.params,
      tokens: forecast.tokens,
      loss: loss?.loss ?? null,
      ...(Object.keys(intervals).length === 0 ? {} : { intervals }),
      lossDiagnostic: forecast.loss
    }
  })
  return { method: "isoflop", lossMethod: "parametric", ...lossBootstrapOf(context), rows, intervalLevel }
}

/** The forecast table's input from the parametric law alone, when the IsoFLOP power laws are missing. */
const parametricForecastTable = (context: ReportContext): ForecastTableInput | undefined => {
  if (context.lossForecasts._tag === "NoLaw") return undefined
  const rows = context.forecastComputes.flatMap((compute): Array<ForecastRow> => {
    const forecast = lossForecastAtCompute(context.lossForecasts, compute)
    if (forecast === undefined) return []
    const intervals = shownLossInterval(forecast)
    return [{ compute, params: forecast.params, tokens: forecast.tokens, loss: forecast.loss, ...("loss" in intervals ? { intervals } : {}) }]
  })
  return { method: "parametric", ...lossBootstrapOf(context), rows, intervalLevel }
}

/** What the forecast table's loss column is and how far to trust it, for the caption. */
const lossCaption = (context: ReportContext): string => {
  const forecast = context.forecastComputes.map((compute) => lossForecastAtCompute(context.lossForecasts, compute)).find((f) => f !== undefined)
  const provenance = forecast === undefined ? undefined : intervalProvenance(forecast)
  const problems = lossForecastProblems(context.lossForecasts)
  return "Loss: the parametric law's compute-optimal loss (Chinchilla approach 3, with an irreducible term)" +
    (provenance === undefined ? "." : `, ${Math.round(intervalLevel * 100)}% intervals ${provenance}.`) +
    (problems.length === 0 ? "" : ` ${problems.map((problem) => `${problem[0]?.toUpperCase() ?? ""}${problem.slice(1)}.`).join(" ")}`)
}

/** Each fitted task's forecast accuracy at `compute`, with its bootstrap interval where there is one. */
const accuracyCells = (context: ReportContext, compute: number): Array<AccuracyForecastCell> =>
  context.downstream.flatMap((outcome) => {
    if (outcome._tag !== "Fitted") return []
    const { task, forecasts, bootstrap } = outcome.result
    const forecast = forecasts.find((f) => f.compute === compute)
    const interval = bootstrap?.forecasts.find((f) => f.compute === compute)?.accuracy
    return forecast === undefined ? [] : [{ task, accuracy: forecast.accuracy, ...(interval === undefined ? {} : { interval }) }]
  })

/** The table with each row's downstream accuracies added, where any task was fitted. */
const withAccuracy = (context: ReportContext, table: ForecastTableInput): ForecastTableInput => ({
  ...table,
  rows: table.rows.map((row) => {
    const accuracy = accuracyCells(context, row.compute)
    return accuracy.length === 0 ? row : { ...row, accuracy }
  })
})

/** How the IsoFLOP bootstrap behind the N* and D* intervals went, for the caption. */
const allocationCaption = (context: ReportContext): string => {
  if (context.intervals._tag === "NoIntervals") return ` No N*, D* intervals: ${context.intervals.reason}.`
  const { resamples_used: used, failed_resamples: failed } = context.intervals.bootstrap
  const health = bootstrapHealth(used, failed)
  return health.warning === undefined
    ? ` N*, D* intervals: ${Math.round(intervalLevel * 100)}% from ${used} of ${health.requested} bootstrap resamples.`
    : ` No N*, D* intervals shown: ${health.warning}.`
}

const forecastSection: ReportSectionBuilder = (context) => {
  const isoflopTable = isoflopForecastTable(context)
  const table = isoflopTable === undefined ? undefined : withAccuracy(context, isoflopTable)
  if (table === undefined) {
    const parametricTable = parametricForecastTable(context)
    const parametric = parametricTable === undefined ? undefined : withAccuracy(context, parametricTable)
    return parametric === undefined ? [] : [{
      title: "Forecast",
      name: "forecast",
      table: forecastTable(parametric),
      data: forecastJson(parametric),
      caption: `Compute-optimal allocations of the parametric fit (Chinchilla approach 3). ${lossCaption(context)}`
    }]
  }
  return [{
    title: "Forecast",
    name: "forecast",
    table: forecastTable(table),
    data: forecastJson(table),
    caption: `Compute-optimal allocations N*, D* read off the IsoFLOP power laws.${allocationCaption(context)} ${lossCaption(context)} ` +
      "The IsoFLOP loss law L*(C) = k·C^c has no irreducible term and reads low far beyond the fitted budgets: forecast.json keeps it " +
      "as isoflop_loss_diagnostic, a diagnostic, not a forecast."
  }]
}

const parametricSections: ReportSectionBuilder = (context) => {
  if (context.parametric === undefined) return []
  const { fit, diagnostics } = context.parametric
  const input = { title: `Parametric fit — ${context.name}`, law: fit, frontier: parametricOptimalPowerLaws(fit), flopsPerParamToken, runs: context.points }
  const caption = `L(N, D) = ${fit.E.toFixed(3)} + ${sci(fit.A)}/N^${fit.alpha.toFixed(3)} + ${sci(fit.B)}/D^${fit.beta.toFixed(3)} ` +
    `(Huber on ln L over ${fit.n_points} runs; R² of ln L ${diagnostics.r2_log.toFixed(3)}).`
  return [
    { title: "Parametric loss surface", name: "parametric", spec: parametricContourPlotSpec(input), caption },
    { title: "Parametric fit residuals", name: "parametric-residuals", spec: parametricResidualPlotSpec(input) }
  ]
}

/** One section per fitted task: task NLL against compute, then accuracy against NLL, each with the forecasts. */
const downstreamSections: ReportSectionBuilder = (context) =>
  context.downstream.flatMap((outcome) => {
    if (outcome._tag !== "Fitted") return []
    const { task, fit, bootstrap, forecasts } = outcome.result
    const { nll, accuracy } = fit
    return [{
      title: `Downstream forecast: ${task}`,
      spec: downstreamPlotSpec({
        title: `Downstream forecast: ${task} — ${context.name}`,
        task,
        // The built-in cloze benchmark scores the true continuation per byte (cloze_nll).
        ...(task === "cloze" ? { nllTitle: "Cloze NLL of the true continuation (nats/byte)" } : {}),
        law: { nll, accuracy },
        runs: outcome.runs,
        forecasts: forecasts.map((forecast) => {
          const interval = bootstrap?.forecasts.find((f) => f.compute === forecast.compute)
          return { ...forecast, ...(interval === undefined ? {} : { nllInterval: interval.nll, accuracyInterval: interval.accuracy }) }
        }),
        intervalLevel
      }),
      caption: `Task NLL = ${nll.E.toFixed(3)} + ${sci(nll.A)}·C^−${nll.alpha.toFixed(3)}; accuracy = ${accuracy.chance.toFixed(3)} + ` +
        `${accuracy.span.toFixed(3)}/(1 + e^(${accuracy.steepness.toFixed(2)}·(NLL − ${accuracy.midpoint.toFixed(3)}))), ` +
        `fitted over ${outcome.runs.length} runs (Llama 3 §3.2.1).` +
        (bootstrap === undefined ? "" : ` Forecast intervals: ${Math.round(intervalLevel * 100)}% over ${bootstrap.resamples_used} bootstrap resamples.`)
    }]
  })

const lossCurvesSection: ReportSectionBuilder = (context) =>
  context.curves.some((run) => run.points.length > 0)
    ? [{
      title: "Loss curves",
      name: "loss-curves",
      spec: lossCurvesPlotSpec({ title: `Loss curves — ${context.name}`, runs: context.curves }),
      caption: "Training loss as logged and validation loss at each evaluation, per run."
    }]
    : []

/**
 * The memorization rate against N and D, when any run measured it (eval.memorization); none
 * otherwise. What the report and the dashboard both draw.
 */
export const memorizationSections = (
  name: string,
  points: ReadonlyArray<Pick<ReportPoint, "id" | "params" | "tokens" | "budget" | "memorization">>
): ReadonlyArray<ReportSection> => {
  const runs = points.flatMap(({ id, params, tokens, budget, memorization }) =>
    memorization === undefined ? [] : [{ id, params, tokens, budget, rate: memorization }]
  )
  if (runs.length === 0) return []
  const unmeasured = points.length - runs.length
  return [{
    title: "Memorization",
    name: "memorization",
    spec: memorizationPlotSpec({ title: `Memorization — ${name}`, runs }),
    caption: `The fraction of training prefixes each run continued verbatim under greedy decoding (eval.memorization), ` +
      `over ${runs.length} run${runs.length === 1 ? "" : "s"}` +
      (unmeasured === 0 ? "." : `; ${unmeasured} other run${unmeasured === 1 ? "" : "s"} did not measure it and ${unmeasured === 1 ? "is" : "are"} not drawn.`) +
      " Rates measured with different n-grams (another context) are not comparable."
  }]
}

export const memorizationSection: ReportSectionBuilder = (context) => memorizationSections(context.name, context.points)

/**
 * The runs of a mixture of experts, each with its active parameters (params, the N of every fit
 * and plot) beside its total. Dense runs have no such table: their total is their params.
 */
const mixtureRunsSection: ReportSectionBuilder = (context) => {
  if (!context.points.some((point) => point.params_total !== undefined && point.params_total !== point.params)) return []
  const runs = [...context.points].sort((a, b) => a.budget - b.budget || a.params - b.params)
  return [{
    title: "Runs",
    name: "runs",
    table: {
      columns: [
        { title: "run" },
        { title: "budget (FLOPs)", numeric: true },
        { title: "params (active)", numeric: true },
        { title: "params_total", numeric: true },
        { title: "tokens", numeric: true },
        { title: "loss", numeric: true }
      ],
      rows: runs.map((point) => [
        point.id,
        sci(point.budget),
        sci(point.params),
        sci(point.params_total ?? point.params),
        sci(point.tokens),
        point.loss.toFixed(4)
      ])
    },
    data: runs.map(({ id, budget, params, params_total, tokens, loss }) => ({ id, budget, params, params_total: params_total ?? params, tokens, loss })),
    caption: "A mixture of experts: params counts the parameters one token uses (the router, top_k experts per layer and " +
      "everything else), the N of every fit, plot and C = 6·N·D above; params_total counts every expert."
  }]
}

/**
 * The sections of a report, in page order. A section that its input does not support draws
 * nothing; further fits (parametric contours, downstream, backtests) add their builders here.
 */
export const reportSectionBuilders: ReadonlyArray<ReportSectionBuilder> = [
  isoflopSection,
  frontierSection,
  forecastSection,
  parametricSections,
  downstreamSections,
  lossCurvesSection,
  memorizationSection,
  mixtureRunsSection
]

/** The sections whose fits or axes take the runs' tokens as the fits take them, and so say which tokens those are. */
const tokenFitSections: ReadonlySet<string> = new Set(["isoflop", "frontier", "forecast", "parametric", "parametric-residuals", "memorization"])

const withTokensNote = (section: ReportSection, note: string | undefined): ReportSection =>
  note === undefined || section.name === undefined || !tokenFitSections.has(section.name)
    ? section
    : { ...section, caption: `${section.caption === undefined ? "" : `${section.caption} `}${note}` }

/** Budgets at which the bootstrap gives intervals: along the frontier for its band, and at each forecast budget for the table. */
const intervalComputes = (fit: IsoflopFit, forecastComputes: ReadonlyArray<number>): Array<number> => {
  const low = Math.min(...fit.used_budgets)
  const high = Math.max(...fit.used_budgets, ...forecastComputes)
  return [...new Set([...logSpaced([low, high], bandSamples), ...forecastComputes])].sort((a, b) => a - b)
}

/**
 * Whether the bootstrap's forecasts vary at all. With as few sizes per budget as the fit needs,
 * only the resamples that drew every run can be refitted; their intervals have zero width, which
 * would read as certainty rather than as no information.
 */
export const hasSpread = (bootstrap: IsoflopBootstrap): boolean =>
  bootstrap.forecasts.some((f) => f.params[1] > f.params[0] * (1 + 1e-9) || f.tokens[1] > f.tokens[0] * (1 + 1e-9))

/**
 * Fits the IsoFLOP curves, the power laws across them and their bootstrap. Each may fail on its
 * own (too few sizes, too few bracketed budgets, resamples that cannot be refitted): the report
 * then draws what there is and says why the rest is missing.
 */
export const fitForReport = (
  points: ReadonlyArray<ReportPoint>,
  forecastComputes: ReadonlyArray<number>,
  bootstrap: BootstrapSettings,
  minimum: IsoflopMinimumEstimator
) =>
  Effect.gen(function*() {
    const curves = yield* Effect.result(attempt(() => fitIsoflopCurves(points, { minimum })))
    const powerLaws = yield* Effect.result(attempt(() => {
      const fit = fitIsoflop(points, { minimum })
      return { _tag: "Fitted", fit, forecasts: forecastComputes.map((compute) => forecastIsoflop(fit, compute)) } as const
    }))
    const isoflop: IsoflopOutcome = Result.isSuccess(powerLaws)
      ? powerLaws.success
      : Result.isSuccess(curves)
      ? { _tag: "CurvesOnly", minimum, budgets: curves.success, reason: powerLaws.failure.message }
      : { _tag: "NotFitted", reason: curves.failure.message }
    const intervals: IsoflopIntervals = isoflop._tag !== "Fitted"
      ? { _tag: "NoIntervals", reason: "no power law to bootstrap" }
      : bootstrap.resamples === 0
      ? { _tag: "NoIntervals", reason: "bootstrap turned off (0 resamples)" }
      : yield* Effect.match(
        attemptStepwise(() =>
          bootstrapIsoflop(points, {
            minimum,
            resamples: bootstrap.resamples,
            seed: bootstrap.seed,
            level: intervalLevel,
            compute: intervalComputes(isoflop.fit, forecastComputes)
          })
        ),
        {
          onSuccess: (result): IsoflopIntervals =>
            hasSpread(result)
              ? { _tag: "Bootstrapped", bootstrap: result }
              : {
                _tag: "NoIntervals",
                reason: `the ${result.resamples_used} resamples that could be refitted (of ${bootstrap.resamples}) all drew ` +
                  `every size of every budget, so they all give the same fit` +
                  (result.first_failure === null ? "" : `; the others failed: ${result.first_failure}`)
              },
          onFailure: (error): IsoflopIntervals => ({ _tag: "NoIntervals", reason: error.message })
        }
      )
    return { isoflop, intervals, powerLawFailure: Result.isFailure(powerLaws) ? powerLaws.failure : undefined }
  })

/**
 * Fits the downstream law of each task on its own, so a task with too few scored runs leaves the
 * others (and the rest of the report) standing; its outcome says why.
 */
export const fitDownstreamForReport = (
  points: ReadonlyArray<ResultPoint>,
  tasks: ReadonlyArray<string>,
  forecastComputes: ReadonlyArray<number>,
  bootstrap: BootstrapSettings
) =>
  Effect.forEach(tasks, (task) => {
    const fitted = (settings: BootstrapSettings) => attemptStepwise(() => fitDownstreamResults(points, task, settings, forecastComputes))
    const runs = downstreamPoints(points, task)
    return fitted(bootstrap).pipe(
      Effect.map((result): DownstreamOutcome => ({ _tag: "Fitted", result, runs })),
      // A bootstrap that fails (resamples whose fits cannot be refitted) leaves the fit itself standing.
      Effect.catch((bootstrapFailure) =>
        bootstrap.resamples === 0
          ? Effect.fail(bootstrapFailure)
          : Effect.map(fitted({ ...bootstrap, resamples: 0 }), (result): DownstreamOutcome => ({
            _tag: "Fitted",
            result,
            runs,
            noIntervals: bootstrapFailure.message
          }))
      ),
      Effect.catch((error) => Effect.succeed<DownstreamOutcome>({ _tag: "NotFitted", task, reason: error.message }))
    )
  })

/**
 * fit.json: the IsoFLOP fit (its power laws and forecasts, or how far it got and why) and, where it
 * was fitted, the parametric law.
 */
/** The chosen law form and its constants, recorded when the loss forecasts read a form other than the five constants. */
const formRecord = ({ law }: ParametricResult) => law.form === "chinchilla" ? {} : { form: law.form, parameters: law.parameters }

export const fitRecordOf = (context: Pick<ReportContext, "isoflop" | "parametric" | "tokensNote">): FitRecord => ({
  ...isoflopRecord(context.isoflop),
  ...(context.parametric === undefined
    ? {}
    : { parametric: { ...context.parametric.fit, diagnostics: context.parametric.diagnostics, ...formRecord(context.parametric) } }),
  ...(context.tokensNote === undefined ? {} : { tokens: context.tokensNote })
})

const isoflopRecord = (outcome: IsoflopOutcome): Pick<FitRecord, "isoflop" | "forecast"> => {
  switch (outcome._tag) {
    case "Fitted":
      return { isoflop: outcome.fit, forecast: outcome.forecasts }
    case "CurvesOnly":
      return { isoflop: { minimum: outcome.minimum, budgets: outcome.budgets, error: outcome.reason } }
    case "NotFitted":
      return { isoflop: { error: outcome.reason } }
  }
}

export interface WrittenReport {
  readonly indexPath: string
  readonly fitPath: string
  /** What fit.json holds. */
  readonly fitJson: FitRecord
  readonly plotPaths: ReadonlyArray<string>
  /** forecast.json and any other data a table section wrote. */
  readonly dataPaths: ReadonlyArray<string>
  /** Section titles, in page order. */
  readonly sections: ReadonlyArray<string>
}

/** Where a written report's files are, relative to the working folder, for a command's last lines. */
export const writtenFileLines = (report: { readonly indexPath: string; readonly fitPath: string; readonly plotPaths: ReadonlyArray<string> }) => {
  const relative = (file: string) => path.relative(process.cwd(), file) || "."
  return [
    "Where to look:",
    `  report  ${relative(report.indexPath)}`,
    `  plots   ${report.plotPaths.filter((file) => file.endsWith(".png")).map(relative).join(", ")}`,
    `  fit     ${relative(report.fitPath)}`
  ]
}

/**
 * Writes fit.json and the report page (index.html, an SVG and a PNG per plot) into `outDir`: what
 * the report of every kind of sweep writes.
 */
export const writeFitReport = (outDir: string, fitRecord: unknown, page: ReportInput) =>
  Effect.tryPromise({
    try: async () => {
      await fs.mkdir(outDir, { recursive: true })
      const fitPath = path.join(outDir, "fit.json")
      await fs.writeFile(fitPath, `${JSON.stringify(fitRecord, null, 2)}\n`)
      return { fitPath, files: await writeHtmlReport(outDir, page) }
    },
    catch: (cause) =>
      new ReportWriteError({ message: `could not write the report to ${outDir} (${String(cause)}); check that the folder is writable` })
  })

/**
 * Writes the report folder: index.html (opens offline from disk), an SVG and a PNG per plot,
 * fit.json, and forecast.json when there are forecasts.
 */
export const writeReport = (
  outDir: string,
  context: ReportContext,
  builders: ReadonlyArray<ReportSectionBuilder> = reportSectionBuilders
) =>
  Effect.gen(function*() {
    // Encoded before anything is written: a fit that is not a fit record (a NaN, say) is our bug.
    const fitJson = yield* Effect.mapError(
      Effect.fromResult(encodeFitRecord(fitRecordOf(context))),
      (issue) => new ReportWriteError({ message: `the fits of ${context.name} are not a valid fit.json, so no report was written:\n${issue.message}` })
    )
    const sections = builders.flatMap((build) => build(context)).map((section) => withTokensNote(section, context.tokensNote))
    const { fitPath, files } = yield* writeFitReport(outDir, fitJson, { title: `scalelab report — ${context.name}`, sections })
    return {
      indexPath: files.indexPath,
      fitPath,
      fitJson,
      plotPaths: files.plots.flatMap((p) => [p.svgPath, p.pngPath]),
      dataPaths: files.dataPaths,
      sections: sections.map((section) => section.title)
    } satisfies WrittenReport
  })
