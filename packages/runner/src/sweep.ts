import type { RunResult, RunSpec } from "@scalelab/spec"
import { Clock, Data, Duration, Effect, Option, Runtime } from "effect"
import { crashPoint } from "./crashPoint.ts"
import { Executor } from "./executor/Executor.ts"
import type { RunFailed } from "./executor/RunFailed.ts"
import { clearRunOutputs, readMetrics, readRunResult, readRunSpec, runFolderPath, writeRunSpec } from "./runFolder.ts"
import { distinctRuns, startOrder } from "./schedule.ts"
import type { RunStatus } from "./store/rows.ts"
import { RunStore } from "./store/RunStore.ts"
import type { SweepEvent } from "./sweepEvents.ts"
import { holdSweepLock } from "./sweepLock.ts"

export interface DivergencePolicy {
  /** Times a diverged run is retrained from scratch with a lower learning rate. */
  readonly retries: number
  /** Each retry's learning rate is the previous one times this. */
  readonly lrFactor: number
}

export interface SweepOptions {
  /** The store folder: the database and `runs/<id>/` live here. */
  readonly storeDir: string
  /** Runs executing at once. */
  readonly concurrency: number
  /** Further attempts after a run's attempt fails in a way another attempt could fix. */
  readonly retries: number
  /** Rerun these runs even if complete (all runs with `true`). */
  readonly force?: boolean | ReadonlySet<string>
  /** Wait before the first retry; each further retry waits twice as long (default 1 second). */
  readonly backoff?: Duration.Input
  readonly divergence?: DivergencePolicy
  /** The experiment as written, recorded with it in the store. */
  readonly experimentSpec?: unknown
  /** Why each run is in the plan, recorded with it (adaptive sweeps explain their sizes). */
  readonly planReasons?: ReadonlyMap<string, string>
  readonly onEvent?: (event: SweepEvent) => Effect.Effect<void>
}

export interface SweepOutcome {
  /** Runs this sweep executed to the end (status `completed` or `diverged`). */
  readonly completed: ReadonlyArray<RunResult>
  /** Runs that failed for good; `reason` ends with the worker's last output. */
  readonly failed: ReadonlyArray<{ readonly id: string; readonly reason: string }>
  /** Runs already complete in their folders, not run again. */
  readonly skipped: number
}

