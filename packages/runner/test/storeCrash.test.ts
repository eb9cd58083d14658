// The coordinator can be killed outright (SIGKILL, the OOM killer) at any instant, in the middle
// of a store transaction included. The store must come back consistent every time, keeping every
// completion it confirmed.
import { spawn } from "node:child_process"
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { RunStore } from "../src/index.ts"
import { freshStoreDir, makeRun } from "./fixtures.ts"
import { queryFile, withStore } from "./storeFixtures.ts"

const writer = join(import.meta.dirname, "storeCrashWriter.ts")
const metricLines = 200

interface Killed {
  /** Completions the writer reported committed before it died. */
  readonly committed: number
  /** How it ended: SIGKILL unless it ran out of time. */
  readonly signal: NodeJS.Signals | null
}

/**
 * Starts the writer and kills it `delayMs` after its first reported completion; with a crash point
 * in `env`, the writer kills itself there instead.
 */
const runWriter = (storeDir: string, delayMs: number, env: Record<string, string> = {}) =>
  new Promise<Killed>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", writer, storeDir, "crash", String(metricLines)], {
      cwd: join(import.meta.dirname, ".."),
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let committed = 0
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => {
      if (committed === 0 && Object.keys(env).length === 0) setTimeout(() => child.kill("SIGKILL"), delayMs)
      committed += chunk.toString().split("\n").filter((line) => line === "committed").length
    })
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.on("error", reject)
    child.on("close", (code, signal) => {
      if (signal === null) reject(new Error(`the writer exited with code ${code} instead of being killed: ${stderr}`))
      else resolve({ committed, signal })
    })
  })

/** A store with ten runs planned, for the writer to run. */
const plannedStore = async (): Promise<string> => {
  const storeDir = freshStoreDir()
  await withStore(storeDir, Effect.gen(function*() {
    const store = yield* RunStore
    yield* store.upsertExperiment("crash", null)
    yield* store.recordPlanned(Array.from({ length: 10 }, (_, index) => makeRun(index, "crash")))
  }))
  return storeDir
}

const rowsOf = (storeDir: string, sql: string) => queryFile(storeDir, sql)

/** What must hold however the writer died; each query lists the rows that break a rule. */
const expectConsistent = (storeDir: string) => {
  expect(rowsOf(storeDir, "PRAGMA integrity_check")).toEqual([{ integrity_check: "ok" }])
  expect(rowsOf(storeDir, "SELECT * FROM pragma_foreign_key_check")).toEqual([])
  // A completed run has exactly one result and all its metrics.
  expect(rowsOf(
    storeDir,
    `SELECT id FROM runs r WHERE status = 'completed' AND (
       (SELECT count(*) FROM results WHERE run_id = r.id) <> 1 OR
       (SELECT count(*) FROM metrics WHERE run_id = r.id) <> ${metricLines})`
  )).toEqual([])
  // A run that is not finished has no result (a new attempt drops the old one).
  expect(rowsOf(
    storeDir,
    `SELECT id FROM runs r WHERE status NOT IN ('completed', 'diverged')
       AND (EXISTS (SELECT 1 FROM results WHERE run_id = r.id) OR EXISTS (SELECT 1 FROM metrics WHERE run_id = r.id))`
  )).toEqual([])
  // No completed attempt without its result: the latest attempt completed means the run did.
  expect(rowsOf(
    storeDir,
    `SELECT a.run_id FROM attempts a JOIN runs r ON r.id = a.run_id
     WHERE a.outcome = 'completed' AND a.attempt = r.attempts
       AND (r.status <> 'completed' OR NOT EXISTS (SELECT 1 FROM results WHERE run_id = a.run_id))`
  )).toEqual([])
  // The run's attempt count matches its attempt rows, and at most the latest attempt is running.
  // A running attempt means a running run. A running run is running its latest attempt, or that
  // attempt failed and its retry has not started yet (a kill between the two writes leaves this;
  // the next sweep's abandonRunningAttempts marks such a run interrupted).
  expect(rowsOf(
    storeDir,
    `SELECT id FROM runs r WHERE attempts <> (SELECT count(*) FROM attempts WHERE run_id = r.id)
       OR EXISTS (SELECT 1 FROM attempts WHERE run_id = r.id AND outcome = 'running' AND attempt <> r.attempts)
       OR (status <> 'running' AND EXISTS (SELECT 1 FROM attempts WHERE run_id = r.id AND outcome = 'running'))
       OR (status = 'running' AND NOT EXISTS (
         SELECT 1 FROM attempts WHERE run_id = r.id AND attempt = r.attempts AND outcome IN ('running', 'failed')))`
  )).toEqual([])
}

