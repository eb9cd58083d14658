import { Effect, Layer } from "effect"
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import {
  databasePath,
  RunStore,
  runFolderPath,
  runSpecFile,
  type SweepEvent,
  type SweepOptions,
  runSweep
} from "../src/index.ts"
import { expectedLoss, fakeTrainerExecutor, freshStoreDir, makeRun } from "./fixtures.ts"

const runs = Array.from({ length: 6 }, (_, index) => makeRun(index))

/** Runs a sweep against a real store and the fake trainer; also returns what the store then holds. */
const sweep = (
  storeDir: string,
  options: Partial<SweepOptions> & { readonly behaviourOf?: (runDir: string) => string } = {}
) => {
  const events: Array<SweepEvent> = []
  const layers = Layer.merge(RunStore.layer(storeDir), fakeTrainerExecutor(options.behaviourOf))
  return Effect.runPromise(
    Effect.gen(function*() {
      const outcome = yield* runSweep("toy", runs, {
        storeDir,
        concurrency: 2,
        retries: 2,
        backoff: "10 millis",
        onEvent: (event) => Effect.sync(() => events.push(event)),
        ...options
      })
      const store = yield* RunStore
      return { outcome, events, rows: yield* store.listRuns("toy"), results: yield* store.results("toy") }
    }).pipe(Effect.provide(layers))
  )
}

/** How many times the fake trainer has started in a run's folder. */
const executions = (storeDir: string, id: string): number => {
  const file = join(runFolderPath(storeDir, id), "executions")
  return existsSync(file) ? readFileSync(file, "utf8").length : 0
}

const mostAtOnce = (events: ReadonlyArray<SweepEvent>): number => {
  let running = 0
  let most = 0
  for (const event of events) {
    if (event._tag === "RunStarted") most = Math.max(most, ++running)
    if (event._tag === "RunFinished" || event._tag === "RunAttemptFailed") running--
  }
  return most
}

const endsWith = (id: string) => (runDir: string) => runDir.endsWith(id)

describe("runSweep", () => {
  it("runs every run, two at a time, and the store holds exactly those runs and results", async () => {
    const storeDir = freshStoreDir()
    const { outcome, events, rows, results } = await sweep(storeDir)

    expect(outcome.failed).toEqual([])
    expect(outcome.skipped).toBe(0)
    expect(outcome.completed.map((result) => result.id).sort()).toEqual(runs.map((run) => run.id))
    expect(mostAtOnce(events)).toBe(2)
    expect(rows.map((row) => [row.id, row.status, row.attempts])).toEqual(
      runs.map((run) => [run.id, "completed", 1])
    )
    expect(results).toHaveLength(runs.length)
    for (const run of runs) {
      const row = results.find((result) => result.run_id === run.id)
      expect(row?.loss).toBeCloseTo(expectedLoss(run.params, run.tokens), 12)
      expect(row).toMatchObject({ params: run.params, tokens: run.tokens, flops: run.flops, budget: run.budget })
      const written = JSON.parse(readFileSync(join(runFolderPath(storeDir, run.id), runSpecFile), "utf8"))
      expect(written).toEqual(run)
    }
  })

  it("runs nothing the second time, and reruns everything with force", async () => {
    const storeDir = freshStoreDir()
    await sweep(storeDir)
    const again = await sweep(storeDir)
    expect(again.outcome).toEqual({ completed: [], failed: [], skipped: runs.length })
    expect(again.events.every((event) => event._tag === "RunSkipped" && !event.healed)).toBe(true)
    expect(runs.map((run) => executions(storeDir, run.id))).toEqual(runs.map(() => 1))

    // A forced rerun starts over: an old checkpoint or metric line must not be picked up.
    const [checkpoint, metrics] = ["checkpoint.bin", "metrics.jsonl"].map((name) => join(runFolderPath(storeDir, runs[0]!.id), name))
    for (const file of [checkpoint!, metrics!]) writeFileSync(file, "from the first execution\n")
    const forced = await sweep(storeDir, { force: true })
    expect(existsSync(checkpoint!)).toBe(false)
    expect(readFileSync(metrics!, "utf8")).not.toContain("from the first execution") // only the fake trainer's own lines
    expect(forced.outcome.completed).toHaveLength(runs.length)
    expect(forced.outcome.skipped).toBe(0)
    expect(runs.map((run) => executions(storeDir, run.id))).toEqual(runs.map(() => 2))
    expect(forced.results).toHaveLength(runs.length)
  })

  it("retries a run that crashes once, and it completes on its second attempt", async () => {
    const storeDir = freshStoreDir()
    const flaky = runs[3]!.id
    const { outcome, events, rows } = await sweep(storeDir, {
      behaviourOf: (runDir) => endsWith(flaky)(runDir) ? "crash-once" : "train"
    })
    expect(outcome.failed).toEqual([])
    expect(outcome.completed).toHaveLength(runs.length)
    expect(rows.find((row) => row.id === flaky)).toMatchObject({ status: "completed", attempts: 2, error: null })
    expect(events.filter((event) => event.id === flaky).map((event) => event._tag)).toEqual([
      "RunStarted",
      "RunAttemptFailed",
      "RunStarted",
      "RunFinished"
    ])
  })

  it("gives up on a run that always crashes, records why, and completes the others", async () => {
    const storeDir = freshStoreDir()
    const doomed = runs[1]!.id
    const { outcome, events, rows, results } = await sweep(storeDir, {
      retries: 2,
      behaviourOf: (runDir) => endsWith(doomed)(runDir) ? "crash" : "train"
    })
    expect(outcome.completed).toHaveLength(runs.length - 1)
    expect(outcome.failed).toHaveLength(1)
    expect(outcome.failed[0]?.id).toBe(doomed)
    expect(outcome.failed[0]?.reason).toContain("exited with code 3")
    expect(outcome.failed[0]?.reason).toContain("simulated out-of-memory")
    expect(executions(storeDir, doomed)).toBe(3)
    expect(rows.find((row) => row.id === doomed)).toMatchObject({
      status: "failed",
      attempts: 3,
      error: outcome.failed[0]?.reason
    })
    expect(results.map((row) => row.run_id)).not.toContain(doomed)
    const failures = events.filter((event) => event._tag === "RunAttemptFailed")
    expect(failures.map((event) => event.willRetry)).toEqual([true, true, false])
  })

  it("heals a store that lost finished runs from their result.json", async () => {
    const storeDir = freshStoreDir()
    await sweep(storeDir)
    for (const suffix of ["", "-wal", "-shm"]) rmSync(databasePath(storeDir) + suffix, { force: true })

    const { outcome, events, rows, results } = await sweep(storeDir)
    expect(outcome).toEqual({ completed: [], failed: [], skipped: runs.length })
    expect(events.every((event) => event._tag === "RunSkipped" && event.healed)).toBe(true)
    expect(rows.every((row) => row.status === "completed")).toBe(true)
    expect(results.map((row) => row.run_id)).toEqual(runs.map((run) => run.id))
    expect(runs.map((run) => executions(storeDir, run.id))).toEqual(runs.map(() => 1))
  })

  it("refuses runs planned for another experiment", async () => {
    const storeDir = freshStoreDir()
    const error = await Effect.runPromise(
      Effect.flip(runSweep("toy", [makeRun(0, "other")], { storeDir, concurrency: 1, retries: 0 })).pipe(
        Effect.provide(Layer.merge(RunStore.layer(storeDir), fakeTrainerExecutor()))
      )
    )
    expect(error.message).toContain(`belongs to experiment "other", not "toy"`)
  })
})
