// The built-in trainer's entry point: `node --import tsx packages/train/src/worker.ts RUN_DIR`.
// Exit codes: 0 trained (completed or diverged, see result.json), 2 bad input, 1 training failed.
import { Effect } from "effect"
import { appendMetric, readRunSpec, writeResult } from "./runFolder.ts"
import { trainRun } from "./trainRun.ts"

const usage = "usage: worker RUN_DIR   (RUN_DIR holds run.json; metrics.jsonl and result.json are written there)"

const train = (runDir: string) =>
  Effect.gen(function* () {
    const spec = yield* readRunSpec(runDir)
    const result = yield* Effect.tryPromise({
      // Metric lines are appended synchronously as they come: a crash loses no line already logged.
      try: () => trainRun(spec, { onMetric: (line) => Effect.runSync(appendMetric(runDir, line)) }),
      catch: (error) => error
    })
    yield* writeResult(runDir, result)
  })

async function main(argv: ReadonlyArray<string>): Promise<number> {
  const runDir = argv[0]
  if (runDir === undefined || argv.length !== 1) {
    process.stderr.write(`${usage}\n`)
    return 2
  }
  const outcome = await Effect.runPromise(
    train(runDir).pipe(
      Effect.as(0),
      Effect.catch((error) => {
        const tagged = typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : ""
        const message = error instanceof Error ? error.message : String(error)
        process.stderr.write(`${message}\n`)
        return Effect.succeed(tagged === "InvalidRunSpecError" ? 2 : 1)
      })
    )
  )
  return outcome
}

// Exit explicitly: backends may hold handles that would otherwise keep the process alive.
process.exit(await main(process.argv.slice(2)))
