// The coordinator stopped with SIGTERM, then killed outright (SIGKILL) at several points of a real
// sweep: while runs train, between runs, and inside the store transaction that records a finished run. Each restart
// must lose no finished work and redo none: every run completes exactly once, interrupted runs
// resume from their checkpoints, and the final fit equals that of a sweep never interrupted.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CliOutcome, runCli, startCli } from "./support/cli.ts"
import { isProcessAlive } from "../packages/runner/src/processLiveness.ts"

const spec = readFileSync(new URL("./fixtures/crash-sweep.yaml", import.meta.url), "utf8")

interface SweepEventLine {
  readonly event: string
  readonly id?: string
  readonly tokens?: number
  readonly healed?: boolean
}

const events = (stdout: string): ReadonlyArray<SweepEventLine> =>
  stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as SweepEventLine)


const waitUntil = async (condition: () => boolean, seconds: number) => {
  const deadline = Date.now() + seconds * 1000
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
  return condition()
}

/**
 * Whether every run started and not yet finished has logged a training step: a worker still
 * loading its libraries when stopped has nothing to checkpoint, and would start its run over.
 */
const allUnderWayTraining = (stdout: string): boolean => {
  const seen = events(stdout)
  const finished = new Set(seen.filter((event) => event.event === "RunFinished").map((event) => event.id))
  const training = new Set(seen.filter((event) => event.event === "RunProgress").map((event) => event.id))
  const underWay = seen.filter((event) => event.event === "RunStarted" && !finished.has(event.id)).map((event) => event.id)
  return underWay.length > 0 && underWay.every((id) => training.has(id))
}

let dir: string
const runsDir = () => join(dir, "killed", "runs")
const fitOf = (store: string) => JSON.parse(readFileSync(join(dir, store, "reports", "crash-sweep", "fit.json"), "utf8"))
/** Worker starts per run: the log gets a header line per attempt. */
const startsOf = (id: string) => readFileSync(join(runsDir(), id, "worker.log"), "utf8").split("\n").filter((line) => line.startsWith("=== ")).length

let reference: CliOutcome
let terminated: CliOutcome
let stoppedBySigterm: ReadonlyArray<string> = []
let underWayAtKill: ReadonlyArray<string> = []
let orphansStopped = false
let betweenRuns: CliOutcome
let inStoreWrite: CliOutcome
let final: CliOutcome
let stored: ReadonlyArray<{ id: string; status: string; result: { loss: number } | null; attempt_history: ReadonlyArray<{ outcome: string }> }>

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-crash-"))
  await writeFile(join(dir, "sweep.yaml"), spec)
  const run = (store: string) => ["run", "sweep.yaml", "--store", store, "--json"]

  reference = await runCli(run("reference"), dir)

  // 0. Stopped politely (SIGTERM, as by Ctrl-C or a scheduler) while runs train.
  const stopping = startCli(run("killed"), dir)
  await stopping.waitForLine(() => allUnderWayTraining(stopping.stdout()))
  stopping.child.kill("SIGTERM")
  terminated = await stopping.done
  stoppedBySigterm = events(terminated.stdout).filter((event) => event.event === "RunInterrupted").map((event) => event.id!)

  // 1. Killed while runs train, once one of them is past its first checkpoints (every tenth of a run).
  const training = startCli(run("killed"), dir)
  await training.waitForLine(() => allUnderWayTraining(training.stdout()))
  training.child.kill("SIGKILL")
  await training.done
  const started = events(training.stdout()).filter((event) => event.event === "RunStarted").map((event) => event.id!)
  const ended = new Set(events(training.stdout()).filter((event) => event.event === "RunFinished").map((event) => event.id!))
  underWayAtKill = started.filter((id) => !ended.has(id))
  // Their workers notice the coordinator is gone (their stdin closes), checkpoint and exit.
  const workerPids = underWayAtKill.map((id) => (JSON.parse(readFileSync(join(runsDir(), id, "worker.pid"), "utf8")) as { pid: number }).pid)
  orphansStopped = await waitUntil(() => workerPids.every((pid) => !isProcessAlive(pid)), 60)

  // 2. Killed after recording a finished run, before starting the next.
  betweenRuns = await runCli(run("killed"), dir, { SCALELAB_CRASH_AT: "between-runs" })
  // 3. Killed inside the transaction that records a finished run: result.json is written, the row is not.
  inStoreWrite = await runCli(run("killed"), dir, { SCALELAB_CRASH_AT: "store-write" })
  // 4. Left to finish.
  final = await runCli(run("killed"), dir)
  stored = JSON.parse((await runCli(["runs", "sweep.yaml", "--store", "killed", "--json"], dir)).stdout)
}, 900_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("a sweep stopped with SIGTERM", () => {
  it("stops its workers after they checkpoint, records the runs as interrupted, and exits 130", () => {
    expect(terminated.code).toBe(130)
    const started = events(terminated.stdout).filter((event) => event.event === "RunStarted").map((event) => event.id!)
    expect([...stoppedBySigterm].sort()).toEqual(started.sort())
    for (const id of stoppedBySigterm) {
      expect(existsSync(join(runsDir(), id, "checkpoint.bin"))).toBe(true)
      const history = stored.find((run) => run.id === id)!.attempt_history.map((attempt) => attempt.outcome)
      expect(history[0]).toBe("interrupted")
    }
  })
})

