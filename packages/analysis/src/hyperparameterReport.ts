// The fit and report of a hyperparameter sweep (`sweep.kind: hyperparameters`): each budget's best
// learning rate and batch size, lr*(C) and B*(C) with bootstrap intervals, fit.json (which another
// spec's `training.lr: { from: ... }` reads) and the plots.
import * as path from "node:path"
import { Effect } from "effect"
import {
  type AxisOptimum,
  bootstrapHyperparameterLaws,
  type BudgetHyperparameters,
  fitHyperparameterLaws,
  type Hyperparameter,
  type HyperparameterBootstrap,
  type HyperparameterFit,
  type HyperparameterLawOutcome,
  type HyperparameterRun,
  LawInputError,
  reasonNumber,
  scientific
} from "@scalelab/laws"
import type { Plan } from "@scalelab/planner"
import { hyperparameterLawsPlotSpec, lossAgainstLrPlotSpec, type ReportSection } from "@scalelab/plots"
import { type ResultRow, RunStore } from "@scalelab/runner"
import { type HyperparameterExperiment, reportFolder, type RunSpec } from "@scalelab/spec"
import { attempt, UserInputError } from "@scalelab/sweep"
import { type BootstrapSettings, writeFitReport } from "./reportWriter.ts"
import { specBootstrap } from "./sweepFit.ts"

/** A hyperparameter sweep's fit, its intervals (or why there are none) and where its report went. */
export interface HyperparameterReport {
  readonly fit: HyperparameterFit
  readonly bootstrap: HyperparameterBootstrap | { readonly skipped: string }
  readonly outDir: string
  readonly indexPath: string
  readonly fitJson: string
  /** What fit.json holds. */
  readonly record: ReturnType<typeof hyperparameterFitJson>
  readonly plots: ReadonlyArray<string>
}

const WORDS: Record<Hyperparameter, string> = { lr: "lr*(C)", batch_tokens: "B*(C)" }

/** Result rows as the fit takes them: each with the grid point its run trained; rows of runs not in `runs` are left out. */
export const hyperparameterPoints = (
  rows: ReadonlyArray<ResultRow>,
  runs: ReadonlyMap<string, Pick<RunSpec, "budget" | "training">>
): ReadonlyArray<HyperparameterRun> =>
  rows.flatMap((row): ReadonlyArray<HyperparameterRun> => {
    const run = runs.get(row.run_id)
    return run === undefined || !Number.isFinite(row.loss)
      ? []
      : [{ budget: run.budget, lr: run.training.lr, batch_tokens: run.training.batch_tokens, loss: row.loss }]
  })

/** The plan's finished runs with the grid point each trained: results of an earlier plan are not this sweep's. */
export const hyperparameterRuns = (experiment: HyperparameterExperiment, plan: Plan) =>
  Effect.gen(function*() {
    const rows = yield* (yield* RunStore).results(experiment.name)
    return hyperparameterPoints(rows, new Map(plan.runs.map(({ run }) => [run.id, run])))
  })

const axisJson = (optimum: AxisOptimum) =>
  optimum._tag === "Interior"
    ? { value: optimum.value, interior: true, refined: optimum.refined }
    : { value: optimum.value, interior: false, note: optimum.message }

const lawJson = (outcome: HyperparameterLawOutcome, bootstrap: HyperparameterReport["bootstrap"], axis: Hyperparameter) => {
  if (outcome._tag === "Unfitted") return { fitted: false, reason: outcome.reason }
  const resampled = "skipped" in bootstrap ? undefined : bootstrap
  const interval = resampled?.[axis]
  return {
    fitted: true,
    k: outcome.law.k,
    exponent: outcome.law.exponent,
    r2: outcome.law.r2,
    budgets: outcome.law.budgets,
    ...(resampled === undefined || interval === undefined
      ? {}
      : { interval: { level: resampled.level, k: interval.k, exponent: interval.exponent, resamples_succeeded: interval.succeeded } })
  }
}

