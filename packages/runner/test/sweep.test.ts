import { Effect, Fiber, Layer } from "effect"
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
import { isProcessAlive } from "../src/processLiveness.ts"

const runs = Array.from({ length: 6 }, (_, index) => makeRun(index))

/** Runs a sweep against a real store and the fake trainer; also returns what the store then holds. */
const sweep = (
  storeDir: string,
  options: Partial<SweepOptions> & { readonly behaviourOf?: (runDir: string) => string } = {}
) => {
  const events: Array<SweepEvent> = []
  const layers = Layer.merge(RunStore.layer(storeDir), fakeTrainerExecutor(options.behaviourOf, { hangTimeoutSeconds: 1 }))
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
      return {
        outcome,
        events,
        rows: yield* store.listRuns("toy"),
        results: yield* store.results("toy"),
        attempts: yield* store.attempts()
      }
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
    expect(events.filter((event) => "id" in event && event.id === flaky && event._tag !== "RunProgress").map((event) => event._tag)).toEqual([
      "RunStarted",
      "RunAttemptFailed",
      "RunStarted",
      "RunFinished"
    ])
  })

  it("gives up on a run that always crashes, records why, and completes the others", async () => {
    const storeDir = freshStoreDir()
    const doomed = runs[1]!.id
    const { outcome, events, rows, results, attempts } = await sweep(storeDir, {
      retries: 2,
      behaviourOf: (runDir) => endsWith(doomed)(runDir) ? "crash" : "train"
    })
    expect(outcome.completed).toHaveLength(runs.length - 1)
    expect(outcome.failed).toHaveLength(1)
    expect(outcome.failed[0]?.id).toBe(doomed)
    expect(outcome.failed[0]?.reason).toContain("exited with code 3")
    expect(outcome.failed[0]?.reason).toContain("simulated out-of-memory")
    expect(executions(storeDir, doomed)).toBe(3)
    expect(rows.find((row) => row.id === doomed)).toMatchObject({ status: "failed", attempts: 3 })
    expect(rows.find((row) => row.id === doomed)?.error).toContain("exited with code 3")
    // Every attempt is on record with its reason and the worker's last output.
    const tried = attempts.filter((row) => row.run_id === doomed)
    expect(tried.map((row) => [row.attempt, row.outcome, row.kind, row.exit_code])).toEqual([
      [1, "failed", "crashed", 3],
      [2, "failed", "crashed", 3],
      [3, "failed", "crashed", 3]
    ])
    expect(tried.every((row) => row.log_tail?.includes("simulated out-of-memory"))).toBe(true)
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

  it("kills a run that hangs (no metric line for the hang timeout) and retries it", async () => {
    const storeDir = freshStoreDir()
    const stuck = runs[2]!.id
    const { outcome, rows, attempts } = await sweep(storeDir, {
      behaviourOf: (runDir) => endsWith(stuck)(runDir) ? "hang-once" : "train"
    })
    expect(outcome.failed).toEqual([])
    expect(rows.find((row) => row.id === stuck)).toMatchObject({ status: "completed", attempts: 2 })
    expect(attempts.filter((row) => row.run_id === stuck).map((row) => [row.attempt, row.outcome, row.kind])).toEqual([
      [1, "failed", "hung"],
      [2, "completed", null]
    ])
  })

  it("records a run whose loss went non-finite as diverged, kept out of the results", async () => {
    const storeDir = freshStoreDir()
    const hot = runs[0]!.id
    const { outcome, rows, results } = await sweep(storeDir, {
      behaviourOf: (runDir) => endsWith(hot)(runDir) ? "diverge" : "train"
    })
    expect(outcome.failed).toEqual([])
    expect(rows.find((row) => row.id === hot)).toMatchObject({ status: "diverged", attempts: 1 })
    expect(results.map((row) => row.run_id)).not.toContain(hot)
  })

  it("retrains a diverged run at a lower learning rate when the divergence policy says so", async () => {
    const storeDir = freshStoreDir()
    const hot = runs[0]!.id
    const { outcome, rows, attempts, events } = await sweep(storeDir, {
      divergence: { retries: 3, lrFactor: 0.5 },
      behaviourOf: (runDir) => endsWith(hot)(runDir) ? "diverge-above-1e-3" : "train"
    })
    expect(outcome.failed).toEqual([])
    // 3e-3 and 1.5e-3 diverge; 7.5e-4 trains.
    expect(attempts.filter((row) => row.run_id === hot).map((row) => [row.lr, row.outcome, row.kind])).toEqual([
      [0.003, "failed", "diverged"],
      [0.0015, "failed", "diverged"],
      [0.00075, "completed", null]
    ])
    expect(rows.find((row) => row.id === hot)).toMatchObject({ status: "completed", attempts: 3 })
    const written = JSON.parse(readFileSync(join(runFolderPath(storeDir, hot), runSpecFile), "utf8"))
    expect(written.training.lr).toBe(0.00075)
    expect(events.filter((event) => event._tag === "RunStarted" && event.id === hot).map((event) => event._tag === "RunStarted" && event.lr))
      .toEqual([0.003, 0.0015, 0.00075])
  })

  it("fails a run whose trainer breaks the metrics contract at once, quoting the line, and goes on", async () => {
    const storeDir = freshStoreDir()
    const sloppy = runs[4]!.id
    const { outcome, rows } = await sweep(storeDir, {
      behaviourOf: (runDir) => endsWith(sloppy)(runDir) ? "malformed" : "train"
    })
    expect(outcome.completed).toHaveLength(runs.length - 1)
    expect(outcome.failed.map((failure) => failure.id)).toEqual([sloppy])
    expect(outcome.failed[0]?.reason).toContain(`"step=2 loss=4.9"`)
    expect(rows.find((row) => row.id === sloppy)).toMatchObject({ status: "failed", attempts: 1 })
  })

  it("marks the runs under way as interrupted when the sweep is interrupted, and stops their workers", async () => {
    const storeDir = freshStoreDir()
    const events: Array<SweepEvent> = []
    const layers = Layer.merge(RunStore.layer(storeDir), fakeTrainerExecutor(() => "hang"))
    const rows = await Effect.runPromise(
      Effect.gen(function*() {
        const sweeping = yield* Effect.forkChild(runSweep("toy", runs.slice(0, 2), {
          storeDir,
          concurrency: 2,
          retries: 0,
          onEvent: (event) => Effect.sync(() => events.push(event))
        }))
        const pidFiles = runs.slice(0, 2).map((run) => join(runFolderPath(storeDir, run.id), "pid"))
        while (!pidFiles.every(existsSync)) yield* Effect.sleep("20 millis")
        yield* Fiber.interrupt(sweeping)
        expect(pidFiles.map((file) => isProcessAlive(Number(readFileSync(file, "utf8"))))).toEqual([false, false])
        return yield* (yield* RunStore).listRuns("toy")
      }).pipe(Effect.provide(layers))
    )
    expect(rows.map((row) => row.status)).toEqual(["interrupted", "interrupted"])
    expect(events.filter((event) => event._tag === "RunInterrupted")).toHaveLength(2)
    expect(existsSync(join(storeDir, "sweep.lock"))).toBe(false)
  })

  it("refuses to start while another live coordinator holds the store", async () => {
    const storeDir = freshStoreDir()
    // Our parent process stands in for another coordinator: alive, and not us.
    writeFileSync(join(storeDir, "sweep.lock"), `${process.ppid}\n`)
    const error = await Effect.runPromise(
      Effect.flip(runSweep("toy", runs, { storeDir, concurrency: 1, retries: 0 })).pipe(
        Effect.provide(Layer.merge(RunStore.layer(storeDir), fakeTrainerExecutor()))
      )
    )
    expect(error._tag).toBe("StoreBusy")
    expect(error.message).toContain(`pid ${process.ppid}`)
    // A dead holder's lock is taken over.
    writeFileSync(join(storeDir, "sweep.lock"), "999999999\n")
    const { outcome } = await sweep(storeDir)
    expect(outcome.completed).toHaveLength(runs.length)
  })
})

