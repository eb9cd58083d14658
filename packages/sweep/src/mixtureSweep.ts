// Training a data-mixture sweep: every planned run at once (nothing is planned on results), then,
// once the law is fitted, the predicted best mixture as one more run.
import { Effect } from "effect"
import type { PlannedRun } from "@scalelab/planner"
import { runSweep, type SweepEvent } from "@scalelab/runner"
import type { MixtureExperiment } from "@scalelab/spec"
import { budgetEvent, byBudget, runnerOptions, type SweepChoices } from "./trainSweep.ts"

/** Trains planned runs of a mixture sweep (those complete in the store are kept), budget by budget in the events. */
export const trainMixtureRuns = (
  experiment: MixtureExperiment,
  runs: ReadonlyArray<PlannedRun>,
  choices: SweepChoices,
  emit: (event: SweepEvent) => Effect.Effect<void>
) =>
  Effect.gen(function*() {
    for (const [budget, ofBudget] of byBudget(runs)) yield* emit(budgetEvent(budget, ofBudget))
    return yield* runSweep(experiment.name, runs.map(({ run }) => run), runnerOptions(experiment, runs, choices, choices.force, emit))
  })
