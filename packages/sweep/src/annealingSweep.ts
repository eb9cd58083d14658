// Training annealing probes: every checkpoint first, then the anneals of those that completed
// (an anneal starts from its checkpoint's final weights, so it cannot run before or without them).
import { Effect } from "effect"
import { type AnnealingPlan, planAnnealing } from "@scalelab/planner"
import { readRunResult, runFolderPath, runSweep, type SweepEvent, type SweepOutcome } from "@scalelab/runner"
import { type AnnealingExperiment, annealingCorpora } from "@scalelab/spec"
import { loadDomainCorpora } from "./planExperiment.ts"
import { attempt } from "./pureInput.ts"
import { addOutcome, budgetEvent, byBudget, runnerOptions, type SweepChoices } from "./trainSweep.ts"

/** An annealing sweep's plan, its file domains read for their digests. */
export const planAnnealingExperiment = (experiment: AnnealingExperiment) =>
  Effect.flatMap(loadDomainCorpora(annealingCorpora(experiment.sweep)), (domains) => attempt(() => planAnnealing(experiment, domains)))

/** Whether a run's folder holds a completed result (a diverged run has no end to anneal from). */
const completedInStore = (storeDir: string, id: string) =>
  readRunResult(runFolderPath(storeDir, id)).pipe(
    Effect.map((result) => result.status === "completed"),
    Effect.orElseSucceed(() => false)
  )

/**
 * Trains the checkpoints, then the anneals of every checkpoint that completed (those complete in
 * the store are kept). An anneal whose checkpoint did not complete is reported failed, with why.
 */
export const trainAnnealingRuns = (
  experiment: AnnealingExperiment,
  plan: AnnealingPlan,
  choices: SweepChoices,
  emit: (event: SweepEvent) => Effect.Effect<void>
) =>
  Effect.gen(function*() {
    for (const [budget, ofBudget] of byBudget(plan.runs)) yield* emit(budgetEvent(budget, ofBudget))
    const checkpoints = plan.runs.filter(({ run }) => run.init === undefined)
    const anneals = plan.runs.filter(({ run }) => run.init !== undefined)
    const trained = yield* runSweep(experiment.name, checkpoints.map(({ run }) => run), runnerOptions(experiment, checkpoints, choices, choices.force, emit))
    const ready = new Set<string>()
    for (const { run } of checkpoints) if (yield* completedInStore(choices.storeDir, run.id)) ready.add(run.id)
    const startable = anneals.filter(({ run }) => ready.has(run.init?.run ?? ""))
    const annealed = yield* runSweep(experiment.name, startable.map(({ run }) => run), runnerOptions(experiment, startable, choices, choices.force, emit))
    const orphans: SweepOutcome = {
      completed: [],
      failed: anneals.filter(({ run }) => !ready.has(run.init?.run ?? "")).map(({ run }) => ({
        id: run.id,
        reason: `its checkpoint ${run.init?.run ?? ""} did not complete (failed or diverged), so there is nothing to anneal`
      })),
      skipped: 0
    }
    return addOutcome(addOutcome(trained, annealed), orphans)
  })