/** fit.json of a hyperparameter sweep: `laws.lr` and `laws.batch_tokens` (k, exponent) are what `{ from: <spec> }` reads. */
export const hyperparameterFitJson = (experiment: HyperparameterExperiment, fit: HyperparameterFit, bootstrap: HyperparameterReport["bootstrap"]) => ({
  experiment: experiment.name,
  sweep: "hyperparameters",
  law: "y*(C) = k · C^exponent, C in FLOPs; lr the peak learning rate, batch_tokens tokens per step",
  laws: {
    lr: lawJson(fit.lr, bootstrap, "lr"),
    batch_tokens: lawJson(fit.batch_tokens, bootstrap, "batch_tokens")
  },
  budgets: fit.budgets.map((budget) => ({
    budget: budget.budget,
    runs: budget.runs,
    best_cell: budget.best,
    lr: axisJson(budget.lr),
    batch_tokens: axisJson(budget.batch_tokens)
  })),
  bootstrap: "skipped" in bootstrap
    ? { skipped: bootstrap.skipped }
    : {
      level: bootstrap.level,
      resamples_requested: bootstrap.resamples_requested,
      resamples_used: bootstrap.resamples_used,
      failed_resamples: bootstrap.failed_resamples,
      first_failure: bootstrap.first_failure,
      warning: bootstrap.warning
    }
})

const lawLine = (outcome: HyperparameterLawOutcome, bootstrap: HyperparameterReport["bootstrap"], axis: Hyperparameter): string => {
  if (outcome._tag === "Unfitted") return `${WORDS[axis]}: not fitted: ${outcome.reason}`
  const interval = "skipped" in bootstrap ? undefined : bootstrap[axis]
  const exponent = interval === undefined
    ? outcome.law.exponent.toFixed(3)
    : `${outcome.law.exponent.toFixed(3)} [${interval.exponent[0].toFixed(3)}, ${interval.exponent[1].toFixed(3)}]`
  const k = interval === undefined
    ? scientific(outcome.law.k, 3)
    : `${scientific(outcome.law.k, 3)} [${scientific(interval.k[0], 2)}, ${scientific(interval.k[1], 2)}]`
  return `${WORDS[axis]} = k · C^a: a = ${exponent}, k = ${k}, through ${outcome.law.budgets.length} budgets` +
    (interval === undefined ? "" : ` (${interval.succeeded} resamples refitted)`)
}

const optimumText = (optimum: AxisOptimum): string =>
  optimum._tag === "Interior" ? `${reasonNumber(optimum.value, 3)}${optimum.refined ? "" : " (grid)"}` : `edge ${reasonNumber(optimum.value, 3)}`

/** What the terminal shows: each budget's optimum, the laws with their intervals, and every edge-of-grid note. */
export const hyperparameterSummary = (report: Pick<HyperparameterReport, "fit" | "bootstrap">): ReadonlyArray<string> => {
  const { fit, bootstrap } = report
  const budgetLines = fit.budgets.map((budget: BudgetHyperparameters) =>
    `  C=${scientific(budget.budget, 2)}: best cell lr ${reasonNumber(budget.best.lr, 3)} × batch ${budget.best.batch_tokens} ` +
    `(loss ${budget.best.loss.toFixed(4)}); lr* ${optimumText(budget.lr)}, B* ${optimumText(budget.batch_tokens)}`
  )
  const edges = fit.budgets.flatMap((budget) => [budget.lr, budget.batch_tokens].flatMap((axis) => axis._tag === "OnEdge" ? [`  note: ${axis.message}`] : []))
  const intervals = "skipped" in bootstrap
    ? [`no intervals: ${bootstrap.skipped}`]
    : [`80% intervals from ${bootstrap.resamples_used} of ${bootstrap.resamples_requested} bootstrap resamples (runs resampled within each budget)` +
      (bootstrap.warning === null ? "" : `; ${bootstrap.warning}`)]
  return ["Hyperparameter optima per budget:", ...budgetLines, ...edges, lawLine(fit.lr, bootstrap, "lr"), lawLine(fit.batch_tokens, bootstrap, "batch_tokens"), ...intervals]
}

/** The summary, then where the report, fit.json and the plots are. */
export const hyperparameterReportLines = (report: HyperparameterReport): ReadonlyArray<string> => {
  const relative = (file: string) => path.relative(process.cwd(), file) || file
  return [
    ...hyperparameterSummary(report),
    "",
    `  report     ${relative(report.indexPath)}`,
    `  fit        ${relative(report.fitJson)}  (lr*(C) and B*(C); \`training.lr: { from: <this spec> }\` reads it)`,
    `  plots      ${report.plots.map(relative).join(", ")}  (an SVG beside each)`
  ]
}

const optimaPoints = (fit: HyperparameterFit, axis: Hyperparameter) =>
  fit.budgets.map((budget) => ({ budget: budget.budget, value: budget[axis].value, interior: budget[axis]._tag === "Interior" }))

const lawPanelLine = (outcome: HyperparameterLawOutcome, bootstrap: HyperparameterReport["bootstrap"], axis: Hyperparameter) => {
  if (outcome._tag === "Unfitted") return {}
  const interval = "skipped" in bootstrap ? undefined : bootstrap[axis]
  return { law: { k: outcome.law.k, exponent: outcome.law.exponent, band: interval?.band ?? [] } }
}

