// The fit and report of a data-mixture spec: fit the data-mixing law at each budget on the runs in
// the store, train (for `scalelab run`) or look up (for `fit` and `report`) the predicted best
// mixture at the largest budget, and write fit.json and the plots.
import { Effect } from "effect"
import { type Plan, type PlannedRun, planMixtureRuns } from "@scalelab/planner"
import { mixtureDomainPlotSpec, type MixtureRunMark, mixtureTargetPlotSpec, type ReportSection } from "@scalelab/plots"
import { readRunResult, readRunSpec, runFolderPath, RunStore, type SweepEvent, type SweepOutcome } from "@scalelab/runner"
import { type MixtureExperiment, mixtureTarget, reportFolder } from "@scalelab/spec"
import { addOutcome, attempt, loadMixtureDomains, planMixtureExperiment, resolveRerun, type SweepChoices, trainMixtureRuns, UserInputError } from "@scalelab/sweep"
import {
  type MixtureBudgetFit,
  mixtureFitLines,
  mixtureFitRecord,
  mixturePlotInput,
  mixtureRunMark,
  type MixtureValidation,
  fitMixtureBudgets,
  mixtureValidation,
  roundedMixture
} from "./mixtureFit.ts"
import { writeFitReport } from "./reportWriter.ts"

/** The finished runs among `planned`, as the fit takes them (a run without a readable result is left out). */
const finishedMarks = (experiment: MixtureExperiment, planned: ReadonlyArray<PlannedRun>, storeDir: string) =>
  Effect.gen(function*() {
    const domains = Object.keys(experiment.sweep.corpora)
    const target = mixtureTarget(experiment.sweep)
    const marks = yield* Effect.forEach(planned, ({ run }) =>
      readRunResult(runFolderPath(storeDir, run.id)).pipe(
        Effect.map((result) => mixtureRunMark(run, result, domains, target)),
        Effect.orElseSucceed(() => undefined)
      ))
    return marks.filter((mark) => mark !== undefined)
  })

/** The reason the planner gives the runs of the predicted best mixture (the start of their plan_reason in the store). */
export const predictedMixReason = "predicted best mixture"

/**
 * A mixture sweep's fit as the store holds it, for a reader that has no plan (the dashboard):
 * every completed run read from its folder, those planned at the predicted best mixture (by their
 * plan reason) set apart as its validation, the law fitted to the rest as `fitAndReportMixture` fits it.
 */
export const storedMixtureFit = (
  experiment: MixtureExperiment,
  storeDir: string,
  runs: ReadonlyArray<{ readonly id: string; readonly plan_reason: string | null }>
) =>
  Effect.gen(function*() {
    const domains = Object.keys(experiment.sweep.corpora)
    const target = mixtureTarget(experiment.sweep)
    const marked = yield* Effect.forEach(runs, (row) =>
      Effect.gen(function*() {
        const folder = runFolderPath(storeDir, row.id)
        const mark = mixtureRunMark(yield* readRunSpec(folder), yield* readRunResult(folder), domains, target)
        return mark === undefined ? [] : [{ mark, predicted: row.plan_reason?.startsWith(predictedMixReason) === true }]
      }).pipe(Effect.orElseSucceed(() => [])))
    const all = marked.flat()
    const fits = fitMixtureBudgets(experiment, all.filter((run) => !run.predicted).map((run) => run.mark))
    const largest = fits.at(-1)
    if (largest?._tag !== "Fitted") return { fits, validation: undefined }
    const weights = roundedMixture(largest.result.optimum.weights)
    const sameWeights = (mark: MixtureRunMark) => mark.weights.every((weight, i) => Math.abs(weight - (weights[i] ?? Number.NaN)) < 1e-9)
    const validationRuns = all.filter((run) => run.predicted && run.mark.budget === largest.budget && sameWeights(run.mark)).map((run) => run.mark)
    return { fits, validation: mixtureValidation(largest, target, weights, validationRuns) }
  })

/** The report's two plots of a mixture fit: what the report page and the dashboard both draw. */
export const mixtureSections = (
  experiment: MixtureExperiment,
  fits: ReadonlyArray<MixtureBudgetFit>,
  validation: MixtureValidation | undefined
): ReadonlyArray<ReportSection> => {
  const plotInput = mixturePlotInput(experiment, fits, validation)
  return [
    {
      title: "Domain losses",
      name: "mixture_domains",
      spec: mixtureDomainPlotSpec(plotInput),
      caption: "Each domain's validation loss against its weight in the mixture. Curves: the fitted law through the " +
        "predicted best mixture (the other domains keep their shares of the rest as there)."
    },
    {
      title: "Target loss",
      name: "mixture_target",
      spec: mixtureTargetPlotSpec(plotInput),
      caption: "The target (weighted domain losses) against each domain's weight, with the predicted best mixture and " +
        "its 80% bootstrap intervals, and the run trained there."
    }
  ]
}

