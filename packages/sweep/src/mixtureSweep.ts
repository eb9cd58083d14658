// Training a data-mixture sweep: every planned run at once (nothing is planned on results), then,
// once the law is fitted, the predicted best mixture as one more run.
import { Effect } from "effect"
import type { PlannedRun } from "@scalelab/planner"
import { runSweep, type SweepEvent } from "@scalelab/runner"
import { effectiveSpec, type MixtureExperiment } from "@scalelab/spec"
import { budgetEvent, concurrencyFor, type SweepChoices } from "./trainSweep.ts"

/** Trains planned runs of a mixture sweep (those complete in the store are kept), budget by budget in the events. */
export const trainMixtureRuns = (
  experiment: MixtureExperiment,
  runs: ReadonlyArray<PlannedRun>,
  choices: SweepChoices,
  emit: (event: SweepEvent) => Effect.Effect<void>
) =>
  Effect.gen(function*() {
    for (const budget of [...new Set(runs.map(({ run }) => run.budget))].sort((a, b) => a - b)) {
      yield* emit(budgetEvent(budget, runs.filter(({ run }) => run.budget === budget)))
    }
    const { execution } = experiment
    return yield* runSweep(experiment.name, runs.map(({ run }) => run), {
      storeDir: choices.storeDir,
      concurrency: concurrencyFor(experiment, choices.concurrency, runs.length),
      retries: execution.retries,
      ...(choices.force === undefined ? {} : { force: choices.force }),
      divergence: { retries: execution.divergence.retries, lrFactor: execution.divergence.lr_factor },
      experimentSpec: effectiveSpec(experiment),
      planReasons: new Map(runs.map(({ run, reason }) => [run.id, reason])),
      onEvent: emit
    })
  })
