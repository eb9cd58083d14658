// The built-in trainer's entry point: `node --import tsx packages/train/src/run/worker.ts RUN_DIR`.
// Exit codes, the worker contract (docs/execution.md) that the runner's executors read to decide
// whether to try a run again:
//   0   trained (completed or diverged, see result.json);
//   2   bad input (run.json, its data or its checkpoint): an error whose class carries
//       `[Runtime.errorExitCode] = 2`. Running again cannot help, so the run is not retried;
//   1   training failed (any other error): retried, resuming from the checkpoint;
//   143 stopped by SIGTERM after saving a checkpoint (run it again to resume).
import { workerEnvironment } from "@scalelab/spec"
import { Effect, Runtime } from "effect"
import { parameterLayout } from "../model/parameters.ts"
import { loadCheckpoint, loadInitialCheckpoint, saveCheckpoint, saveFinalCheckpoint } from "./checkpoint.ts"
import { appendMetric, readRunSpec, truncateMetricsAfter, writeResult } from "./runFolder.ts"
import { trainRun } from "./trainRun.ts"

const usage =
  "usage: worker RUN_DIR [--cache-dir DIR]\n" +
  "  RUN_DIR holds run.json; metrics.jsonl, checkpoint.bin, final.bin (with save_final) and result.json are written there.\n" +
  "  --cache-dir: where trained tokenizers are cached and shared between runs (default: none, train in memory)."

/** 128 + SIGTERM's number, what a shell reports for a process ended by SIGTERM. */
export const interruptedExitCode = 143

const badInputExitCode = 2
const failureExitCode = 1

let stopRequested = false
const requestStop = () => {
  stopRequested = true
}
// SIGINT too: a worker started by hand is stopped with Ctrl-C, and should checkpoint as well.
process.on("SIGTERM", requestStop)
process.on("SIGINT", requestStop)
// A coordinator killed outright (SIGKILL) cannot signal its workers, but the pipe it holds on
// their stdin closes: the worker then checkpoints and stops rather than train on as an orphan
// beside the worker a restarted coordinator starts for the same run.
if (process.env[workerEnvironment.stdinLifeline] === "1") {
  process.stdin.on("end", requestStop)
  process.stdin.on("error", requestStop)
  process.stdin.resume()
}

const train = (runDir: string, cacheDirectory: string | undefined) =>
  Effect.gen(function* () {
    const spec = yield* readRunSpec(runDir)
    const { init } = spec
    const outcome = yield* Effect.tryPromise({
      // Metric lines are appended synchronously as they come: a crash loses no line already logged.
      try: () =>
        trainRun(spec, {
          onMetric: (line) => Effect.runSync(appendMetric(runDir, line)),
          checkpoints: { load: () => loadCheckpoint(runDir, spec.id), save: (c) => saveCheckpoint(runDir, c) },
          onResume: (step) => Effect.runSync(truncateMetricsAfter(runDir, step)),
          shouldStop: () => stopRequested,
          ...(init === undefined
            ? {}
            : { initial: () => loadInitialCheckpoint(runDir, spec.id, init, parameterLayout(spec.shape).total) }),
          ...(spec.save_final === true ? { saveFinal: (c) => saveFinalCheckpoint(runDir, c) } : {}),
          ...(cacheDirectory === undefined ? {} : { cacheDirectory })
        }),
      catch: (error) => error
    })
    if (outcome.kind === "interrupted") return interruptedExitCode
    yield* writeResult(runDir, outcome.result)
    return 0
  })

async function main(argv: ReadonlyArray<string>): Promise<number> {
  const [runDir, flag, cacheDirectory] = argv
  const wellFormed = runDir !== undefined && (argv.length === 1 || (argv.length === 3 && flag === "--cache-dir"))
  if (!wellFormed) {
    process.stderr.write(`${usage}\n`)
    return badInputExitCode
  }
  return Effect.runPromise(
    train(runDir, cacheDirectory).pipe(
      Effect.catch((error) => {
        const message = error instanceof Error ? error.message : String(error)
        process.stderr.write(`${message}\n`)
        // Only the contract's codes: an error marked with another code still counts as a failure.
        return Effect.succeed(Runtime.getErrorExitCode(error) === badInputExitCode ? badInputExitCode : failureExitCode)
      })
    )
  )
}

// Exit explicitly: backends may hold handles that would otherwise keep the process alive.
process.exit(await main(process.argv.slice(2)))