/** Computes the bands are drawn at: across the budgets, evenly in log C. */
const bandComputes = (budgets: ReadonlyArray<number>): ReadonlyArray<number> => {
  const low = Math.min(...budgets)
  const high = Math.max(...budgets)
  return Array.from({ length: 21 }, (_, index) => low * (high / low) ** (index / 20))
}

/** lr*(C) and B*(C) fitted to the runs, with their bootstrap (a bootstrap that cannot refit is reported, not fatal). */
export const fitHyperparameterRuns = (runs: ReadonlyArray<HyperparameterRun>, { resamples, seed }: BootstrapSettings) =>
  Effect.gen(function*() {
    const fit = yield* attempt(() => fitHyperparameterLaws(runs))
    const bootstrap: HyperparameterReport["bootstrap"] = resamples === 0
      ? { skipped: "0 bootstrap resamples asked for (fit.bootstrap or --bootstrap)" }
      : yield* Effect.sync(() => {
        try {
          return bootstrapHyperparameterLaws(runs, { resamples, seed, compute: bandComputes(fit.budgets.map((budget) => budget.budget)) })
        } catch (error) {
          if (error instanceof LawInputError) return { skipped: error.message }
          throw error
        }
      })
    return { fit, bootstrap }
  })

/** The report's two plots of a hyperparameter fit: what the report page and the dashboard both draw. */
export const hyperparameterSections = (
  runs: ReadonlyArray<HyperparameterRun>,
  fit: HyperparameterFit,
  bootstrap: HyperparameterReport["bootstrap"]
): ReadonlyArray<ReportSection> => [
  {
    title: "Loss against learning rate",
    name: "loss-vs-lr",
    spec: lossAgainstLrPlotSpec({ runs, optima: optimaPoints(fit, "lr") }),
    caption: "Each budget's grid: final validation loss against peak learning rate, one line per batch size. " +
      "A solid rule marks lr* (refined by a quadratic in log lr and log B); a dashed one, a best lr on the grid's edge."
  },
  {
    title: "Optimal learning rate and batch size against compute",
    name: "hyperparameter-laws",
    spec: hyperparameterLawsPlotSpec([
      { title: "lr*(C)", axisTitle: "Optimal peak learning rate", optima: optimaPoints(fit, "lr"), ...lawPanelLine(fit.lr, bootstrap, "lr") },
      {
        title: "B*(C)",
        axisTitle: "Optimal batch size (tokens)",
        optima: optimaPoints(fit, "batch_tokens"),
        ...lawPanelLine(fit.batch_tokens, bootstrap, "batch_tokens")
      }
    ]),
    caption: "Power laws y*(C) = k·C^a fitted by least squares in log space through the budgets whose optimum is " +
      "interior; the band is the 80% bootstrap interval of the law (runs resampled within each budget)."
  }
]

/**
 * Fits the sweep's finished runs, bootstraps the laws (`fit.bootstrap` resamples; a bootstrap
 * that cannot refit is reported, not fatal) and writes the report to `<store>/reports/<name>/`:
 * fit.json, index.html and the plots.
 */
export const fitAndReportHyperparameters = (
  experiment: HyperparameterExperiment,
  plan: Plan,
  storeDir: string,
  options: { readonly outDir?: string; readonly bootstrap?: BootstrapSettings } = {}
) =>
  Effect.gen(function*() {
    const runs = yield* hyperparameterRuns(experiment, plan).pipe(Effect.provide(RunStore.layer(storeDir)))
    if (runs.length === 0) {
      return yield* new UserInputError({ message: `${experiment.name}: no finished runs in ${storeDir}; run \`scalelab run\` on its spec first` })
    }
    const { fit, bootstrap } = yield* fitHyperparameterRuns(runs, options.bootstrap ?? specBootstrap(experiment))
    const outDir = options.outDir ?? reportFolder(storeDir, experiment.name)
    const record = hyperparameterFitJson(experiment, fit, bootstrap)
    const { fitPath, files } = yield* writeFitReport(outDir, record, {
      title: `scalelab report — ${experiment.name}`,
      summary: hyperparameterSummary({ fit, bootstrap }),
      sections: hyperparameterSections(runs, fit, bootstrap)
    })
    return {
      fit,
      bootstrap,
      outDir,
      fitJson: fitPath,
      record,
      indexPath: files.indexPath,
      plots: files.plots.map((plot) => plot.pngPath)
    } satisfies HyperparameterReport
  })
