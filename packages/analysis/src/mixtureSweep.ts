// `scalelab run` of a data-mixture spec: train every planned run, fit the data-mixing law at each
// budget, train the predicted best mixture at the largest budget, and write fit.json and the plots.
import { Effect } from "effect"
import { type PlannedRun, planMixtureRuns } from "@scalelab/planner"
import { mixtureDomainPlotSpec, mixtureTargetPlotSpec } from "@scalelab/plots"
import { readRunResult, runFolderPath, type SweepEvent, type SweepOutcome } from "@scalelab/runner"
import { type MixtureExperiment, mixtureTarget, reportFolder } from "@scalelab/spec"
import { addOutcome, attempt, loadMixtureDomains, planMixtureExperiment, type SweepChoices, trainMixtureRuns } from "@scalelab/sweep"
import {
  fitMixtureBudgets,
  mixtureFitLines,
  mixtureFitRecord,
  mixturePlotInput,
  mixtureRunMark,
  type MixtureValidation,
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

export interface MixtureSweepReport {
  readonly lines: ReadonlyArray<string>
  readonly outcome: SweepOutcome
  readonly fitPath: string
  readonly indexPath: string
  readonly plotPaths: ReadonlyArray<string>
  readonly plannedRuns: number
}

/**
 * Trains a mixture sweep's runs, fits the law at each budget, then trains the predicted best
 * mixture (rounded to 3 decimals) at the largest fitted budget and compares its measured target loss
 * with the prediction's 80% interval. Writes fit.json and the report to <store>/reports/<name>/.
 */
export const mixtureSweepFitReport = (
  experiment: MixtureExperiment,
  choices: SweepChoices,
  emit: (event: SweepEvent) => Effect.Effect<void>
) =>
  Effect.gen(function*() {
    const plan = yield* planMixtureExperiment(experiment)
    const trained = yield* trainMixtureRuns(experiment, plan.runs, choices, emit)
    const fits = fitMixtureBudgets(experiment, yield* finishedMarks(experiment, plan.runs, choices.storeDir))
    const largest = fits.at(-1)
    let outcome: SweepOutcome = trained
    let validation: MixtureValidation | undefined
    if (largest?._tag === "Fitted") {
      const weights = roundedMixture(largest.result.optimum.weights)
      const domains = yield* loadMixtureDomains(experiment)
      const runs = yield* attempt(() => planMixtureRuns(experiment, largest.budget, weights, "predicted best mixture", domains))
      outcome = addOutcome(outcome, yield* trainMixtureRuns(experiment, runs, choices, emit))
      validation = mixtureValidation(largest, mixtureTarget(experiment.sweep), weights, yield* finishedMarks(experiment, runs, choices.storeDir))
    }
    const outDir = reportFolder(choices.storeDir, experiment.name)
    const record = mixtureFitRecord(experiment, fits, validation)
    const plotInput = mixturePlotInput(experiment, fits, validation)
    const { fitPath, files } = yield* writeFitReport(outDir, record, {
      title: `scalelab report — ${experiment.name} (data mixture)`,
      sections: [
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
    })
    return {
      lines: mixtureFitLines(experiment, fits, validation),
      outcome,
      plannedRuns: plan.runs.length,
      fitPath,
      indexPath: files.indexPath,
      plotPaths: files.plots.flatMap((p) => [p.svgPath, p.pngPath])
    } satisfies MixtureSweepReport
  })
