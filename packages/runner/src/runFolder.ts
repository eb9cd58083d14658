// The run folder (docs/execution.md, "The worker contract"): `<store>/runs/<id>/` holding run.json from the
// runner and metrics.jsonl + result.json from the worker. A run is complete exactly when its
// result.json exists and decodes, so that is what the runner asks the folder.
import { MetricLine, RunResult, RunSpec, runFolderFiles } from "@scalelab/spec"
import { Data, Effect, Option, Schema } from "effect"
import { writeFileAtomically } from "@scalelab/spec/atomic-file"
import { mkdirSync } from "node:fs"
import { readFile, rm } from "node:fs/promises"
import { join } from "node:path"

export const { spec: runSpecFile, result: resultFile, metrics: metricsFile, checkpoint: checkpointFile, final: finalFile } = runFolderFiles
export const workerLogFile = "worker.log"
/** The local worker's process id, while it runs: a restarted coordinator stops an orphan by it. */
export const workerPidFile = "worker.pid"

export const runFolderPath = (storeDir: string, id: string): string => join(storeDir, "runs", id)

/** The run folder could not be written or read for a reason other than a missing file. */
export class RunFolderError extends Data.TaggedError("RunFolderError")<{
  readonly path: string
  readonly cause: unknown
}> {
  override get message() {
    const detail = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `Cannot use ${this.path} (${detail}). Check that the store folder is writable and has free space.`
  }
}

/** result.json is absent or not a RunResult: the run has not (validly) finished. */
export class ResultUnreadable extends Data.TaggedError("ResultUnreadable")<{
  readonly path: string
  readonly problem: string
}> {
  override get message() {
    return `${this.path} ${this.problem}`
  }
}

const isMissingFile = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT"

/** Writes run.json so that a reader (or a crash) never sees half of it. */
export const writeRunSpec = (runDir: string, run: RunSpec): Effect.Effect<void, RunFolderError> => {
  const target = join(runDir, runSpecFile)
  return Effect.try({
    try: () => {
      mkdirSync(runDir, { recursive: true })
      writeFileAtomically(target, JSON.stringify(run, null, 2) + "\n")
    },
    catch: (cause) => new RunFolderError({ path: target, cause })
  })
}

const decodeResult = Schema.decodeUnknownEffect(Schema.fromJsonString(RunResult))
const decodeRunSpec = Schema.decodeUnknownEffect(Schema.fromJsonString(RunSpec))

/** run.json as the runner last wrote it; fails when it is absent or from an older format. */
export const readRunSpec = (runDir: string): Effect.Effect<RunSpec, ResultUnreadable> => {
  const path = join(runDir, runSpecFile)
  return Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (error) => new ResultUnreadable({ path, problem: `cannot be read (${String(error)})` })
  }).pipe(
    Effect.flatMap((text) =>
      decodeRunSpec(text).pipe(Effect.mapError((error) => new ResultUnreadable({ path, problem: `is not a run spec: ${error.message}` })))
    )
  )
}

export const readRunResult = (runDir: string): Effect.Effect<RunResult, ResultUnreadable> => {
  const path = join(runDir, resultFile)
  return Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (error) =>
      new ResultUnreadable({
        path,
        problem: isMissingFile(error) ? "was not written" : `cannot be read (${String(error)})`
      })
  }).pipe(
    Effect.flatMap((text) =>
      decodeResult(text).pipe(
        Effect.mapError((error) => new ResultUnreadable({ path, problem: `is not a valid result: ${error.message}` }))
      )
    )
  )
}

/** A result left by an earlier execution must not be mistaken for the next one's. */
export const removeRunResult = (runDir: string): Effect.Effect<void, RunFolderError> => {
  const path = join(runDir, resultFile)
  return Effect.tryPromise({
    try: () => rm(path, { force: true }),
    catch: (cause) => new RunFolderError({ path, cause })
  })
}

const decodeMetricLine = Schema.decodeUnknownOption(Schema.fromJsonString(MetricLine))

/**
 * The metric lines of a run. Lines that do not decode are left out: a worker killed mid-write
 * leaves a partial last line, and the metrics are a record, not the result.
 */
export const readMetrics = (runDir: string): Effect.Effect<ReadonlyArray<MetricLine>, RunFolderError> => {
  const path = join(runDir, metricsFile)
  return Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (cause) => new RunFolderError({ path, cause })
  }).pipe(
    Effect.catchIf((error) => isMissingFile(error.cause), () => Effect.succeed("")),
    Effect.map((text) => text.split("\n").flatMap((line) => Option.toArray(decodeMetricLine(line))))
  )
}

/**
 * Clears what an earlier execution of a run wrote (its spec, result, metrics, checkpoint, final
 * weights) so that a forced rerun starts from step 0 at the planned learning rate instead of
 * resuming, its metric lines are not appended to the old ones, and no anneal starts from its old end.
 */
export const clearRunOutputs = (runDir: string): Effect.Effect<void, RunFolderError> =>
  Effect.forEach([runSpecFile, resultFile, metricsFile, checkpointFile, finalFile], (name) => {
    const path = join(runDir, name)
    return Effect.tryPromise({
      try: () => rm(path, { force: true }),
      catch: (cause) => new RunFolderError({ path, cause })
    })
  }, { discard: true })
