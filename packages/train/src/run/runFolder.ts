// The run folder's files (the worker contract in docs/execution.md): run.json in; metrics.jsonl and
// result.json out, result.json last and atomically so that its presence means a finished run.
import { appendFileSync, existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { type MetricLine, type RunResult, RunSpec, runFolderFiles } from "@scalelab/spec"
import { Data, Effect, Runtime, Schema } from "effect"
import { writeFileAtomically } from "@scalelab/spec/atomic-file"

export class InvalidRunSpecError extends Data.TaggedError("InvalidRunSpecError")<{
  readonly file: string
  readonly problem: string
}> {
  override readonly [Runtime.errorExitCode] = 2
  override get message(): string {
    return `${this.file}: ${this.problem}\nFix the file (it is written by the planner) or plan the run again.`
  }
}

export class RunFolderWriteError extends Data.TaggedError("RunFolderWriteError")<{
  readonly file: string
  readonly cause: unknown
}> {
  override get message(): string {
    return `Could not write ${this.file}: ${String(this.cause)}. Check that the run folder exists and is writable.`
  }
}

export const runSpecFile = (runDir: string) => join(runDir, runFolderFiles.spec)
export const metricsFile = (runDir: string) => join(runDir, runFolderFiles.metrics)
export const resultFile = (runDir: string) => join(runDir, runFolderFiles.result)

export const readRunSpec = (runDir: string): Effect.Effect<RunSpec, InvalidRunSpecError> => readRunSpecFile(runSpecFile(runDir))

/** A run.json, wherever it lies, decoded and checked against the run contract. */
export const readRunSpecFile = (file: string): Effect.Effect<RunSpec, InvalidRunSpecError> =>
  Effect.try({
    try: () => JSON.parse(readFileSync(file, "utf8")) as unknown,
    catch: (error) => new InvalidRunSpecError({ file, problem: error instanceof Error ? error.message : String(error) })
  }).pipe(
    Effect.flatMap((json) =>
      Schema.decodeUnknownEffect(RunSpec)(json, { errors: "all" }).pipe(
        Effect.mapError((error) => new InvalidRunSpecError({ file, problem: error.message }))
      )
    )
  )

export const appendMetric = (runDir: string, line: MetricLine): Effect.Effect<void, RunFolderWriteError> =>
  Effect.try({
    try: () => appendFileSync(metricsFile(runDir), `${JSON.stringify(line)}\n`),
    catch: (cause) => new RunFolderWriteError({ file: metricsFile(runDir), cause })
  })

/** Writes result.json atomically (atomicFile.ts): its presence means a finished run. */
export const writeResult = (runDir: string, result: RunResult): Effect.Effect<void, RunFolderWriteError> => {
  const file = resultFile(runDir)
  return Effect.try({
    try: () => writeFileAtomically(file, `${JSON.stringify(result, null, 2)}\n`),
    catch: (cause) => new RunFolderWriteError({ file, cause })
  })
}

/**
 * Drops metric lines past `step`: a run resuming from the checkpoint of step s logs steps after s
 * again, and the lines a killed attempt wrote after its checkpoint would otherwise repeat.
 * Rewritten atomically, like result.json.
 */
export const truncateMetricsAfter = (runDir: string, step: number): Effect.Effect<void, RunFolderWriteError> => {
  const file = metricsFile(runDir)
  return Effect.try({
    try: () => {
      if (!existsSync(file)) return
      // A line cut short by a kill does not parse: it is dropped like a line past the step.
      const kept = readFileSync(file, "utf8").split("\n").filter((line) => {
        try {
          return (JSON.parse(line) as { step: number }).step <= step
        } catch {
          return false
        }
      })
      writeFileAtomically(file, kept.map((line) => `${line}\n`).join(""))
    },
    catch: (cause) => new RunFolderWriteError({ file, cause })
  })
}
