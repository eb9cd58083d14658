// `scalelab run` and `scalelab report` of annealing probes: train (run only), summarise the
// results in the store, and write fit.json and the report page with its two plots.
import { Effect } from "effect"
import { type MeanInterval, reasonNumber } from "@scalelab/laws"
import type { AnnealingPlan } from "@scalelab/planner"
import { annealingChangePlotSpec, annealingLossPlotSpec, type ReportSection } from "@scalelab/plots"
import { readRunResult, runFolderPath, type SweepEvent, type SweepOutcome } from "@scalelab/runner"
import { type AnnealingExperiment, reportFolder, type RunResult } from "@scalelab/spec"
import { planAnnealingExperiment, type SweepChoices, table, trainAnnealingRuns } from "@scalelab/sweep"
import { ANNEALING_LEVEL, type AnnealingSummary, changeCell, changeVerdict, summarizeAnnealing } from "./annealingSummary.ts"
import { writeFitReport } from "./reportWriter.ts"

/** The results of the plan's runs found complete (or diverged) in the store, by id. */
const storedResults = (plan: AnnealingPlan, storeDir: string) =>
  Effect.gen(function*() {
    const found = yield* Effect.forEach(plan.runs, ({ run }) =>
      readRunResult(runFolderPath(storeDir, run.id)).pipe(
        Effect.map((result): readonly [string, RunResult] | undefined => [run.id, result]),
        Effect.orElseSucceed(() => undefined)
      ))
    return new Map(found.filter((entry) => entry !== undefined))
  })

const formatLoss = (value: number | undefined) => value === undefined || !Number.isFinite(value) ? "—" : value.toFixed(4)

const intervalRecord = (change: MeanInterval) => ({
  mean: change.mean,
  seeds: change.n,
  ...(change.interval === undefined ? {} : { low: change.interval[0], high: change.interval[1] })
})

const byColumn = <T, U>(columns: ReadonlyArray<string>, values: ReadonlyArray<T>, map: (value: T) => U) =>
  Object.fromEntries(values.map((value, index) => [columns[index] as string, map(value)]))

/** fit.json of annealing probes: the settings, then per budget the mean losses and the paired changes. */
export const annealingFitRecord = (experiment: AnnealingExperiment, summary: AnnealingSummary) => ({
  kind: "annealing" as const,
  experiment: experiment.name,
  domains: summary.domains,
  target: Object.fromEntries(summary.domains.map((domain, index) => [domain, summary.target[index] ?? 0])),
  anneal_fraction: experiment.sweep.anneal,
  candidate_weight: experiment.sweep.weight,
  interval_level: ANNEALING_LEVEL,
  budgets: summary.budgets.map((budget) => ({
    budget: budget.budget,
    params: budget.params,
    checkpoint_tokens: budget.checkpointTokens,
    anneal_tokens: budget.annealTokens,
    seeds: budget.seeds,
    planned_seeds: budget.plannedSeeds,
    checkpoint: byColumn(summary.columns, budget.checkpoint, (loss) => loss),
    control: byColumn(summary.columns, budget.control, (loss) => loss),
    control_gain: byColumn(summary.columns, budget.controlGain, intervalRecord),
    candidates: budget.candidates.map((candidate) => ({
      name: candidate.name,
      losses: byColumn(summary.columns, candidate.losses, (loss) => loss),
      change: byColumn(summary.columns, candidate.change, intervalRecord)
    }))
  }))
})

const count = (value: number) => Math.round(value).toLocaleString("en-US")

/** The summary in words: per budget a table of losses, one of the changes against the control, and what they say of the target. */
export const annealingLines = (experiment: AnnealingExperiment, summary: AnnealingSummary): ReadonlyArray<string> => {
  const { sweep } = experiment
  const targetWords = summary.domains.filter((_, index) => (summary.target[index] ?? 0) > 0)
    .map((domain) => `${domain} ${reasonNumber(summary.target[summary.domains.indexOf(domain)] ?? 0, 3)}`).join(", ")
  const lines = [
    `Annealing probes: each anneal trains ${reasonNumber(100 * sweep.anneal, 3)}% of its checkpoint's tokens more, the lr ` +
      `decayed linearly to 0, ${reasonNumber(100 * sweep.weight, 3)}% of them from the candidate. Target: ${targetWords}.`
  ]
  const indent = (text: string) => text.split("\n").map((line) => `  ${line}`)
  for (const budget of summary.budgets) {
    lines.push(
      "",
      `C=${reasonNumber(budget.budget, 3)}: N=${count(budget.params)}, checkpoint ${count(budget.checkpointTokens)} tokens, ` +
        `anneals ${count(budget.annealTokens)} tokens; ${budget.seeds} of ${budget.plannedSeeds} seeds complete`
    )
    if (budget.seeds === 0) {
      lines.push("  nothing to compare yet: no seed has both its checkpoint and its control anneal")
      continue
    }
    lines.push(...indent(table(["loss (nats/token)", ...summary.columns], [
      ["checkpoint", ...budget.checkpoint.map(formatLoss)],
      ["control anneal", ...budget.control.map(formatLoss)],
      ...budget.candidates.map((candidate) => [`with ${candidate.name}`, ...candidate.losses.map(formatLoss)])
    ])))
    lines.push("", `  changes, mean over seeds [${100 * ANNEALING_LEVEL}% t interval], paired by checkpoint:`)
    lines.push(...indent(table(["change", ...summary.columns], [
      ["control − checkpoint", ...budget.controlGain.map(changeCell)],
      ...budget.candidates.map((candidate) => [`with ${candidate.name} − control`, ...candidate.change.map(changeCell)])
    ])))
    const targetIndex = summary.columns.length - 1
    const verdicts = budget.candidates.map((candidate) => changeVerdict(candidate.name, candidate.change[targetIndex] ?? { mean: Number.NaN, n: 0 }))
    lines.push(`  On the target, against the control: ${verdicts.join("; ")}.`)
  }
  return lines
}