const completedAttempts = (storeDir: string): number =>
  (rowsOf(storeDir, "SELECT count(*) AS n FROM attempts WHERE outcome = 'completed'")[0] as { n: number }).n

describe("RunStore after its process is killed", () => {
  it("rolls back a completion killed inside its transaction", async () => {
    const storeDir = await plannedStore()
    const killed = await runWriter(storeDir, 0, { SCALELAB_CRASH_AT: "store-write", SCALELAB_CRASH_AFTER: "3" })
    expect(killed).toEqual({ committed: 2, signal: "SIGKILL" })
    expectConsistent(storeDir)
    expect(completedAttempts(storeDir)).toBe(2)
    // The third run (started twice: its first attempt failed on purpose) was killed mid-write.
    expect(rowsOf(storeDir, "SELECT status, attempts FROM runs WHERE id = 'run-2'")).toEqual([
      { status: "running", attempts: 1 }
    ])
    const abandoned = await withStore(storeDir, RunStore.use((store) => store.abandonRunningAttempts()))
    expect(abandoned).toEqual([{ run_id: "run-2", attempt: 1 }])
    expectConsistent(storeDir)
  }, 60_000)

  it("is consistent between a failed attempt and its retry, and a restart marks such a run interrupted", async () => {
    // The gap a kill at a random instant can land in: the failure is recorded, the retry not yet started.
    const storeDir = await plannedStore()
    await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      const first = yield* store.startAttempt("run-0", { executor: "local", lr: 0.003 })
      yield* store.recordAttemptFailure("run-0", first, { kind: "crashed", reason: "failed on purpose", logTail: "", exitCode: 1 }, false)
    }))
    expect(rowsOf(storeDir, "SELECT status, attempts FROM runs WHERE id = 'run-0'")).toEqual([{ status: "running", attempts: 1 }])
    expectConsistent(storeDir)
    await withStore(storeDir, RunStore.use((store) => store.abandonRunningAttempts()))
    expect(rowsOf(storeDir, "SELECT status FROM runs WHERE id = 'run-0'")).toEqual([{ status: "interrupted" }])
    expectConsistent(storeDir)
  }, 60_000)

  it("stays consistent and keeps every confirmed completion, killed at random instants", async () => {
    const storeDir = await plannedStore()
    let confirmed = 0
    for (let kill = 0; kill < 6; kill++) {
      const killed = await runWriter(storeDir, Math.floor(Math.random() * 150))
      expect(killed.signal).toBe("SIGKILL")
      confirmed += killed.committed
      expectConsistent(storeDir)
      // A completion can commit just before the kill and not be reported; none reported is lost.
      expect(completedAttempts(storeDir)).toBeGreaterThanOrEqual(confirmed)
      expect(completedAttempts(storeDir)).toBeLessThanOrEqual(confirmed + kill + 1)
    }
    const abandoned = await withStore(storeDir, RunStore.use((store) => store.abandonRunningAttempts()))
    expect(abandoned.length).toBeLessThanOrEqual(1)
    expectConsistent(storeDir)
    expect(rowsOf(storeDir, "SELECT count(*) AS n FROM runs WHERE status = 'running'")).toEqual([{ n: 0 }])
  }, 120_000)
})
