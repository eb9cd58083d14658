import { Effect, Option } from "effect"
import { writeFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { databasePath, RunStore, storeSchemaVersion } from "../src/index.ts"
import { expectedLoss, freshStoreDir, makeRun } from "./fixtures.ts"
import type { FitRecord } from "../src/index.ts"
import { localAttempt, queryFile, resultOf, storeFailure, withDatabaseFile, withStore } from "./storeFixtures.ts"

const notFitted: FitRecord = { isoflop: { error: "one run per budget" } }

const userVersion = (storeDir: string): number =>
  withDatabaseFile(storeDir, (db) => Number(db.pragma("user_version", { simple: true })))

const crashed = { kind: "crashed", reason: "worker exited with code 3", logTail: "boom", exitCode: 3 }

describe("RunStore", () => {
  it("stores a run's memorization rate in its own column and reads it back with the results; null when not measured", async () => {
    const storeDir = freshStoreDir()
    const [measured, unmeasured] = [makeRun(0), makeRun(1)]
    const results = await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      yield* store.upsertExperiment("toy", null)
      yield* store.recordPlanned([measured, unmeasured])
      yield* store.markCompleted(measured.id, yield* store.startAttempt(measured.id, localAttempt), { ...resultOf(measured), memorization: 0.375 })
      yield* store.markCompleted(unmeasured.id, yield* store.startAttempt(unmeasured.id, localAttempt), resultOf(unmeasured))
      return yield* store.results("toy")
    }))
    expect(Object.fromEntries(results.map((row) => [row.run_id, row.memorization]))).toEqual({ [measured.id]: 0.375, [unmeasured.id]: null })
    expect(queryFile(storeDir, "SELECT run_id, memorization FROM results ORDER BY memorization")).toEqual([
      { run_id: unmeasured.id, memorization: null },
      { run_id: measured.id, memorization: 0.375 }
    ])
  })

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

  it("records a mixture of experts' total parameters beside params (its active ones), and a dense run's total as its params", async () => {
    const storeDir = freshStoreDir()
    const dense = makeRun(0)
    const experts = { ...makeRun(1), params_total: 3 * makeRun(1).params }
    const { rows, results } = await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      yield* store.upsertExperiment("toy", null)
      yield* store.recordPlanned([dense, experts])
      for (const run of [dense, experts]) yield* store.markCompleted(run.id, yield* store.startAttempt(run.id, localAttempt), resultOf(run))
      return { rows: yield* store.listRuns("toy"), results: yield* store.results("toy") }
    }))
    expect(rows.map((row) => [row.params, row.params_total])).toEqual([[dense.params, dense.params], [experts.params, experts.params_total]])
    expect(results.map((row) => [row.params, row.params_total])).toEqual([[dense.params, dense.params], [experts.params, experts.params_total]])
  })

  it("tracks a run from planned through attempts to its result, and never replans a finished run", async () => {
    const storeDir = freshStoreDir()
    const [done, diverged, broken, waiting] = [makeRun(0), makeRun(1), makeRun(2), makeRun(3)]
    const { results, rows, attempts } = await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      yield* store.upsertExperiment("toy", null)
      yield* store.recordPlanned([done, diverged, broken, waiting])
      const first = yield* store.startAttempt(done.id, localAttempt)
      yield* store.recordAttemptFailure(done.id, first, { ...crashed, jobId: "4711" }, false)
      const second = yield* store.startAttempt(done.id, { executor: "slurm", lr: 0.0015 })
      yield* store.markCompleted(done.id, second, resultOf(done), [{ step: 10, tokens: 1, flops: 2, val_loss: 3 }])
      yield* store.markCompleted(diverged.id, yield* store.startAttempt(diverged.id, localAttempt), resultOf(diverged, "diverged"))
      yield* store.recordAttemptFailure(broken.id, yield* store.startAttempt(broken.id, localAttempt), crashed, true)
      yield* store.recordPlanned([done, diverged, broken, waiting])
      return {
        results: yield* store.results("toy"),
        rows: yield* store.listRuns("toy"),
        attempts: yield* store.attempts()
      }
    }))

    const byId = new Map(rows.map((row) => [row.id, row]))
    expect(byId.get(done.id)).toMatchObject({ status: "completed", attempts: 2, executor: "slurm", backend: "wasm", error: null })
    expect(byId.get(diverged.id)).toMatchObject({ status: "diverged", attempts: 1 })
    expect(byId.get(broken.id)).toMatchObject({ status: "failed", error: "worker exited with code 3" })
    expect(byId.get(broken.id)?.finished_at).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(byId.get(waiting.id)).toMatchObject({ status: "planned", attempts: 0, started_at: null, executor: null })
    expect(byId.get(done.id)?.finished_at).toMatch(/^\d{4}-\d\d-\d\dT/)

    expect(attempts.map((row) => [row.run_id, row.attempt, row.outcome])).toEqual([
      [done.id, 1, "failed"],
      [done.id, 2, "completed"],
      [diverged.id, 1, "diverged"],
      [broken.id, 1, "failed"]
    ])
    expect(attempts[0]).toMatchObject({
      executor: "local",
      lr: 0.003,
      kind: "crashed",
      reason: "worker exited with code 3",
      log_tail: "boom",
      exit_code: 3,
      job_id: "4711"
    })
    expect(attempts[0]?.finished_at).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(attempts[1]).toMatchObject({ executor: "slurm", lr: 0.0015, kind: null, reason: null, exit_code: null })

    expect(results).toEqual([{
      run_id: done.id,
      experiment: "toy",
      budget: done.budget,
      params: done.params,
      params_total: done.params,
      tokens: done.tokens,
      flops: done.flops,
      loss: expectedLoss(done.params, done.tokens),
      train_loss: 3,
      seed: done.seed,
      backend: "wasm",
      wall_s: 2,
      tokens_per_s: 500,
      cloze_accuracy: null,
      cloze_nll: null,
      memorization: null
    }])
  })

  it("keeps a run running between a failed attempt and its retry, and numbers attempts over the run's life", async () => {
    const storeDir = freshStoreDir()
    const run = makeRun(0)
    const { between, numbers, rows } = await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      yield* store.upsertExperiment("toy", null)
      yield* store.recordPlanned([run])
      const first = yield* store.startAttempt(run.id, localAttempt)
      yield* store.recordAttemptFailure(run.id, first, crashed, false)
      const between = yield* store.listRuns("toy")
      const second = yield* store.startAttempt(run.id, localAttempt)
      yield* store.markCompleted(run.id, second, resultOf(run))
      // A forced rerun later goes on counting.
      const third = yield* store.startAttempt(run.id, localAttempt)
      return { between, numbers: [first, second, third], rows: yield* store.attempts(run.id) }
    }))
    expect(between[0]).toMatchObject({ status: "running", error: null })
    expect(numbers).toEqual([1, 2, 3])
    expect(rows.map((row) => row.outcome)).toEqual(["failed", "completed", "running"])
  })

  it("records the planner's reasons without disturbing runs it already knows", async () => {
    const storeDir = freshStoreDir()
    const [kept, recentred] = [makeRun(0), makeRun(1)]
    const rows = await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      yield* store.upsertExperiment("toy", null)
      yield* store.recordPlanned([kept, recentred], new Map([[kept.id, "grid point"]]))
      yield* store.markCompleted(kept.id, null, resultOf(kept))
      yield* store.recordPlanned([kept, recentred], new Map([[recentred.id, "re-centred on the minimum"]]))
      return yield* store.listRuns("toy")
    }))
    expect(rows.map((row) => [row.id, row.status, row.plan_reason])).toEqual([
      [kept.id, "completed", "grid point"],
      [recentred.id, "planned", "re-centred on the minimum"]
    ])
  })

  it("drops a run's old result when it is run again", async () => {
    const storeDir = freshStoreDir()
    const run = makeRun(0)
    const results = await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      yield* store.upsertExperiment("toy", null)
      yield* store.recordPlanned([run])
      yield* store.markCompleted(run.id, null, resultOf(run), [{ step: 1, tokens: 1, flops: 1, loss: 4 }])
      yield* store.startAttempt(run.id, localAttempt)
      return yield* store.results()
    }))
    expect(results).toEqual([])
    expect(queryFile(storeDir, "SELECT * FROM metrics")).toEqual([])
  })

  it("interrupts a running attempt, but not one that has already ended", async () => {
    const storeDir = freshStoreDir()
    const [stopped, finished] = [makeRun(0), makeRun(1)]
    const { rows, attempts } = await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      yield* store.upsertExperiment("toy", null)
      yield* store.recordPlanned([stopped, finished])
      yield* store.markInterrupted(stopped.id, yield* store.startAttempt(stopped.id, localAttempt))
      const attempt = yield* store.startAttempt(finished.id, localAttempt)
      yield* store.markCompleted(finished.id, attempt, resultOf(finished))
      // The interruption can arrive after the result was recorded.
      yield* store.markInterrupted(finished.id, attempt)
      return { rows: yield* store.listRuns("toy"), attempts: yield* store.attempts() }
    }))
    expect(rows.map((row) => [row.id, row.status])).toEqual([[stopped.id, "interrupted"], [finished.id, "completed"]])
    expect(attempts.map((row) => [row.run_id, row.outcome])).toEqual([[stopped.id, "interrupted"], [finished.id, "completed"]])
    expect(attempts[0]?.finished_at).toMatch(/^\d{4}-\d\d-\d\dT/)
  })

  it("abandons the attempts a killed coordinator left running, and the runs it left between attempts", async () => {
    const storeDir = freshStoreDir()
    const [midAttempt, betweenAttempts, done] = [makeRun(0), makeRun(1), makeRun(2)]
    const elsewhere = makeRun(3, "other")
    const killedSweep = Effect.gen(function*() {
      const store = yield* RunStore
      yield* store.upsertExperiment("toy", null)
      yield* store.upsertExperiment("other", null)
      yield* store.recordPlanned([midAttempt, betweenAttempts, done, elsewhere])
      yield* store.startAttempt(midAttempt.id, localAttempt)
      yield* store.recordAttemptFailure(betweenAttempts.id, yield* store.startAttempt(betweenAttempts.id, localAttempt), crashed, false)
      yield* store.markCompleted(done.id, yield* store.startAttempt(done.id, localAttempt), resultOf(done))
      yield* store.startAttempt(elsewhere.id, localAttempt)
    })
    // The layer closes the database as a killed process would leave it: nothing closed the attempts.
    await withStore(storeDir, killedSweep)

    const next = await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      const abandoned = yield* store.abandonRunningAttempts("toy")
      const again = yield* store.abandonRunningAttempts("toy")
      const rows = yield* store.listRuns()
      const attempts = yield* store.attempts()
      const resumed = yield* store.startAttempt(midAttempt.id, localAttempt)
      return { abandoned, again, rows, attempts, resumed }
    }))
    expect(next.abandoned).toEqual([{ run_id: midAttempt.id, attempt: 1 }])
    expect(next.again).toEqual([])
    expect(next.rows.map((row) => [row.id, row.status])).toEqual([
      [elsewhere.id, "running"],
      [midAttempt.id, "interrupted"],
      [betweenAttempts.id, "interrupted"],
      [done.id, "completed"]
    ])
    const abandonedRow = next.attempts.find((row) => row.run_id === midAttempt.id)
    expect(abandonedRow).toMatchObject({ outcome: "abandoned", finished_at: null })
    expect(abandonedRow?.reason).toContain("stopped without recording")
    expect(next.resumed).toBe(2)

    const all = await withStore(storeDir, RunStore.use((store) => store.abandonRunningAttempts()))
    expect(all).toEqual([{ run_id: midAttempt.id, attempt: 2 }, { run_id: elsewhere.id, attempt: 1 }])
  })

  it("lists runs by status", async () => {
    const storeDir = freshStoreDir()
    const [planned, failed, interrupted, completed] = [makeRun(0), makeRun(1), makeRun(2), makeRun(3)]
    const listed = await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      yield* store.upsertExperiment("toy", null)
      yield* store.recordPlanned([planned, failed, interrupted, completed])
      yield* store.recordAttemptFailure(failed.id, yield* store.startAttempt(failed.id, localAttempt), crashed, true)
      yield* store.markInterrupted(interrupted.id, yield* store.startAttempt(interrupted.id, localAttempt))
      yield* store.markCompleted(completed.id, null, resultOf(completed))
      return {
        troubled: yield* store.listRuns("toy", ["failed", "interrupted"]),
        plannedOnly: yield* store.listRuns(undefined, ["planned"]),
        none: yield* store.listRuns("toy", []),
        all: yield* store.listRuns("toy")
      }
    }))
    expect(listed.troubled.map((row) => row.id)).toEqual([failed.id, interrupted.id])
    expect(listed.plannedOnly.map((row) => row.id)).toEqual([planned.id])
    expect(listed.none).toEqual([])
    expect(listed.all).toHaveLength(4)
  })

  it("keeps fit records, and gives back the latest, decoded", async () => {
    const storeDir = freshStoreDir()
    const fits = await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      yield* store.upsertExperiment("toy", null)
      const before = yield* store.latestFit("toy")
      yield* store.recordFit("toy", { isoflop: { error: "too few runs" } })
      yield* store.recordFit("toy", notFitted)
      yield* store.recordBacktest("toy", { coverage: 0.8 })
      return { before, latest: yield* store.latestFit("toy"), otherExperiment: yield* store.latestFit("other") }
    }))
    expect(Option.isNone(fits.before)).toBe(true)
    expect(Option.getOrThrow(fits.latest).json).toEqual(notFitted)
    expect(Option.getOrThrow(fits.latest).created_at).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(Option.isNone(fits.otherExperiment)).toBe(true)
    expect(queryFile(storeDir, "SELECT method FROM fits ORDER BY id")).toEqual([
      { method: "isoflop" },
      { method: "isoflop" },
      { method: "backtest" }
    ])
  })

  it("says which experiment's stored fit is malformed, and where, rather than handing it on", async () => {
    const storeDir = freshStoreDir()
    await withStore(storeDir, RunStore.use((store) => store.upsertExperiment("toy", null)))
    withDatabaseFile(storeDir, (db) =>
      db.prepare("INSERT INTO fits (experiment, method, created_at, json) VALUES ('toy', 'isoflop', '2026-01-01T00:00:00.000Z', ?)")
        .run(JSON.stringify({ isoflop: { params_opt: { k: "big", a: 0.5 } }, forecast: [] })))
    const failure = await storeFailure(storeDir, RunStore.use((store) => store.latestFit("toy")))
    expect(failure._tag).toBe("StoreError")
    expect(failure.message).toContain("The fit of experiment toy recorded in the run store")
    expect(failure.message).toContain('["isoflop"]')
    expect(failure.message).toContain("Run the sweep again")
  })

  it("refuses a fit of an experiment it does not know, one that is not a fit record, or a backtest that is not JSON", async () => {
    const unknown = await storeFailure(freshStoreDir(), RunStore.use((store) => store.recordFit("nope", notFitted)))
    expect(unknown.message).toContain("experiment nope is not in the run store")
    const storeDir = freshStoreDir()
    const refused = await Effect.runPromise(Effect.gen(function*() {
      const store = yield* RunStore
      yield* store.upsertExperiment("toy", null)
      const forecast = [{ compute: 1e21, params: Number.NaN, tokens: 1e9, loss: 2 }]
      return {
        nan: yield* Effect.flip(store.recordFit("toy", { ...notFitted, forecast })),
        notJson: yield* Effect.flip(store.recordBacktest("toy", undefined)),
        stored: yield* store.latestFit("toy")
      }
    }).pipe(Effect.provide(RunStore.layer(storeDir))))
    expect(refused.nan.message).toContain("is not a fit record")
    expect(refused.nan.message).toContain('["forecast"][0]["params"]')
    expect(refused.notJson.message).toContain("is not JSON")
    expect(Option.isNone(refused.stored)).toBe(true)
  })

  it("refuses to update a run it does not know", async () => {
    const storeDir = freshStoreDir()
    for (
      const operation of [
        RunStore.use((store) => store.startAttempt("nope", localAttempt)),
        RunStore.use((store) => store.recordAttemptFailure("nope", 1, crashed, true)),
        RunStore.use((store) => store.markInterrupted("nope", 1)),
        RunStore.use((store) => store.attempts("nope"))
      ]
    ) {
      const error = await storeFailure(storeDir, operation)
      expect(error._tag).toBe("StoreError")
      expect(error.message).toContain("run nope is not in the run store")
    }
  })

  it("refuses a second attempt while one is running, and an attempt it never started", async () => {
    const storeDir = freshStoreDir()
    const run = makeRun(0)
    await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      yield* store.upsertExperiment("toy", null)
      yield* store.recordPlanned([run])
      yield* store.startAttempt(run.id, localAttempt)
    }))
    const twice = await storeFailure(storeDir, RunStore.use((store) => store.startAttempt(run.id, localAttempt)))
    expect(twice.message).toContain(`run ${run.id} is still running attempt 1`)
    const never = await storeFailure(storeDir, RunStore.use((store) => store.recordAttemptFailure(run.id, 5, crashed, true)))
    expect(never.message).toContain(`run ${run.id} has no attempt 5`)
    const rows = await withStore(storeDir, RunStore.use((store) => store.listRuns()))
    expect(rows[0]).toMatchObject({ status: "running", attempts: 1, error: null })
  })

  it("leaves nothing behind when an operation fails midway", async () => {
    const storeDir = freshStoreDir()
    const run = makeRun(0)
    const metrics = [{ step: 1, tokens: 1, flops: 1, loss: 4 }, { step: 2, tokens: 2, flops: 2, loss: 3.5 }]
    await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      yield* store.upsertExperiment("toy", null)
      yield* store.recordPlanned([run])
      yield* store.startAttempt(run.id, localAttempt)
    }))
    const unknownRun = await storeFailure(
      storeDir,
      RunStore.use((store) => store.markCompleted("nope", null, resultOf(makeRun(9)), metrics))
    )
    expect(unknownRun.message).toContain("run nope is not in the run store")
    // The run's row is updated before the missing attempt is noticed; the update must roll back.
    const unknownAttempt = await storeFailure(
      storeDir,
      RunStore.use((store) => store.markCompleted(run.id, 7, resultOf(run), metrics))
    )
    expect(unknownAttempt.message).toContain("has no attempt 7")
    // A run the planner has no experiment for: the first run goes in before the second fails.
    const stranger = await storeFailure(
      storeDir,
      RunStore.use((store) => store.recordPlanned([makeRun(1), makeRun(2, "unrecorded")]))
    )
    expect(stranger.message).toContain("Record the experiment first")

    expect(queryFile(storeDir, "SELECT count(*) AS n FROM metrics")).toEqual([{ n: 0 }])
    expect(queryFile(storeDir, "SELECT count(*) AS n FROM results")).toEqual([{ n: 0 }])
    expect(queryFile(storeDir, "SELECT id, status, finished_at FROM runs")).toEqual([
      { id: run.id, status: "running", finished_at: null }
    ])
    expect(queryFile(storeDir, "SELECT outcome FROM attempts")).toEqual([{ outcome: "running" }])
  })

  it("says how to recover when the database file is not a database", async () => {
    const storeDir = freshStoreDir()
    writeFileSync(databasePath(storeDir), "this is not sqlite ".repeat(100))
    const error = await storeFailure(storeDir, RunStore.use(() => Effect.void))
    expect(error.message).toContain(databasePath(storeDir))
    expect(error.message).toContain("Delete it")
  })
})
