// A coordinator's store traffic without the coordinator, for storeCrash.test.ts to kill at random
// instants: the experiment's planned runs are started, fail once now and then, and complete with
// METRIC_LINES metric lines each, over and over. Prints `committed` once each completion has been
// committed. Imports the store alone, to start fast. Usage:
//   node --import tsx storeCrashWriter.ts STORE_DIR EXPERIMENT METRIC_LINES
import type { RunResult } from "@scalelab/spec"
import { Effect } from "effect"
import type { RunRow } from "../src/store/rows.ts"
import { RunStore } from "../src/store/RunStore.ts"

const [storeDir, experiment, metricLinesArgument] = process.argv.slice(2)
if (storeDir === undefined || experiment === undefined || metricLinesArgument === undefined) {
  throw new Error("usage: storeCrashWriter.ts STORE_DIR EXPERIMENT METRIC_LINES")
}
const metricLines = Number(metricLinesArgument)

// Stops by itself should the test never kill it.
const deadline = Date.now() + 60_000

const resultOf = (run: RunRow): RunResult => ({
  id: run.id,
  status: "completed",
  val_loss: 3,
  train_loss: 3,
  params: run.params,
  tokens: run.tokens,
  flops: run.flops,
  steps: metricLines,
  backend: "wasm",
  wall_s: 1,
  tokens_per_s: 1000
})

const metricsOf = (iteration: number) =>
  Array.from({ length: metricLines }, (_, step) => ({ step, tokens: step * 64, flops: step * 1e6, loss: 5 - iteration / 1e4 }))

const writeUntilKilled = Effect.gen(function*() {
  const store = yield* RunStore
  // As a sweep does after its predecessor was killed.
  yield* store.abandonRunningAttempts()
  const runs = yield* store.listRuns(experiment)
  for (let iteration = 0; Date.now() < deadline; iteration++) {
    const run = runs[iteration % runs.length]
    if (run === undefined) throw new Error(`experiment ${experiment} has no planned runs`)
    const attempt = { executor: "local", lr: 0.003 }
    let number = yield* store.startAttempt(run.id, attempt)
    if (iteration % 3 === 0) {
      const failure = { kind: "crashed", reason: "failed on purpose", logTail: "", exitCode: 1 }
      yield* store.recordAttemptFailure(run.id, number, failure, false)
      number = yield* store.startAttempt(run.id, attempt)
    }
    yield* store.markCompleted(run.id, number, resultOf(run), metricsOf(iteration))
    process.stdout.write("committed\n")
  }
})

await Effect.runPromise(writeUntilKilled.pipe(Effect.provide(RunStore.layer(storeDir))))
