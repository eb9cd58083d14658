import Database from "better-sqlite3"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { databasePath, RunStore, storeSchemaVersion } from "../src/index.ts"
import { migrations } from "../src/store/migrations.ts"
import { freshStoreDir, makeRun } from "./fixtures.ts"
import { localAttempt, queryFile, resultOf, withDatabaseFile, withStore } from "./storeFixtures.ts"

const [done, running, failed] = [makeRun(0), makeRun(1), makeRun(2)]

/** A store as the first scalelab left it: schema version 1, with a finished, a running and a failed run. */
const versionOneStore = (): string => {
  const storeDir = freshStoreDir()
  const db = new Database(databasePath(storeDir))
  try {
    db.pragma("journal_mode = WAL")
    db.pragma("foreign_keys = ON")
    db.exec(migrations[0]?.sql ?? "")
    db.pragma("user_version = 1")
    db.prepare(`INSERT INTO experiments (name, spec_json, created_at) VALUES ('toy', '{}', '2025-01-01T00:00:00.000Z')`)
      .run()
    const insertRun = db.prepare(`
      INSERT INTO runs (id, experiment, budget, params, tokens, flops, spec_json, status, attempts, backend, error,
        started_at, finished_at)
      VALUES (@id, 'toy', @budget, @params, @tokens, @flops, @spec_json, @status, @attempts, 'wasm', @error,
        '2025-01-01T00:00:00.000Z', @finished_at)`)
    const row = (run: typeof done, status: string, attempts: number, error: string | null, finished: boolean) => ({
      id: run.id,
      budget: run.budget,
      params: run.params,
      tokens: run.tokens,
      flops: run.flops,
      spec_json: JSON.stringify(run),
      status,
      attempts,
      error,
      finished_at: finished ? "2025-01-01T01:00:00.000Z" : null
    })
    insertRun.run(row(done, "completed", 2, null, true))
    insertRun.run(row(running, "running", 1, null, false))
    insertRun.run(row(failed, "failed", 3, "worker exited with code 3", true))
    // result.json already held a memorization rate before the store had a column for it.
    const result = { ...resultOf(done), memorization: 0.25 }
    db.prepare(`
      INSERT INTO results (run_id, val_loss, train_loss, wall_s, tokens_per_s, result_json)
      VALUES (?, ?, ?, ?, ?, ?)`)
      .run(done.id, result.val_loss, result.train_loss, result.wall_s, result.tokens_per_s, JSON.stringify(result))
    const insertMetric = db.prepare(`INSERT INTO metrics (run_id, step, json) VALUES (?, ?, ?)`)
    for (const step of [1, 2, 3]) insertMetric.run(done.id, step, JSON.stringify({ step, tokens: step, flops: step }))
  } finally {
    db.close()
  }
  return storeDir
}

describe("RunStore migrations", () => {
  it("brings a version-1 store up to date, keeping its runs, results and metrics", async () => {
    const storeDir = versionOneStore()
    const before = queryFile(storeDir, "SELECT * FROM results")

    const { rows, results } = await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      return { rows: yield* store.listRuns("toy"), results: yield* store.results("toy") }
    }))

    expect(withDatabaseFile(storeDir, (db) => db.pragma("user_version", { simple: true }))).toBe(storeSchemaVersion)
    expect(rows.map((row) => [row.id, row.status, row.attempts, row.error, row.plan_reason, row.executor])).toEqual([
      [done.id, "completed", 2, null, null, null],
      [running.id, "running", 1, null, null, null],
      [failed.id, "failed", 3, "worker exited with code 3", null, null]
    ])
    expect(rows[0]).toMatchObject({ started_at: "2025-01-01T00:00:00.000Z", finished_at: "2025-01-01T01:00:00.000Z" })
    // Runs stored before mixtures of experts were dense: their total parameters are their params.
    for (const row of rows) expect(row.params_total).toBe(row.params)
    expect(results.map((row) => row.run_id)).toEqual([done.id])
    expect(results[0]?.params_total).toBe(done.params)
    // The new column is filled from result.json; nothing else changes.
    expect(queryFile(storeDir, "SELECT * FROM results")).toEqual(before.map((row) => ({ ...(row as object), memorization: 0.25 })))
    expect(results[0]?.memorization).toBe(0.25)
    expect(queryFile(storeDir, "SELECT run_id, step FROM metrics ORDER BY step")).toEqual(
      [1, 2, 3].map((step) => ({ run_id: done.id, step }))
    )
    // The children still point at the rebuilt table, and nothing points nowhere.
    for (const child of ["results", "metrics", "attempts"]) {
      expect(queryFile(storeDir, `SELECT "table" FROM pragma_foreign_key_list('${child}')`)).toEqual([{ table: "runs" }])
    }
    expect(queryFile(storeDir, "SELECT * FROM pragma_foreign_key_check")).toEqual([])
    expect(queryFile(storeDir, "SELECT name FROM sqlite_schema WHERE name LIKE 'runs%' ORDER BY name")).toEqual([
      { name: "runs" },
      { name: "runs_by_experiment" }
    ])
  })

  it("lets the migrated runs go on: attempts count on, a run left running is interrupted, keys are enforced", async () => {
    const storeDir = versionOneStore()
    const { abandoned, rows, nextAttempt, strangerError } = await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      const abandoned = yield* store.abandonRunningAttempts()
      const rows = yield* store.listRuns("toy")
      const nextAttempt = yield* store.startAttempt(failed.id, localAttempt)
      const strangerError = yield* Effect.flip(store.recordPlanned([makeRun(5, "unrecorded")]))
      return { abandoned, rows, nextAttempt, strangerError }
    }))
    // Version 1 kept no attempts, so the run has none to abandon; it is interrupted all the same.
    expect(abandoned).toEqual([])
    expect(rows.find((row) => row.id === running.id)?.status).toBe("interrupted")
    expect(nextAttempt).toBe(4)
    expect(strangerError.message).toContain("Record the experiment first")
  })

  it("migrates once when reopened", async () => {
    const storeDir = versionOneStore()
    await withStore(storeDir, RunStore.use((store) => store.listRuns()))
    const reopened = await withStore(storeDir, RunStore.use((store) => store.results()))
    expect(reopened.map((row) => row.run_id)).toEqual([done.id])
  })
})