export interface AnnealingReport {
  readonly lines: ReadonlyArray<string>
  /** What fit.json holds. */
  readonly record: ReturnType<typeof annealingFitRecord>
  readonly fitPath: string
  readonly indexPath: string
  readonly plotPaths: ReadonlyArray<string>
  readonly plannedRuns: number
}

/** The report's sections: the changes against the control, and the losses before and after annealing. */
export const annealingSections = (summary: AnnealingSummary): ReadonlyArray<ReportSection> => [
  {
    title: "What each candidate changes",
    name: "annealing_change",
    spec: annealingChangePlotSpec(summary.plot),
    caption: "Each candidate's loss change against the control anneal of the same checkpoint (the anneal with the " +
      "candidate minus the control), per domain and on the target: the mean over seeds with its 80% Student-t interval."
  },
  {
    title: "Losses before and after annealing",
    name: "annealing_losses",
    spec: annealingLossPlotSpec(summary.plot),
    caption: "Every run's validation loss on each domain and the target: the checkpoints, the control anneals and " +
      "each candidate's anneals, one point per seed."
  }
]

/** The summary of the plan's runs found in the store. */
const summaryOfStore = (experiment: AnnealingExperiment, plan: AnnealingPlan, storeDir: string) =>
  Effect.map(storedResults(plan, storeDir), (results) => summarizeAnnealing(experiment, plan.probes, results))

/** What the runs in the store say (nothing trained): for the dashboard, and `report`. */
export const storedAnnealingSummary = (experiment: AnnealingExperiment, storeDir: string) =>
  Effect.flatMap(planAnnealingExperiment(experiment), (plan) => summaryOfStore(experiment, plan, storeDir))

/** Summarises the plan's results in the store and writes fit.json and the report to `outDir` (default <store>/reports/<name>/). */
export const writeAnnealingReport = (experiment: AnnealingExperiment, plan: AnnealingPlan, storeDir: string, outDir?: string) =>
  Effect.gen(function*() {
    const summary = yield* summaryOfStore(experiment, plan, storeDir)
    const folder = outDir ?? reportFolder(storeDir, experiment.name)
    const record = annealingFitRecord(experiment, summary)
    const { fitPath, files } = yield* writeFitReport(folder, record, {
      title: `scalelab report — ${experiment.name} (annealing probes)`,
      sections: annealingSections(summary)
    })
    return {
      lines: annealingLines(experiment, summary),
      record,
      fitPath,
      indexPath: files.indexPath,
      plotPaths: files.plots.flatMap((p) => [p.svgPath, p.pngPath]),
      plannedRuns: plan.runs.length
    } satisfies AnnealingReport
  })

/** `scalelab report`: the report of the runs already in the store, nothing trained. */
export const annealingReportFromStore = (experiment: AnnealingExperiment, storeDir: string, outDir?: string) =>
  Effect.flatMap(planAnnealingExperiment(experiment), (plan) => writeAnnealingReport(experiment, plan, storeDir, outDir))

/** `scalelab run`: trains the checkpoints and their anneals, then writes the report. */
export const annealingSweepReport = (
  experiment: AnnealingExperiment,
  choices: SweepChoices,
  emit: (event: SweepEvent) => Effect.Effect<void>
) =>
  Effect.gen(function*() {
    const plan = yield* planAnnealingExperiment(experiment)
    const outcome: SweepOutcome = yield* trainAnnealingRuns(experiment, plan, choices, emit)
    return { ...(yield* writeAnnealingReport(experiment, plan, choices.storeDir)), outcome }
  })
