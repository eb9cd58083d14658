import { Effect, Fiber } from "effect"
import { spawn } from "node:child_process"
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import type { MetricLine } from "@scalelab/spec"
import { CommandExecutor, Executor, LocalExecutor, runFolderPath, workerLogFile } from "../src/index.ts"
import { workerPidFile, writeRunSpec } from "../src/runFolder.ts"
import { expectedLoss, fakeTrainer, fakeTrainerExecutor, freshStoreDir, makeRun } from "./fixtures.ts"
import { isProcessAlive } from "../src/processLiveness.ts"

const preparedRunDir = async (run: ReturnType<typeof makeRun>) => {
  const runDir = runFolderPath(freshStoreDir(), run.id)
  await Effect.runPromise(writeRunSpec(runDir, run))
  return runDir
}

const ignoreMetrics = { onMetric: () => Effect.void }

const executeWith = (behaviour: string, run: ReturnType<typeof makeRun>, runDir: string, onMetric: (line: MetricLine) => void = () => {}) =>
  Effect.runPromise(
    Executor.use((executor) => executor.execute(run, runDir, { onMetric: (line) => Effect.sync(() => onMetric(line)) })).pipe(
      Effect.provide(fakeTrainerExecutor(() => behaviour, { hangTimeoutSeconds: 0.3 }))
    )
  )

const failureOf = (behaviour: string, run: ReturnType<typeof makeRun>, runDir: string, hangTimeoutSeconds = 0) =>
  Effect.runPromise(
    Effect.flip(Executor.use((executor) => executor.execute(run, runDir, ignoreMetrics))).pipe(
      Effect.provide(fakeTrainerExecutor(() => behaviour, { hangTimeoutSeconds }))
    )
  )


