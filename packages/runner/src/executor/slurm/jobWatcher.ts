// Follows the jobs of all runs executing at once with one squeue call per poll interval, however
// many runs there are: a controller serving a whole cluster should not get a query per run every
// few seconds.
import { Deferred, type Duration, Effect, Schedule, type Scope } from "effect"
import type { SlurmClient } from "./slurmClient.ts"
import type { SlurmCommandFailed } from "./slurmCommand.ts"

/** One job's progress through the queue, as the watcher sees it. */
export interface WatchedJob {
  /** Completes once the job runs (or has already ended): the time it waits in the queue is not the worker's. */
  readonly started: Effect.Effect<void, SlurmCommandFailed>
  /** Completes once the job has left the queue, however it ended. */
  readonly ended: Effect.Effect<void, SlurmCommandFailed>
}

/** Watches a job until the scope closes. */
export type WatchJob = (jobId: string) => Effect.Effect<WatchedJob, never, Scope.Scope>

// Job states in which the worker is (or may be) at work. CONFIGURING (nodes booting) and
// SUSPENDED leave it idle; REQUEUED and PENDING have not started it.
const runningStates: ReadonlySet<string> = new Set(["RUNNING", "COMPLETING", "SIGNALING", "STAGE_OUT"])

interface Entry {
  readonly started: Deferred.Deferred<void, SlurmCommandFailed>
  readonly ended: Deferred.Deferred<void, SlurmCommandFailed>
  watchers: number
}

/**
 * Starts polling in the current scope. A failing squeue is tried twice more, one interval apart,
 * before the jobs' watchers are told: a busy controller sometimes times out once.
 */
export const makeJobWatcher = (
  slurm: Pick<SlurmClient, "queued">,
  every: Duration.Input
): Effect.Effect<WatchJob, never, Scope.Scope> =>
  Effect.gen(function*() {
    const entries = new Map<string, Entry>()

    const poll = Effect.gen(function*() {
      if (entries.size === 0) return
      const ids = [...entries.keys()]
      const queued = yield* slurm.queued(ids).pipe(
        Effect.retry({ times: 2, schedule: Schedule.spaced(every) }),
        Effect.result
      )
      for (const id of ids) {
        const entry = entries.get(id)
        if (entry === undefined) continue
        if (queued._tag === "Failure") {
          yield* Deferred.fail(entry.started, queued.failure)
          yield* Deferred.fail(entry.ended, queued.failure)
          continue
        }
        const job = queued.success.get(id)
        if (job === undefined || runningStates.has(job.state)) yield* Deferred.succeed(entry.started, undefined)
        if (job === undefined) yield* Deferred.succeed(entry.ended, undefined)
      }
    })
    yield* Effect.forkScoped(poll.pipe(Effect.andThen(Effect.sleep(every)), Effect.forever))

    const register = (jobId: string) =>
      Effect.gen(function*() {
        const existing = entries.get(jobId)
        if (existing !== undefined) {
          existing.watchers++
          return existing
        }
        const entry: Entry = {
          started: yield* Deferred.make<void, SlurmCommandFailed>(),
          ended: yield* Deferred.make<void, SlurmCommandFailed>(),
          watchers: 1
        }
        entries.set(jobId, entry)
        return entry
      })
    const unregister = (jobId: string, entry: Entry) =>
      Effect.sync(() => {
        if (--entry.watchers === 0) entries.delete(jobId)
      })

    return (jobId: string) =>
      Effect.acquireRelease(register(jobId), (entry) => unregister(jobId, entry)).pipe(
        Effect.map((entry) => ({ started: Deferred.await(entry.started), ended: Deferred.await(entry.ended) }))
      )
  })