export const mixtureReportTitle = (experiment: MixtureExperiment) => `scalelab report — ${experiment.name} (data mixture)`

export interface MixtureSweepReport {
  readonly lines: ReadonlyArray<string>
  readonly outcome: SweepOutcome
  readonly fitPath: string
  /** What fit.json holds. */
  readonly record: ReturnType<typeof mixtureFitRecord>
  readonly indexPath: string
  readonly plotPaths: ReadonlyArray<string>
  readonly plannedRuns: number
}

const nothingTrained: SweepOutcome = { completed: [], failed: [], skipped: 0 }

/** `fit` and `report`: the predicted mix's run is read from the store if it was trained, never trained. */
export const storedPredictedMix = (): Effect.Effect<SweepOutcome> => Effect.succeed(nothingTrained)

/**
 * Fits the law at each budget on the finished runs of `plan` in the store, then the predicted best
 * mixture (rounded to 3 decimals) at the largest fitted budget: `trainPredicted` trains it (`run`)
 * or not (`fit`, `report`), and its run, when the store has it finished, is compared with the
 * prediction's 80% interval. Writes fit.json and the report to `outDir` (default
 * <store>/reports/<name>/). `sweepOutcome` is what training the sweep's own runs gave.
 */
export const fitAndReportMixture = <E, R>(
  experiment: MixtureExperiment,
  plan: Plan,
  storeDir: string,
  options: {
    readonly outDir?: string
    readonly sweepOutcome?: SweepOutcome
    readonly trainPredicted: (runs: ReadonlyArray<PlannedRun>) => Effect.Effect<SweepOutcome, E, R>
  }
) =>
  Effect.gen(function*() {
    const fits = fitMixtureBudgets(experiment, yield* finishedMarks(experiment, plan.runs, storeDir))
    // `run` reports whatever its training gave; `fit` and `report` have nothing to report without runs.
    if (fits.length === 0 && options.sweepOutcome === undefined) {
      return yield* new UserInputError({
        message: `${experiment.name}: no finished runs of this sweep in ${storeDir}; run \`scalelab run\` on its spec first, or pass --store DIR`
      })
    }
    const largest = fits.at(-1)
    let outcome: SweepOutcome = options.sweepOutcome ?? nothingTrained
    let validation: MixtureValidation | undefined
    if (largest?._tag === "Fitted") {
      const weights = roundedMixture(largest.result.optimum.weights)
      const domains = yield* loadMixtureDomains(experiment)
      const runs = yield* attempt(() => planMixtureRuns(experiment, largest.budget, weights, predictedMixReason, domains))
      outcome = addOutcome(outcome, yield* options.trainPredicted(runs))
      validation = mixtureValidation(largest, mixtureTarget(experiment.sweep), weights, yield* finishedMarks(experiment, runs, storeDir))
    }
    const record = mixtureFitRecord(experiment, fits, validation)
    const { fitPath, files } = yield* writeFitReport(options.outDir ?? reportFolder(storeDir, experiment.name), record, {
      title: mixtureReportTitle(experiment),
      sections: mixtureSections(experiment, fits, validation)
    })
    return {
      lines: mixtureFitLines(experiment, fits, validation),
      outcome,
      record,
      plannedRuns: plan.runs.length,
      fitPath,
      indexPath: files.indexPath,
      plotPaths: files.plots.flatMap((p) => [p.svgPath, p.pngPath])
    } satisfies MixtureSweepReport
  })

/**
 * `scalelab run` of a mixture spec: trains the sweep's runs (those complete in the store are kept),
 * then fits, trains the predicted best mixture and reports as `fitAndReportMixture` does. `rerun`
 * (run ids or unique prefixes, of the plan or of the store, where the predicted mix's runs are)
 * overrides `choices.force`.
 */
export const mixtureSweepFitReport = (
  experiment: MixtureExperiment,
  sweepChoices: SweepChoices,
  emit: (event: SweepEvent) => Effect.Effect<void>,
  rerun: ReadonlyArray<string> = []
) =>
  Effect.gen(function*() {
    const plan = yield* planMixtureExperiment(experiment)
    const stored = rerun.length === 0 ? [] : yield* (yield* RunStore).listRuns(experiment.name)
    const choices: SweepChoices = rerun.length === 0 ? sweepChoices : {
      ...sweepChoices,
      force: yield* resolveRerun(rerun, [...plan.runs.map(({ run }) => run.id), ...stored.map((run) => run.id)])
    }
    const trained = yield* trainMixtureRuns(experiment, plan.runs, choices, emit)
    return yield* fitAndReportMixture(experiment, plan, choices.storeDir, {
      sweepOutcome: trained,
      trainPredicted: (runs) => trainMixtureRuns(experiment, runs, choices, emit)
    })
  })