describe("LocalExecutor", () => {
  it("runs the worker and returns its decoded result, keeping its output in worker.log", async () => {
    const run = makeRun(2)
    const runDir = await preparedRunDir(run)
    const result = await executeWith("train", run, runDir)
    expect(result.id).toBe(run.id)
    expect(result.val_loss).toBeCloseTo(expectedLoss(run.params, run.tokens), 12)
    expect(readFileSync(join(runDir, workerLogFile), "utf8")).toContain(`training ${run.id}`)
  })

  it("reports a crash with the exit code and the worker's last output", async () => {
    const run = makeRun(0)
    const runDir = await preparedRunDir(run)
    const error = await failureOf("crash", run, runDir)
    expect(error).toMatchObject({ _tag: "RunFailed", runId: run.id, exitCode: 3, kind: "crashed", retryable: true })
    expect(error.logTail).toContain("simulated out-of-memory")
    expect(error.logTail).toContain(`training ${run.id}`)
    expect(error.message).toContain("exited with code 3")
    expect(error.message).toContain(join(runDir, workerLogFile))
  })

  it("fails a worker that exits normally without writing result.json", async () => {
    const run = makeRun(0)
    const runDir = await preparedRunDir(run)
    const error = await failureOf("no-result", run, runDir)
    expect(error.exitCode).toBe(0)
    expect(error.reason).toContain("result.json was not written")
  })

  it("does not take a result left by an earlier execution for this one's", async () => {
    const run = makeRun(0)
    const runDir = await preparedRunDir(run)
    await executeWith("train", run, runDir)
    const error = await failureOf("no-result", run, runDir)
    expect(error.reason).toContain("was not written")
  })

  it("says so when the worker cannot be started", async () => {
    const run = makeRun(0)
    const runDir = await preparedRunDir(run)
    const missing = LocalExecutor.layer({
      name: "local",
      workerCommand: () => ({ command: "no-such-scalelab-worker", args: [] }),
      hangTimeoutSeconds: 0
    })
    const error = await Effect.runPromise(
      Effect.flip(Executor.use((executor) => executor.execute(run, runDir, ignoreMetrics))).pipe(Effect.provide(missing))
    )
    expect(error.exitCode).toBeNull()
    expect(error.reason).toContain("could not start `no-such-scalelab-worker`")
  })

  it("kills the worker when the execution is interrupted", async () => {
    const run = makeRun(0)
    const runDir = await preparedRunDir(run)
    const pidFile = join(runDir, "pid")
    const pid = await Effect.runPromise(
      Effect.gen(function*() {
        const executor = yield* Executor
        const execution = yield* Effect.forkChild(executor.execute(run, runDir, ignoreMetrics))
        while (!existsSync(pidFile)) yield* Effect.sleep("20 millis")
        const pid = Number(readFileSync(pidFile, "utf8"))
        expect(isProcessAlive(pid)).toBe(true)
        yield* Fiber.interrupt(execution)
        return pid
      }).pipe(Effect.provide(fakeTrainerExecutor(() => "hang")))
    )
    expect(isProcessAlive(pid)).toBe(false)
  })

  it("reports each metric line as it is written, and a worker that keeps writing is not hung", async () => {
    const run = makeRun(1)
    const runDir = await preparedRunDir(run)
    const lines: Array<MetricLine> = []
    // 0.3 s hang timeout, a line every 0.1 s for a second.
    const result = await executeWith("slow", run, runDir, (line) => lines.push(line))
    expect(result.status).toBe("completed")
    expect(lines.filter((line) => line.loss !== undefined && line.step <= 10).map((line) => line.step)).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1]
    )
    expect(lines.at(-1)?.val_loss).toBeCloseTo(expectedLoss(run.params, run.tokens), 12)
  })

  it("kills a worker that writes no metric line for the hang timeout, as hung and retryable", async () => {
    const run = makeRun(0)
    const runDir = await preparedRunDir(run)
    const error = await failureOf("hang", run, runDir, 0.5)
    expect(error).toMatchObject({ kind: "hung", retryable: true })
    expect(error.reason).toContain("execution.hang_timeout is 0.5 s")
    expect(isProcessAlive(Number(readFileSync(join(runDir, "pid"), "utf8")))).toBe(false)
  })

  it("fails a run whose trainer writes a line that is not a metric line, quoting it, without retry", async () => {
    const run = makeRun(0)
    const runDir = await preparedRunDir(run)
    const error = await failureOf("malformed", run, runDir)
    expect(error).toMatchObject({ kind: "malformed", retryable: false })
    expect(error.reason).toContain("metrics.jsonl line 2 is not a metric line")
    expect(error.reason).toContain(`"step=2 loss=4.9"`)
  })

  it("takes exit code 2 for bad input, which no retry can fix", async () => {
    const run = makeRun(0)
    const runDir = await preparedRunDir(run)
    const error = await failureOf("bad-input", run, runDir)
    expect(error).toMatchObject({ kind: "bad_input", retryable: false, exitCode: 2 })
    expect(error.logTail).toContain("cannot read")
  })

  it("stops a worker left running by a coordinator that was killed, before starting another", async () => {
    const run = makeRun(0)
    const runDir = await preparedRunDir(run)
    // A coordinator killed outright: its worker (a `hang`) runs on, recorded in worker.pid.
    const pidFile = join(runDir, "pid")
    const orphan = spawn(process.execPath, [fakeTrainer, runDir, "hang"], { stdio: "ignore", detached: true })
    writeFileSync(join(runDir, workerPidFile), JSON.stringify({ pid: orphan.pid, runDir }))
    while (!existsSync(pidFile)) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(isProcessAlive(orphan.pid!)).toBe(true)
    rmSync(pidFile)
    const result = await executeWith("train", run, runDir)
    expect(result.id).toBe(run.id)
    await new Promise((resolve) => orphan.exitCode !== null || orphan.signalCode !== null ? resolve(undefined) : orphan.once("exit", resolve))
    expect(isProcessAlive(orphan.pid!)).toBe(false)
    expect(existsSync(join(runDir, workerPidFile))).toBe(false)
  })
})

describe("CommandExecutor", () => {
  it("runs a command template through sh with the run folder quoted, whatever characters it has", async () => {
    const run = makeRun(4)
    const runDir = runFolderPath(freshStoreDir(), `it's a run`)
    await Effect.runPromise(writeRunSpec(runDir, run))
    const layer = CommandExecutor.layer({
      template: `cd {run_dir} && ${process.execPath} ${fakeTrainer} . train`,
      hangTimeoutSeconds: 0
    })
    const result = await Effect.runPromise(
      Executor.use((executor) => executor.execute(run, runDir, ignoreMetrics)).pipe(Effect.provide(layer))
    )
    expect(result.val_loss).toBeCloseTo(expectedLoss(run.params, run.tokens), 12)
  })
})
