import { availableParallelism } from "node:os"
import * as path from "node:path"
import { Data, Effect, Option } from "effect"
import type { CorpusFacts, Plan, PlannedRun } from "@scalelab/planner"
import { runSweep, type SweepEvent, type SweepOutcome } from "@scalelab/runner"
import { effectiveSpec, type ExperimentSpec, type TrainedSpec } from "@scalelab/spec"
import { UserInputError } from "./inputError.ts"
import { endedRuns, isAdaptive, loadCorpusFacts, type RunEnding, settledPlan } from "./planExperiment.ts"

/** Some runs failed for good: what finished is kept, and `scalelab run` again retries the rest. */
export class SweepIncomplete extends Data.TaggedError("SweepIncomplete")<{
  readonly failed: ReadonlyArray<string>
  readonly storeDir: string
}> {
  override get message() {
    return `${this.failed.length} run(s) failed: ${this.failed.join(", ")}. Their logs are in ` +
      `${path.join(this.storeDir, "runs", "<id>", "worker.log")} and their attempts in \`scalelab runs --json\`; ` +
      `run the same command again to retry them.`
  }
}

/** Runs at once: the flag, else the spec; `auto` is the cores here, or every run on a cluster. */
export const concurrencyFor = (experiment: Pick<ExperimentSpec, "execution">, flag: Option.Option<number>, runCount: number): number =>
  Option.getOrElse(flag, () => {
    const { concurrency, executor } = experiment.execution
    if (concurrency !== "auto") return concurrency
    return executor === "slurm" ? Math.max(1, runCount) : availableParallelism()
  })

export interface SweepChoices {
  readonly storeDir: string
  readonly concurrency: Option.Option<number>
  /** Runs to redo although complete: all of them, or these ids. */
  readonly force: true | ReadonlySet<string> | undefined
}

export const budgetEvent = (budget: number, runs: ReadonlyArray<PlannedRun>): SweepEvent => ({
  _tag: "BudgetPlanned",
  budget,
  centre_params: runs[0]?.centre_params ?? 0,
  reason: runs[0]?.centre_reason ?? "",
  runs: runs.map(({ run }) => ({ id: run.id, params: run.params, tokens: run.tokens }))
})

export const byBudget = (runs: ReadonlyArray<PlannedRun>): ReadonlyArray<[number, ReadonlyArray<PlannedRun>]> =>
  [...new Set(runs.map(({ run }) => run.budget))].sort((a, b) => a - b)
    .map((budget) => [budget, runs.filter(({ run }) => run.budget === budget)])

/** What the runner needs to train `runs` of a spec: its execution settings, the sweep's choices, each run's plan reason. */
export const runnerOptions = (
  experiment: ExperimentSpec,
  runs: ReadonlyArray<PlannedRun>,
  choices: SweepChoices,
  force: true | ReadonlySet<string> | undefined,
  emit: (event: SweepEvent) => Effect.Effect<void>
) => ({
  storeDir: choices.storeDir,
  concurrency: concurrencyFor(experiment, choices.concurrency, runs.length),
  retries: experiment.execution.retries,
  ...(force === undefined ? {} : { force }),
  divergence: { retries: experiment.execution.divergence.retries, lrFactor: experiment.execution.divergence.lr_factor },
  experimentSpec: effectiveSpec(experiment),
  planReasons: new Map(runs.map(({ run, reason }) => [run.id, reason])),
  onEvent: emit
})

export const addOutcome = (total: SweepOutcome, outcome: SweepOutcome): SweepOutcome => ({
  completed: [...total.completed, ...outcome.completed],
  failed: [...total.failed, ...outcome.failed],
  skipped: total.skipped + outcome.skipped
})

/** Run ids or unique prefixes of them, as `--rerun` takes them, among `known` (the plan's runs). */
export const resolveRerun = (wanted: ReadonlyArray<string>, known: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const ids = [...new Set(known)]
    const chosen = new Set<string>()
    for (const prefix of wanted) {
      const matches = ids.filter((id) => id.startsWith(prefix))
      if (matches.length !== 1) {
        return yield* new UserInputError({
          message: `--rerun ${prefix}: ${matches.length === 0 ? "no run of this plan starts" : `${matches.length} runs start`} ` +
            `with it; give a run id from \`scalelab plan\` or \`scalelab runs\``
        })
      }
      chosen.add(matches[0]!)
    }
    return chosen
  })

/** A sweep about to train: its corpus, the plan as the store settles it now, and the runs to redo. */
export interface PreparedSweep {
  readonly corpus: CorpusFacts
  readonly firstPlan: Plan
  readonly choices: SweepChoices
}

/** Settles what `trainSweep` starts from; `rerun` (run ids or unique prefixes) overrides `choices.force`. */
export const prepareSweep = (experiment: TrainedSpec, choices: SweepChoices, rerun: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const corpus = yield* loadCorpusFacts(experiment, choices.storeDir)
    const firstPlan = yield* settledPlan(experiment, corpus, yield* endedRuns(experiment.name))
    const force = rerun.length > 0 ? yield* resolveRerun(rerun, firstPlan.runs.map(({ run }) => run.id)) : choices.force
    return { corpus, firstPlan, choices: { ...choices, force } } satisfies PreparedSweep
  })

/**
 * Trains what is not yet trained: a static sweep in one go; an adaptive one budget by budget,
 * planning each on the results of those below it. Returns the final plan and what happened.
 */
export const trainSweep = (
  experiment: TrainedSpec,
  { corpus, choices }: PreparedSweep,
  emit: (event: SweepEvent) => Effect.Effect<void>
) =>
  Effect.gen(function*() {
    const executed = new Set<string>()
    // A run to redo counts as not ended until this sweep has redone it, so that an adaptive sweep
    // replans on the new results rather than the old.
    const redo = (id: string) => choices.force === true || (choices.force?.has(id) ?? false)
    const settled = Effect.gen(function*() {
      const ended = yield* endedRuns(experiment.name)
      const considered = new Map<string, RunEnding>([...ended].filter(([id]) => !redo(id) || executed.has(id)))
      return yield* settledPlan(experiment, corpus, considered)
    })
    let total: SweepOutcome = { completed: [], failed: [], skipped: 0 }
    let plan: Plan = yield* settled
    for (;;) {
      const stage = isAdaptive(experiment)
        ? byBudget(plan.runs).slice(-1)
        : byBudget(plan.runs)
      const toRun = stage.flatMap(([, runs]) => runs).filter(({ run }) => !executed.has(run.id))
      if (toRun.length === 0) return { plan, outcome: total }
      for (const [budget, runs] of stage) yield* emit(budgetEvent(budget, runs))
      const force = choices.force === true ? true : new Set(toRun.map(({ run }) => run.id).filter(redo))
      const outcome = yield* runSweep(experiment.name, toRun.map(({ run }) => run), runnerOptions(experiment, toRun, choices, force, emit))
      for (const { run } of toRun) executed.add(run.id)
      total = addOutcome(total, outcome)
      // An adaptive sweep cannot centre the next budget on one whose runs failed.
      if (!isAdaptive(experiment) || outcome.failed.length > 0) return { plan, outcome: total }
      plan = yield* settled
    }
  })
