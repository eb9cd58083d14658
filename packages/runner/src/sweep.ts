import type { RunResult, RunSpec } from "@scalelab/spec"
import { Clock, Data, type Duration, Effect, Option, Schedule } from "effect"
import { Executor } from "./executor/Executor.ts"
import { clearRunOutputs, readMetrics, readRunResult, runFolderPath, writeRunSpec } from "./runFolder.ts"
import type { RunStatus } from "./store/rows.ts"
import { RunStore } from "./store/RunStore.ts"
import type { SweepEvent } from "./sweepEvents.ts"

export interface SweepOptions {
  /** The store folder: the database and `runs/<id>/` live here. */
  readonly storeDir: string
  /** Runs executing at once. */
  readonly concurrency: number
  /** Further attempts after a run's first one fails. */
  readonly retries: number
  /** Rerun runs that are already complete. */
  readonly force?: boolean
  /** Wait before the first retry; each further retry waits twice as long (default 1 second). */
  readonly backoff?: Duration.Input
  /** The experiment as written, recorded with it in the store. */
  readonly experimentSpec?: unknown
  readonly onEvent?: (event: SweepEvent) => Effect.Effect<void>
}

export interface SweepOutcome {
  /** Runs this sweep executed to the end (status `completed` or `diverged`). */
  readonly completed: ReadonlyArray<RunResult>
  /** Runs that failed every attempt; `reason` ends with the worker's last output. */
  readonly failed: ReadonlyArray<{ readonly id: string; readonly reason: string }>
  /** Runs already complete in their folders, not run again. */
  readonly skipped: number
}

export class SweepInputError extends Data.TaggedError("SweepInputError")<{
  readonly experiment: string
  readonly runId: string
  readonly runExperiment: string
}> {
  override get message() {
    return `Run ${this.runId} belongs to experiment "${this.runExperiment}", not "${this.experiment}": ` +
      `plan the sweep again from the experiment's spec.`
  }
}

type RunOutcome =
  | { readonly _tag: "Completed"; readonly result: RunResult }
  | { readonly _tag: "Failed"; readonly id: string; readonly reason: string }
  | { readonly _tag: "Skipped" }

const finished: ReadonlySet<RunStatus> = new Set(["completed", "diverged"])

/**
 * Brings every run of a plan to an end: runs complete in their folders are skipped (and put back
 * in the store if it lost them), the others are executed with retries, and a run that keeps
 * failing is recorded as failed without stopping the rest. Safe to repeat after a crash.
 */
export const runSweep = Effect.fn("runSweep")(
  function*(experimentName: string, runs: ReadonlyArray<RunSpec>, options: SweepOptions) {
    const store = yield* RunStore
    const executor = yield* Executor
    const emit = options.onEvent ?? (() => Effect.void)

    const stranger = runs.find((run) => run.experiment !== experimentName)
    if (stranger !== undefined) {
      return yield* new SweepInputError({
        experiment: experimentName,
        runId: stranger.id,
        runExperiment: stranger.experiment
      })
    }
    // Ids are content addresses, so equal ids are the same run; running it twice at once would
    // have two workers writing one folder.
    const uniqueRuns = [...new Map(runs.map((run) => [run.id, run])).values()]

    yield* store.upsertExperiment(experimentName, options.experimentSpec ?? null)
    yield* store.recordPlanned(uniqueRuns)
    const statusById = new Map((yield* store.listRuns(experimentName)).map((row) => [row.id, row.status]))
    const backoff = Schedule.exponential(options.backoff ?? "1 second")

    const skipIfComplete = Effect.fnUntraced(function*(run: RunSpec, runDir: string) {
      const existing = yield* Effect.option(readRunResult(runDir))
      if (Option.isNone(existing)) return false
      const status = statusById.get(run.id)
      const healed = status === undefined || !finished.has(status)
      if (healed) yield* store.markCompleted(run.id, existing.value, yield* readMetrics(runDir))
      yield* emit({ _tag: "RunSkipped", id: run.id, healed })
      return true
    })

    const execute = Effect.fnUntraced(function*(run: RunSpec, runDir: string) {
      yield* writeRunSpec(runDir, run)
      let attempts = 0
      const attempt = Effect.gen(function*() {
        const number = ++attempts
        yield* store.markRunning(run.id, number)
        yield* emit({ _tag: "RunStarted", id: run.id, attempt: number })
        const startedAt = yield* Clock.currentTimeMillis
        const elapsed = Effect.map(Clock.currentTimeMillis, (now) => (now - startedAt) / 1000)
        const result = yield* executor.execute(run, runDir).pipe(
          Effect.tapError((error) =>
            Effect.flatMap(elapsed, (seconds) =>
              emit({
                _tag: "RunAttemptFailed",
                id: run.id,
                attempt: number,
                seconds,
                reason: error.message,
                willRetry: number <= options.retries
              })
            )
          )
        )
        return { result, number, seconds: yield* elapsed }
      })

      return yield* attempt.pipe(
        Effect.retry({ schedule: backoff, times: options.retries, while: (error) => error._tag === "RunFailed" }),
        Effect.flatMap(({ number, result, seconds }) =>
          Effect.gen(function*() {
            yield* store.markCompleted(run.id, result, yield* readMetrics(runDir))
            yield* emit({ _tag: "RunFinished", id: run.id, attempt: number, seconds, result })
            return { _tag: "Completed", result } satisfies RunOutcome
          })
        ),
        Effect.catchTag("RunFailed", (error) =>
          store.markFailed(run.id, error.message).pipe(
            Effect.as({ _tag: "Failed", id: run.id, reason: error.message } satisfies RunOutcome)
          )),
        // Otherwise the store would show the run as running forever.
        Effect.onInterrupt(() => Effect.ignore(store.markFailed(run.id, "the sweep was interrupted")))
      )
    })

    // Largest runs first: a run's time grows with its FLOPs, and starting the long ones early
    // leaves the short ones to fill the workers at the end instead of one long run alone.
    const longestFirst = [...uniqueRuns].sort((a, b) => b.flops - a.flops)
    const outcomes: ReadonlyArray<RunOutcome> = yield* Effect.forEach(longestFirst, (run) => {
      const runDir = runFolderPath(options.storeDir, run.id)
      return Effect.gen(function*() {
        if (!options.force && (yield* skipIfComplete(run, runDir))) return { _tag: "Skipped" } as const
        if (options.force) yield* clearRunOutputs(runDir)
        return yield* execute(run, runDir)
      })
    }, { concurrency: options.concurrency })

    return {
      completed: outcomes.flatMap((outcome) => outcome._tag === "Completed" ? [outcome.result] : []),
      failed: outcomes.flatMap((outcome) =>
        outcome._tag === "Failed" ? [{ id: outcome.id, reason: outcome.reason }] : []
      ),
      skipped: outcomes.filter((outcome) => outcome._tag === "Skipped").length
    } satisfies SweepOutcome
  }
)