export class SweepInputError extends Data.TaggedError("SweepInputError")<{
  readonly experiment: string
  readonly runId: string
  readonly runExperiment: string
}> {
  override readonly [Runtime.errorExitCode] = 2
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

const withLearningRate = (run: RunSpec, lr: number): RunSpec =>
  lr === run.training.lr ? run : { ...run, training: { ...run.training, lr } }

/**
 * Brings every run of a plan to an end: runs complete in their folders are skipped (and put back
 * in the store if it lost them), the others are executed with retries (resuming from their
 * checkpoints), and a run that keeps failing is recorded as failed without stopping the rest.
 * Safe to repeat after a crash, and after the coordinator itself was killed at any instant.
 */
export const runSweep = Effect.fn("runSweep")(
  function*(experimentName: string, runs: ReadonlyArray<RunSpec>, options: SweepOptions) {
    const store = yield* RunStore
    const executor = yield* Executor
    const emit = options.onEvent ?? (() => Effect.void)
    const divergence = options.divergence ?? { retries: 0, lrFactor: 0.5 }
    const backoffMillis = Duration.toMillis(Duration.fromInputUnsafe(options.backoff ?? "1 second"))
    const forced = (id: string) => options.force === true || (options.force instanceof Set && options.force.has(id))

    const stranger = runs.find((run) => run.experiment !== experimentName)
    if (stranger !== undefined) {
      return yield* new SweepInputError({
        experiment: experimentName,
        runId: stranger.id,
        runExperiment: stranger.experiment
      })
    }
    yield* holdSweepLock(options.storeDir)
    // Attempts still `running` belong to a coordinator that was killed: this one takes them over.
    yield* store.abandonRunningAttempts()
    const uniqueRuns = distinctRuns(runs)

    yield* store.upsertExperiment(experimentName, options.experimentSpec ?? null)
    yield* store.recordPlanned(uniqueRuns, options.planReasons)
    const statusById = new Map((yield* store.listRuns(experimentName)).map((row) => [row.id, row.status]))

    const skipIfComplete = Effect.fnUntraced(function*(run: RunSpec, runDir: string) {
      const existing = yield* Effect.option(readRunResult(runDir))
      if (Option.isNone(existing)) return false
      const status = statusById.get(run.id)
      const healed = status === undefined || !finished.has(status)
      if (healed) yield* store.markCompleted(run.id, null, existing.value, yield* readMetrics(runDir))
      yield* emit({ _tag: "RunSkipped", id: run.id, healed })
      return true
    })

    const execute = Effect.fnUntraced(function*(run: RunSpec, runDir: string) {
      // A run retried after diverging trains at a lower learning rate, and its checkpoint holds
      // that training: resuming it (after a coordinator crash, say) keeps the rate run.json has.
      const written = yield* Effect.option(readRunSpec(runDir))
      const resumedLr = Option.isSome(written) && written.value.id === run.id ? written.value.training.lr : run.training.lr
      let lr = resumedLr
      let lrRetries = Math.round(Math.log(lr / run.training.lr) / Math.log(divergence.lrFactor))
      yield* writeRunSpec(runDir, withLearningRate(run, lr))
      let failures = 0

      for (;;) {
        const attempt = yield* store.startAttempt(run.id, { executor: executor.name, lr })
        yield* emit({ _tag: "RunStarted", id: run.id, attempt, lr })
        const startedAt = yield* Clock.currentTimeMillis
        const elapsed = Effect.map(Clock.currentTimeMillis, (now) => (now - startedAt) / 1000)
        const outcome = yield* executor.execute(withLearningRate(run, lr), runDir, {
          onMetric: (line) =>
            emit({
              _tag: "RunProgress",
              id: run.id,
              step: line.step,
              tokens: line.tokens,
              ...(line.loss === undefined ? {} : { loss: line.loss }),
              ...(line.val_loss === undefined ? {} : { val_loss: line.val_loss }),
              ...(line.tokens_per_s === undefined ? {} : { tokens_per_s: line.tokens_per_s })
            })
        }).pipe(
          Effect.result,
          // Otherwise the store would show the run as running forever.
          Effect.onInterrupt(() =>
            Effect.andThen(
              Effect.ignore(store.markInterrupted(run.id, attempt)),
              emit({ _tag: "RunInterrupted", id: run.id, attempt })
            )
          )
        )
        const seconds = yield* elapsed

        if (outcome._tag === "Failure") {
          const error: RunFailed = outcome.failure
          failures++
          const final = !error.retryable || failures > options.retries
          yield* store.recordAttemptFailure(run.id, attempt, {
            kind: error.kind,
            reason: error.reason,
            logTail: error.logTail,
            exitCode: error.exitCode,
            ...(error.jobId === undefined ? {} : { jobId: error.jobId })
          }, final)
          yield* emit({ _tag: "RunAttemptFailed", id: run.id, attempt, seconds, kind: error.kind, reason: error.message, willRetry: !final })
          if (final) return { _tag: "Failed", id: run.id, reason: error.message } satisfies RunOutcome
          yield* Effect.sleep(backoffMillis * 2 ** (failures - 1))
          continue
        }

        const result = outcome.success
        if (result.status === "diverged" && lrRetries < divergence.retries) {
          lrRetries++
          const lower = lr * divergence.lrFactor
          const reason = `diverged (non-finite loss) at lr ${lr.toExponential(3)}; retrained from scratch at lr ` +
            `${lower.toExponential(3)} (execution.divergence, retry ${lrRetries} of ${divergence.retries})`
          yield* store.recordAttemptFailure(run.id, attempt, { kind: "diverged", reason, logTail: "", exitCode: 0 }, false)
          yield* emit({ _tag: "RunAttemptFailed", id: run.id, attempt, seconds, kind: "diverged", reason, willRetry: true })
          lr = lower
          yield* clearRunOutputs(runDir)
          yield* writeRunSpec(runDir, withLearningRate(run, lr))
          continue
        }

        yield* store.markCompleted(run.id, attempt, result, yield* readMetrics(runDir))
        yield* emit({ _tag: "RunFinished", id: run.id, attempt, seconds, result })
        crashPoint("between-runs")
        return { _tag: "Completed", result } satisfies RunOutcome
      }
    })

    const outcomes: ReadonlyArray<RunOutcome> = yield* Effect.forEach(startOrder(uniqueRuns), (run) => {
      const runDir = runFolderPath(options.storeDir, run.id)
      return Effect.gen(function*() {
        if (forced(run.id)) yield* clearRunOutputs(runDir)
        else if (yield* skipIfComplete(run, runDir)) return { _tag: "Skipped" } as const
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
  },
  Effect.scoped
)
