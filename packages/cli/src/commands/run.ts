import * as path from "node:path"
import { Console, Data, Effect, Layer, Option } from "effect"
import { Command, Flag } from "effect/cli"
import type { CorpusFacts, Plan, PlannedRun } from "@scalelab/planner"
import { RunStore, runSweep, type SweepEvent, type SweepOutcome } from "@scalelab/runner"
import { effectiveSpec, type Experiment, specOfKind } from "@scalelab/spec"
import { seconds } from "../format.ts"
import { concurrencyFlag, executorFlag, jsonFlag, storeFlag } from "../commonFlags.ts"
import { concurrencyFor, executorLayer, withExecutor } from "../executorChoice.ts"
import { UserInputError } from "../failure.ts"
import { endedRuns, loadCorpusFacts, type RunEnding, settledPlan } from "../planExperiment.ts"
import { chooseProgressMode, makeProgressReporter, type ProgressMode } from "../progress/progressReporter.ts"
import { loadSpecOfAnyKind } from "../specInput.ts"
import { storeDirFor } from "../storeLocation.ts"
import { fitAndReport, fitSummary, otherFitLines, whereToLook } from "../sweepFit.ts"
import { runTableSpec } from "../tableSweep.ts"
import { specArgument } from "./validate.ts"

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

interface RunChoices {
  readonly storeDir: string
  readonly concurrency: Option.Option<number>
  /** Runs to redo although complete: all of them, or these ids. */
  readonly force: true | ReadonlySet<string> | undefined
  readonly mode: ProgressMode
}

const budgetEvent = (budget: number, runs: ReadonlyArray<PlannedRun>): SweepEvent => ({
  _tag: "BudgetPlanned",
  budget,
  centre_params: runs[0]?.centre_params ?? 0,
  reason: runs[0]?.centre_reason ?? "",
  runs: runs.map(({ run }) => ({ id: run.id, params: run.params, tokens: run.tokens }))
})

const byBudget = (runs: ReadonlyArray<PlannedRun>): ReadonlyArray<[number, ReadonlyArray<PlannedRun>]> =>
  [...new Set(runs.map(({ run }) => run.budget))].sort((a, b) => a - b)
    .map((budget) => [budget, runs.filter(({ run }) => run.budget === budget)])

const addOutcome = (total: SweepOutcome, outcome: SweepOutcome): SweepOutcome => ({
  completed: [...total.completed, ...outcome.completed],
  failed: [...total.failed, ...outcome.failed],
  skipped: total.skipped + outcome.skipped
})

/**
 * Trains what is not yet trained: a static sweep in one go; an adaptive one budget by budget,
 * planning each on the results of those below it. Returns the final plan and what happened.
 */
const trainSweep = (
  experiment: Experiment,
  corpus: CorpusFacts,
  choices: RunChoices,
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
      const stage = experiment.sweep.adaptive
        ? byBudget(plan.runs).slice(-1)
        : byBudget(plan.runs)
      const toRun = stage.flatMap(([, runs]) => runs).filter(({ run }) => !executed.has(run.id))
      if (toRun.length === 0) return { plan, outcome: total }
      for (const [budget, runs] of stage) yield* emit(budgetEvent(budget, runs))
      const outcome = yield* runSweep(experiment.name, toRun.map(({ run }) => run), {
        storeDir: choices.storeDir,
        concurrency: concurrencyFor(experiment, choices.concurrency, toRun.length),
        retries: experiment.execution.retries,
        force: choices.force === true ? true : new Set(toRun.map(({ run }) => run.id).filter(redo)),
        divergence: { retries: experiment.execution.divergence.retries, lrFactor: experiment.execution.divergence.lr_factor },
        experimentSpec: effectiveSpec(experiment),
        planReasons: new Map(toRun.map(({ run, reason }) => [run.id, reason])),
        onEvent: emit
      })
      for (const { run } of toRun) executed.add(run.id)
      total = addOutcome(total, outcome)
      // An adaptive sweep cannot centre the next budget on one whose runs failed.
      if (!experiment.sweep.adaptive || outcome.failed.length > 0) return { plan, outcome: total }
      plan = yield* settled
    }
  })

