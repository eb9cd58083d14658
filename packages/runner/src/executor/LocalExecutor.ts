import { NodeServices } from "@effect/platform-node"
import { type RunSpec, workerEnvironment } from "@scalelab/spec"
import { Duration, Effect, Layer, Stream } from "effect"
import { ChildProcess, ChildProcessSpawner } from "effect/process"
import { open } from "node:fs/promises"
import { join, resolve } from "node:path"
import { readRunResult, removeRunResult, resultFile, workerLogFile } from "../runFolder.ts"
import { type ExecutionHooks, Executor } from "./Executor.ts"
import { followMetrics, watchMetrics } from "./metricsFollower.ts"
import { awaitWorkerGroup, forgetWorker, recordWorker, stopOrphanWorker } from "./orphanWorker.ts"
import { type FailureKind, RunFailed } from "./RunFailed.ts"

export interface WorkerCommand {
  readonly command: string
  readonly args: ReadonlyArray<string>
}

export interface LocalExecutorConfig {
  /** `local` for the built-in trainer, `command` for an external one. */
  readonly name: string
  /** The process that trains the run in `runDir` (it follows the worker contract). */
  readonly workerCommand: (runDir: string) => WorkerCommand
  /** Seconds without a new metric line before the worker is killed as hung; 0 never. */
  readonly hangTimeoutSeconds: number
  /** The worker's working directory (default: this process's). */
  readonly cwd?: string
  /** Lines of worker output kept for the failure reason (default 40). */
  readonly tailLines?: number
  /**
   * After SIGTERM, how long a worker may take to checkpoint and exit before SIGKILL (default
   * 60 s: a checkpoint waits for the step under way, and a large model's step can be long).
   */
  readonly stopGracePeriod?: Duration.Input
}

/** Exit code 2 is the worker contract's "bad input": running it again cannot help. */
const badInputExitCode = 2

const failureKindOf = (exitCode: number): FailureKind => exitCode === badInputExitCode ? "bad_input" : "crashed"

const exitReason = (commandLine: string, exitCode: number): string =>
  exitCode === badInputExitCode
    ? `the worker \`${commandLine}\` refused its input (exit code 2): fix run.json, its data or its checkpoint`
    : exitCode === 128 + 9
    ? `the worker \`${commandLine}\` was killed by SIGKILL (exit code 137; from the OS, this often means it ran out of memory)`
    : exitCode > 128
    ? `the worker \`${commandLine}\` was killed by signal ${exitCode - 128} (exit code ${exitCode})`
    : `the worker \`${commandLine}\` exited with code ${exitCode}`

const makeLocalExecutor = (config: LocalExecutorConfig) =>
  Effect.gen(function*() {
    const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
    const tailLines = config.tailLines ?? 40
    const stopGracePeriod = Duration.fromInputUnsafe(config.stopGracePeriod ?? "60 seconds")

    const execute = Effect.fn("LocalExecutor.execute")(function*(run: RunSpec, runDir: string, hooks: ExecutionHooks) {
      const logFile = join(runDir, workerLogFile)
      const tail: Array<string> = []
      const fail = (kind: FailureKind, reason: string, exitCode: number | null) =>
        new RunFailed({ runId: run.id, kind, reason, exitCode, logTail: tail.join("\n"), logFile })

      yield* stopOrphanWorker(runDir, Duration.toMillis(stopGracePeriod))
      yield* removeRunResult(runDir).pipe(Effect.mapError((error) => fail("unstartable", error.message, null)))

      const { command, args } = config.workerCommand(runDir)
      const commandLine = [command, ...args].join(" ")
      const follower = yield* followMetrics(runDir, config.hangTimeoutSeconds)

      const exitCode = yield* Effect.scoped(Effect.gen(function*() {
        // Appended: the log keeps every attempt's output, each under its own header.
        const log = yield* Effect.acquireRelease(
          Effect.tryPromise({
            try: () => open(logFile, "a"),
            catch: (cause) => fail("unstartable", `cannot write ${logFile} (${String(cause)})`, null)
          }),
          (handle) => Effect.promise(() => handle.close())
        )
        yield* Effect.promise(() => log.write(`=== ${new Date().toISOString()} ${commandLine}\n`))
        // Finalizers run last-added first: this one, added before the child, runs after the spawner
        // has signalled the worker's group and seen its leader exit, and waits for the rest.
        let workerPid: number | undefined
        yield* Effect.addFinalizer(() =>
          workerPid === undefined
            ? Effect.void
            : Effect.andThen(awaitWorkerGroup(workerPid, Duration.toMillis(stopGracePeriod)), forgetWorker(runDir))
        )
        // The child lives in this scope: interrupting the execution stops the worker (SIGTERM to
        // its process group, then SIGKILL after the grace period) and waits for it to exit.
        const worker = yield* spawner.spawn(
          ChildProcess.make(command, args, {
            // stdin stays an open pipe: the worker's lifeline to this process (workerEnvironment).
            // Absolute: a worker may run in another folder (`cwd`).
            env: { ...process.env, [workerEnvironment.runDir]: resolve(runDir), [workerEnvironment.stdinLifeline]: "1" },
            forceKillAfter: stopGracePeriod,
            ...(config.cwd === undefined ? {} : { cwd: config.cwd })
          })
        ).pipe(Effect.mapError((error) => fail("unstartable", `could not start \`${commandLine}\` (${error.message})`, null)))
        workerPid = worker.pid
        yield* recordWorker(runDir, worker.pid)

        const output = worker.all.pipe(
          Stream.tap((chunk) =>
            Effect.tryPromise({
              try: () => log.write(chunk),
              catch: (cause) => fail("unstartable", `cannot write ${logFile} (${String(cause)})`, null)
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
          Effect.catchTag("PlatformError", (error) => fail("unstartable", `lost the worker's output (${error.message})`, null)),
          Effect.andThen(worker.exitCode),
          Effect.mapError((error) =>
            error._tag === "RunFailed" ? error : fail("crashed", `the worker \`${commandLine}\` did not exit normally (${error.message})`, null)
          )
        )
        // Whichever ends first: the worker exits, or its metrics show it hung or broke the contract
        // (then closing this scope stops it).
        return yield* Effect.raceFirst(
          output,
          watchMetrics(follower, hooks.onMetric).pipe(Effect.mapError((problem) => fail(problem.kind, problem.reason, null)))
        )
      }))

      // Lines written just before the exit, which the last poll may not have seen.
      for (const line of yield* follower.readNew.pipe(Effect.mapError((problem) => fail(problem.kind, problem.reason, exitCode)))) {
        yield* hooks.onMetric(line)
      }
      if (exitCode !== 0) return yield* fail(failureKindOf(exitCode), exitReason(commandLine, exitCode), exitCode)

      const result = yield* readRunResult(runDir).pipe(
        Effect.mapError((error) => fail("malformed", `the worker exited normally but ${error.message}`, exitCode))
      )
      if (result.id !== run.id) {
        return yield* fail("malformed", `${join(runDir, resultFile)} is for run ${result.id}, not this one`, exitCode)
      }
      return result
    })

    return Executor.of({ name: config.name, execute })
  })

/** Runs each run's worker as a child process on this machine. */
export const LocalExecutor = {
  layer: (config: LocalExecutorConfig): Layer.Layer<Executor> =>
    Layer.effect(Executor, makeLocalExecutor(config)).pipe(Layer.provide(NodeServices.layer))
}
