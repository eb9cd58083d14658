// What a run's folder holds for its Slurm job: job.sh, the batch script submitted, and
// slurm-job.json, the job's id, written once sbatch has answered so that a coordinator restarted
// after a crash finds the job still at work on the run instead of submitting a second one.
import { workerEnvironment } from "@scalelab/spec"
import { writeFileAtomically } from "@scalelab/spec/atomic-file"
import { Data, Effect, Option, Result, Schema } from "effect"
import { CommandLine } from "effect/process"
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import type { WorkerCommand } from "../LocalExecutor.ts"

const jobScriptFile = "job.sh"
export const jobRecordFile = "slurm-job.json"

export const JobRecord = Schema.Struct({
  job_id: Schema.String,
  job_name: Schema.String,
  submitted_at: Schema.String
})
export type JobRecord = typeof JobRecord.Type

/** A file of the run folder's Slurm job could not be written. */
export class JobFileError extends Data.TaggedError("JobFileError")<{
  readonly path: string
  readonly cause: unknown
}> {
  override get message() {
    const detail = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `cannot write ${this.path} (${detail}); check that the store folder is writable and has free space`
  }
}

/**
 * The batch script: it `exec`s the worker, so that the worker is the job's process and the SIGTERM
 * Slurm sends on scancel or at the time limit reaches it (it then checkpoints), rather than a shell.
 */
export const jobScript = (runId: string, runDir: string, worker: WorkerCommand): Result.Result<string, CommandLine.CommandLineError> =>
  Result.flatMap(CommandLine.quote(runDir), (quotedRunDir) =>
    Result.map(CommandLine.join([worker.command, ...worker.args]), (commandLine) =>
      [
        "#!/bin/sh",
        `# The Slurm job of run ${runId}, written by scalelab for each submission.`,
        // A batch job's stdin is /dev/null, not a pipe from the coordinator: no lifeline to follow,
        // even if the environment sbatch exported says otherwise.
        `unset ${workerEnvironment.stdinLifeline}`,
        `${workerEnvironment.runDir}=${quotedRunDir}`,
        `export ${workerEnvironment.runDir}`,
        // Each attempt's output in worker.log starts under its own header.
        `echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) Slurm job $SLURM_JOB_ID on $(uname -n)"`,
        `exec ${commandLine}`,
        ""
      ].join("\n")))

/** Writes job.sh and returns its path. */
export const writeJobScript = (runDir: string, script: string): Effect.Effect<string, JobFileError> => {
  const path = join(runDir, jobScriptFile)
  return Effect.try({
    try: () => {
      writeFileAtomically(path, script)
      return path
    },
    catch: (cause) => new JobFileError({ path, cause })
  })
}

export const writeJobRecord = (runDir: string, record: JobRecord): Effect.Effect<void, JobFileError> => {
  const path = join(runDir, jobRecordFile)
  return Effect.try({
    try: () => writeFileAtomically(path, JSON.stringify(record, null, 2) + "\n"),
    catch: (cause) => new JobFileError({ path, cause })
  })
}

const decodeRecord = Schema.decodeUnknownOption(Schema.fromJsonString(JobRecord))

/** The job last submitted for the run, if any. */
export const readJobRecord = (runDir: string): Effect.Effect<Option.Option<JobRecord>> =>
  Effect.promise(() => readFile(join(runDir, jobRecordFile), "utf8").catch(() => "")).pipe(
    Effect.map((text) => text === "" ? Option.none() : decodeRecord(text))
  )