/** Run ids or unique prefixes of them, as `--rerun` takes them. */
const resolveRerun = (wanted: ReadonlyArray<string>, plan: Plan) =>
  Effect.gen(function*() {
    const ids = plan.runs.map(({ run }) => run.id)
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

const sweepFitReport = (experiment: Experiment, choices: RunChoices, rerun: ReadonlyArray<string>, specPath: string) =>
  Effect.gen(function*() {
    const startedAt = Date.now()
    const corpus = yield* loadCorpusFacts(experiment, choices.storeDir)
    const firstPlan = yield* settledPlan(experiment, corpus, yield* endedRuns(experiment.name))
    const force = rerun.length > 0 ? yield* resolveRerun(rerun, firstPlan) : choices.force
    const say = (text: string) => choices.mode === "json" ? Effect.void : Console.log(text)
    yield* say(
      `${experiment.name}: ${experiment.sweep.adaptive ? "adaptive sweep, " : ""}${firstPlan.runs.length} runs planned` +
        `${experiment.sweep.adaptive ? " so far" : ""} over ${experiment.sweep.budgets.length} budgets on ` +
        `${experiment.execution.executor}; store ${choices.storeDir}`
    )
    const { plan, outcome } = yield* Effect.scoped(Effect.gen(function*() {
      const reporter = yield* makeProgressReporter({
        mode: choices.mode,
        experiment: experiment.name,
        runs: new Map(firstPlan.runs.map(({ run }) => [run.id, { budget: run.budget, params: run.params, tokens: run.tokens }])),
        concurrency: concurrencyFor(experiment, choices.concurrency, firstPlan.runs.length),
        out: process.stdout
      })
      return yield* trainSweep(experiment, corpus, { ...choices, force }, reporter.onEvent)
    }))
    const fitted = yield* fitAndReport(experiment, plan, choices.storeDir)
    const summary = `${outcome.completed.length} runs trained, ${outcome.skipped} already complete, ` +
      `${outcome.failed.length} failed; ${seconds((Date.now() - startedAt) / 1000)} wall`
    if (choices.mode === "json") {
      yield* Console.log(JSON.stringify({
        event: "SweepEnded",
        time: new Date().toISOString(),
        trained: outcome.completed.length,
        skipped: outcome.skipped,
        failed: outcome.failed.map((failure) => failure.id),
        report: fitted.report.indexPath,
        fit: fitted.report.fitJson
      }))
    } else {
      yield* Console.log(["", ...fitSummary(fitted.isoflop, fitted.intervals),
        ...otherFitLines(fitted), "", ...whereToLook(fitted.report, specPath, choices.storeDir), "", summary]
        .join("\n"))
    }
    if (fitted.powerLawFailure !== undefined) return yield* fitted.powerLawFailure
    if (outcome.failed.length > 0) {
      return yield* new SweepIncomplete({ failed: outcome.failed.map((f) => f.id), storeDir: choices.storeDir })
    }
  })

export const runCommand = Command.make(
  "run",
  {
    spec: specArgument,
    store: storeFlag,
    concurrency: concurrencyFlag,
    executor: executorFlag("runs"),
    force: Flag.Boolean("force").pipe(Flag.withDescription("retrain every run, complete or not"), Flag.withDefault(false)),
    rerun: Flag.String("rerun").pipe(
      Flag.withDescription("retrain this run (an id or a unique prefix of one); repeat the flag for more"),
      Flag.atLeast(0)
    ),
    quiet: Flag.Boolean("quiet").pipe(Flag.withDescription("print only failures and the final summary"), Flag.withDefault(false)),
    json: jsonFlag
  },
  ({ spec, store, concurrency, executor, force, rerun, quiet, json }) =>
    Effect.gen(function*() {
      const loaded = specOfKind(yield* loadSpecOfAnyKind(spec))
      if (loaded._tag === "Table") return yield* runTableSpec(spec, loaded.table, store, json)
      const experiment = yield* withExecutor(loaded.experiment, executor)
      const storeDir = yield* storeDirFor(spec, Option.getOrUndefined(store), "write")
      const mode = chooseProgressMode({ json, quiet, isTTY: process.stdout.isTTY === true && process.env["TERM"] !== "dumb" })
      yield* sweepFitReport(experiment, { storeDir, concurrency, force: force ? true : undefined, mode }, rerun, spec).pipe(
        Effect.provide(Layer.merge(RunStore.layer(storeDir), executorLayer(experiment, storeDir, path.dirname(path.resolve(spec)))))
      )
    })
).pipe(Command.withDescription(
  "Plan, train, fit and report a spec's sweep. Resumable: finished runs are kept, interrupted ones resume from " +
    "their checkpoints, failed ones are retried"
))
