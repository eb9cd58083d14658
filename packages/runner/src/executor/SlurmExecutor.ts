import { NodeServices } from "@effect/platform-node"
import type { RunSpec } from "@scalelab/spec"
import { Duration, Effect, Layer, Option, Schedule } from "effect"
import { ChildProcessSpawner } from "effect/process"
import { join, resolve } from "node:path"
import { readRunResult, removeRunResult, resultFile, workerLogFile } from "../runFolder.ts"
import { type ExecutionHooks, Executor } from "./Executor.ts"
import type { WorkerCommand } from "./LocalExecutor.ts"
import { followMetrics, watchMetrics } from "./metricsFollower.ts"
import { type FailureKind, RunFailed } from "./RunFailed.ts"
import { jobScript, readJobRecord, writeJobRecord, writeJobScript } from "./slurm/jobFiles.ts"
import { judgeJobEnd } from "./slurm/jobVerdict.ts"
import { makeJobWatcher } from "./slurm/jobWatcher.ts"
import { readLogTail } from "./slurm/logTail.ts"
import { sbatchArguments, type SlurmJobOptions } from "./slurm/sbatchArguments.ts"
import { makeSlurmClient } from "./slurm/slurmClient.ts"
import { slurmCommandRunner } from "./slurm/slurmCommand.ts"

export type { SlurmJobOptions } from "./slurm/sbatchArguments.ts"

export interface SlurmExecutorConfig {
  /** The worker's command line for the run in `runDir`; the job runs it on a node of the cluster. */
  readonly workerCommand: (runDir: string) => WorkerCommand
  /** The job's working directory (sbatch --chdir; default this process's). */
  readonly workingDir?: string
  /** What each job asks of Slurm (the spec's `execution.slurm`). */
  readonly slurm: SlurmJobOptions
  /** Seconds a running job may go without a new metric line before it is cancelled as hung; 0 never. */
  readonly hangTimeoutSeconds: number
  /** Job names are this followed by the run id, which tells a sweep's jobs apart in squeue (default `scalelab-`). */
  readonly jobNamePrefix?: string
  /** Lines of worker.log kept for the failure reason (default 40). */
  readonly tailLines?: number
  /**
   * After scancel, how long to wait for the job to leave the queue (default 90 s: Slurm allows a
   * job KillWait, 30 s by default, between SIGTERM and SIGKILL, and its node then cleans up).
   */
  readonly cancelWait?: Duration.Input
}

// The store is on a file system shared with the compute nodes, which may show a file written on
// a node a moment late (NFS caches attributes for a few seconds).
const sharedFileSystemDelay = { times: 5, schedule: Schedule.spaced("1 second") } as const

