import Database from "better-sqlite3"
import { Effect } from "effect"
import { writeFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { databasePath, RunStore, storeSchemaVersion } from "../src/index.ts"
import { expectedLoss, freshStoreDir, makeRun } from "./fixtures.ts"

const withStore = <A, E>(storeDir: string, body: Effect.Effect<A, E, RunStore>) =>
  Effect.runPromise(body.pipe(Effect.provide(RunStore.layer(storeDir))))

const storeFailure = <A, E>(storeDir: string, body: Effect.Effect<A, E, RunStore>) =>
  Effect.runPromise(Effect.flip(body.pipe(Effect.provide(RunStore.layer(storeDir)))))

const resultOf = (run: ReturnType<typeof makeRun>, status: "completed" | "diverged" = "completed") => ({
  id: run.id,
  status,
  val_loss: expectedLoss(run.params, run.tokens),
  train_loss: 3,
  params: run.params,
  tokens: run.tokens,
  flops: run.flops,
  steps: 10,
  backend: "wasm",
  wall_s: 2,
  tokens_per_s: 500
})

const userVersion = (storeDir: string): number => {
  const db = new Database(databasePath(storeDir), { readonly: true })
  try {
    return Number(db.pragma("user_version", { simple: true }))
  } finally {
    db.close()
  }
}

describe("RunStore", () => {
  it("creates the schema once and reopens an existing store unchanged", async () => {
    const storeDir = freshStoreDir()
    const runs = [makeRun(0), makeRun(1)]
    await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      yield* store.upsertExperiment("toy", { name: "toy" })
      yield* store.recordPlanned(runs)
    }))
    expect(userVersion(storeDir)).toBe(storeSchemaVersion)

    const reopened = await withStore(storeDir, RunStore.use((store) => store.listRuns()))
    expect(reopened.map((row) => row.id)).toEqual(["run-0", "run-1"])
    expect(userVersion(storeDir)).toBe(storeSchemaVersion)
  })

  it("tracks a run from planned through attempts to its result, and never replans a finished run", async () => {
    const storeDir = freshStoreDir()
    const [done, diverged, broken, waiting] = [makeRun(0), makeRun(1), makeRun(2), makeRun(3)]
    const { results, rows } = await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      yield* store.upsertExperiment("toy", null)
      yield* store.recordPlanned([done, diverged, broken, waiting])
      yield* store.markRunning(done.id, 1)
      yield* store.markRunning(done.id, 2)
      yield* store.markCompleted(done.id, resultOf(done), [{ step: 10, tokens: 1, flops: 2, val_loss: 3 }])
      yield* store.markRunning(diverged.id, 1)
      yield* store.markCompleted(diverged.id, resultOf(diverged, "diverged"))
      yield* store.markRunning(broken.id, 1)
      yield* store.markFailed(broken.id, "worker exited with code 3")
      yield* store.recordPlanned([done, diverged, broken, waiting])
      return { results: yield* store.results("toy"), rows: yield* store.listRuns("toy") }
    }))

    const byId = new Map(rows.map((row) => [row.id, row]))
    expect(byId.get(done.id)).toMatchObject({ status: "completed", attempts: 2, backend: "wasm", error: null })
    expect(byId.get(diverged.id)).toMatchObject({ status: "diverged", attempts: 1 })
    expect(byId.get(broken.id)).toMatchObject({ status: "failed", error: "worker exited with code 3" })
    expect(byId.get(waiting.id)).toMatchObject({ status: "planned", attempts: 0, started_at: null })
    expect(byId.get(done.id)?.finished_at).toMatch(/^\d{4}-\d\d-\d\dT/)

    expect(results).toEqual([{
      run_id: done.id,
      experiment: "toy",
      budget: done.budget,
      params: done.params,
      tokens: done.tokens,
      flops: done.flops,
      loss: expectedLoss(done.params, done.tokens),
      train_loss: 3,
      seed: done.seed,
      backend: "wasm",
      wall_s: 2,
      tokens_per_s: 500
    }])
  })

  it("drops a run's old result when it is run again", async () => {
    const storeDir = freshStoreDir()
    const run = makeRun(0)
    const results = await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      yield* store.upsertExperiment("toy", null)
      yield* store.recordPlanned([run])
      yield* store.markCompleted(run.id, resultOf(run))
      yield* store.markRunning(run.id, 1)
      return yield* store.results()
    }))
    expect(results).toEqual([])
  })

  it("refuses to update a run it does not know", async () => {
    const error = await storeFailure(freshStoreDir(), RunStore.use((store) => store.markRunning("nope", 1)))
    expect(error._tag).toBe("StoreError")
    expect(error.message).toContain("run nope is not in the run store")
  })

  it("says how to recover when the database file is not a database", async () => {
    const storeDir = freshStoreDir()
    writeFileSync(databasePath(storeDir), "this is not sqlite ".repeat(100))
    const error = await storeFailure(storeDir, RunStore.use(() => Effect.void))
    expect(error.message).toContain(databasePath(storeDir))
    expect(error.message).toContain("Delete it")
  })
})