describe("a sweep whose coordinator is killed with SIGKILL", () => {
  it("was killed at each point it was meant to be, and then finished like the uninterrupted sweep", () => {
    expect(underWayAtKill.length).toBeGreaterThan(0)
    expect(orphansStopped).toBe(true)
    expect(betweenRuns.code).toBeNull() // killed by a signal
    expect(inStoreWrite.code).toBeNull()
    expect(final.code, final.stderr).toBe(reference.code)
  })

  it("completes every run exactly once, with one result each", () => {
    expect(stored).toHaveLength(6)
    expect(stored.map((run) => run.status)).toEqual(stored.map(() => "completed"))
    for (const run of stored) {
      expect(run.result).not.toBeNull()
      // Every start of a worker is an attempt on record; only the last one produced the result.
      const outcomes = run.attempt_history.map((attempt) => attempt.outcome)
      expect(startsOf(run.id)).toBe(outcomes.length)
      expect(outcomes.slice(0, -1).every((outcome) => outcome === "abandoned" || outcome === "interrupted")).toBe(true)
      expect(["completed", "abandoned"]).toContain(outcomes.at(-1))
      // No step trained twice: resumed attempts dropped what came after their checkpoint.
      const steps = readFileSync(join(runsDir(), run.id, "metrics.jsonl"), "utf8").trim().split("\n")
        .map((line) => JSON.parse(line) as { step: number; loss?: number })
        .filter((line) => line.loss !== undefined)
        .map((line) => line.step)
      expect(steps).toEqual([...new Set(steps)].sort((a, b) => a - b))
    }
  })

  it("resumed the runs it was training from their checkpoints", () => {
    for (const id of [...stoppedBySigterm, ...underWayAtKill]) {
      expect(startsOf(id)).toBeGreaterThan(1)
      const result = JSON.parse(readFileSync(join(runsDir(), id, "result.json"), "utf8")) as { resumed_from_step?: number }
      expect(result.resumed_from_step).toBeGreaterThan(0)
    }
  })

  it("recovered the run whose store write was cut short from its folder, without training it again", () => {
    const healed = events(final.stdout).filter((event) => event.event === "RunSkipped" && event.healed === true)
    expect(healed).toHaveLength(1)
    const startedAgain = events(final.stdout).filter((event) => event.event === "RunStarted" && event.id === healed[0]!.id)
    expect(startedAgain).toEqual([])
  })

  it("fits exactly what the uninterrupted sweep fits, and leaves no worker behind", () => {
    expect(fitOf("killed")).toEqual(fitOf("reference"))
    expect(readdirSync(runsDir()).filter((name) => existsSync(join(runsDir(), name, "worker.pid")))).toEqual([])
  })
})