const makeSlurmExecutor = (config: SlurmExecutorConfig) =>
  Effect.gen(function*() {
    const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
    const slurm = makeSlurmClient(slurmCommandRunner(spawner))
    const watchJob = yield* makeJobWatcher(slurm, Duration.seconds(config.slurm.poll_seconds))
    const jobNamePrefix = config.jobNamePrefix ?? "scalelab-"
    const tailLines = config.tailLines ?? 40
    const cancelWait = Duration.fromInputUnsafe(config.cancelWait ?? "90 seconds")

    // Slurm sends SIGTERM, the worker checkpoints and exits, and the job leaves the queue: only
    // then has the run stopped writing its folder.
    const cancelJob = (jobId: string) =>
      slurm.cancel(jobId).pipe(
        Effect.andThen(slurm.queued([jobId]).pipe(
          Effect.repeat({ schedule: Schedule.spaced("1 second"), until: (jobs) => !jobs.has(jobId) })
        )),
        Effect.timeoutOption(cancelWait),
        Effect.flatMap(Option.match({
          onSome: () => Effect.void,
          onNone: () =>
            Effect.logWarning(
              `Slurm job ${jobId} was cancelled but is still in the queue after ${Duration.format(cancelWait)}; ` +
                `check it with \`squeue -j ${jobId}\``
            )
        })),
        Effect.catch((error) => Effect.logWarning(`Could not cancel Slurm job ${jobId}: ${error.message}`))
      )

    const execute = Effect.fn("SlurmExecutor.execute")(function*(run: RunSpec, runDir: string, hooks: ExecutionHooks) {
      const logFile = join(runDir, workerLogFile)
      const jobName = `${jobNamePrefix}${run.id}`
      const fail = (kind: FailureKind, reason: string, details: { readonly jobId?: string; readonly exitCode?: number | null }) =>
        Effect.flatMap(readLogTail(logFile, tailLines), (logTail) =>
          Effect.fail(
            new RunFailed({
              runId: run.id,
              kind,
              reason,
              exitCode: details.exitCode ?? null,
              logTail,
              logFile,
              ...(details.jobId === undefined ? {} : { jobId: details.jobId })
            })
          ))

      // A job still queued for this run folder was submitted by a coordinator that died: waiting
      // on it, rather than submitting another, keeps two workers from writing one folder.
      const adoptOrSubmit = Effect.gen(function*() {
        const record = yield* readJobRecord(runDir)
        if (Option.isSome(record)) {
          const { job_id: jobId } = record.value
          // The name guards against a job id reused by a cluster whose state was reset.
          if ((yield* slurm.queued([jobId])).get(jobId)?.name === jobName) return jobId
        }
        yield* removeRunResult(runDir)
        const script = yield* Effect.fromResult(jobScript(run.id, resolve(runDir), config.workerCommand(runDir)))
        const scriptPath = yield* writeJobScript(runDir, script)
        const jobId = yield* slurm.submit(sbatchArguments({
          slurm: config.slurm,
          jobName,
          workingDir: resolve(config.workingDir ?? "."),
          logFile: resolve(logFile),
          scriptPath: resolve(scriptPath)
        }))
        yield* writeJobRecord(runDir, { job_id: jobId, job_name: jobName, submitted_at: new Date().toISOString() }).pipe(
          Effect.tapError(() => cancelJob(jobId))
        )
        return jobId
      }).pipe(Effect.catch((error) => fail("unstartable", `could not submit the run's Slurm job: ${error.message}`, {})))

      let jobEnded = false
      // Made before the job exists, so that every line the job writes is reported and checked.
      const follower = yield* followMetrics(runDir, config.hangTimeoutSeconds)
      const jobId = yield* Effect.scoped(Effect.gen(function*() {
        // The job belongs to this execution: whatever ends the wait before the job has ended by
        // itself (interruption, a hang, a broken contract, losing touch with Slurm) cancels it.
        const jobId = yield* Effect.acquireRelease(adoptOrSubmit, (jobId) => jobEnded ? Effect.void : cancelJob(jobId))
        yield* Effect.gen(function*() {
          const job = yield* watchJob(jobId)
          // Time spent pending in the queue does not count against the hang timeout.
          yield* job.started
          yield* follower.restartHangClock
          yield* Effect.raceFirst(job.ended, watchMetrics(follower, hooks.onMetric))
          jobEnded = true
          // Lines written just before the end, which the last poll may not have seen.
          for (const line of yield* follower.readNew) yield* hooks.onMetric(line)
        }).pipe(Effect.catchTags({
          SlurmCommandFailed: (error) => fail("unstartable", `lost track of Slurm job ${jobId}: ${error.message}`, { jobId }),
          MetricsProblem: (problem) => fail(problem.kind, problem.reason, { jobId })
        }))
        return jobId
      }))

      const verdict = judgeJobEnd(jobId, Option.getOrUndefined(yield* slurm.jobEnd(jobId)))
      if (verdict._tag === "Failed") return yield* fail(verdict.kind, verdict.reason, { jobId, exitCode: verdict.exitCode })

      const result = yield* readRunResult(runDir).pipe(
        Effect.retry(sharedFileSystemDelay),
        Effect.catch((error) => fail("malformed", `Slurm job ${jobId} completed but ${error.message}`, { jobId, exitCode: 0 }))
      )
      if (result.id !== run.id) {
        return yield* fail("malformed", `${join(runDir, resultFile)} is for run ${result.id}, not this one`, { jobId, exitCode: 0 })
      }
      return result
    })

    return Executor.of({ name: "slurm", execute })
  })

/**
 * Runs each run as a Slurm batch job (sbatch), from a coordinator on a machine that shares the
 * store's file system with the cluster's nodes (a login node): job states come from squeue, the
 * run's progress from its metrics.jsonl.
 */
export const SlurmExecutor = {
  layer: (config: SlurmExecutorConfig): Layer.Layer<Executor> =>
    Layer.effect(Executor, makeSlurmExecutor(config)).pipe(Layer.provide(NodeServices.layer))
}
