import { NodeServices } from "@effect/platform-node"
import type { RunSpec } from "@scalelab/spec"
import { Effect, Layer, Stream } from "effect"
import { ChildProcess, ChildProcessSpawner } from "effect/process"
import { open } from "node:fs/promises"
import { join } from "node:path"
import { readRunResult, removeRunResult, resultFile, workerLogFile } from "../runFolder.ts"
import { Executor } from "./Executor.ts"
import { RunFailed } from "./RunFailed.ts"

export interface WorkerCommand {
  readonly command: string
  readonly args: ReadonlyArray<string>
}

export interface LocalExecutorConfig {
  /** The process that trains the run in `runDir` (it follows the worker contract). */
  readonly workerCommand: (runDir: string) => WorkerCommand
  /** Lines of worker output kept for the failure reason (default 40). */
  readonly tailLines?: number
}

// A worker that ignores SIGTERM (stuck in native code, say) is killed outright after this.
const forceKillAfter = "5 seconds"

const makeLocalExecutor = (config: LocalExecutorConfig) =>
  Effect.gen(function*() {
    const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
    const tailLines = config.tailLines ?? 40

    const execute = Effect.fn("LocalExecutor.execute")(function*(run: RunSpec, runDir: string) {
      const logFile = join(runDir, workerLogFile)
      const tail: Array<string> = []
      const fail = (reason: string, exitCode: number | null) =>
        new RunFailed({ runId: run.id, reason, exitCode, logTail: tail.join("\n"), logFile })

      yield* removeRunResult(runDir).pipe(Effect.mapError((error) => fail(error.message, null)))

      const { command, args } = config.workerCommand(runDir)
      const commandLine = [command, ...args].join(" ")

      const exitCode = yield* Effect.scoped(Effect.gen(function*() {
        const log = yield* Effect.acquireRelease(
          Effect.tryPromise({
            try: () => open(logFile, "w"),
            catch: (cause) => fail(`cannot write ${logFile} (${String(cause)})`, null)
          }),
          (handle) => Effect.promise(() => handle.close())
        )
        // The child lives in this scope: interrupting the execution kills the worker.
        const worker = yield* spawner.spawn(
          ChildProcess.make(command, args, { stdin: "ignore", forceKillAfter })
        ).pipe(Effect.mapError((error) => fail(`could not start \`${commandLine}\` (${error.message})`, null)))

        yield* worker.all.pipe(
          Stream.tap((chunk) =>
            Effect.tryPromise({
              try: () => log.write(chunk),
              catch: (cause) => fail(`cannot write ${logFile} (${String(cause)})`, null)
            })
          ),
          Stream.decodeText(),
          Stream.splitLines,
          Stream.runForEach((line) =>
            Effect.sync(() => {
              tail.push(line)
              if (tail.length > tailLines) tail.shift()
            })
          ),
          Effect.catchTag("PlatformError", (error) => fail(`lost the worker's output (${error.message})`, null))
        )
        return yield* worker.exitCode.pipe(
          Effect.mapError((error) => fail(`the worker \`${commandLine}\` did not exit normally (${error.message})`, null))
        )
      }))

      if (exitCode !== 0) return yield* fail(`the worker \`${commandLine}\` exited with code ${exitCode}`, exitCode)

      const result = yield* readRunResult(runDir).pipe(
        Effect.mapError((error) => fail(`the worker exited normally but ${error.message}`, exitCode))
      )
      if (result.id !== run.id) {
        return yield* fail(`${join(runDir, resultFile)} is for run ${result.id}, not this one`, exitCode)
      }
      return result
    })

    return Executor.of({ execute })
  })

/** Runs each run's worker as a child process on this machine. */
export const LocalExecutor = {
  layer: (config: LocalExecutorConfig): Layer.Layer<Executor> =>
    Layer.effect(Executor, makeLocalExecutor(config)).pipe(Layer.provide(NodeServices.layer))
}
