import { Effect, Fiber } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { Executor, LocalExecutor, runFolderPath, workerLogFile } from "../src/index.ts"
import { writeRunSpec } from "../src/runFolder.ts"
import { expectedLoss, fakeTrainerExecutor, freshStoreDir, makeRun } from "./fixtures.ts"

const preparedRunDir = async (run: ReturnType<typeof makeRun>) => {
  const runDir = runFolderPath(freshStoreDir(), run.id)
  await Effect.runPromise(writeRunSpec(runDir, run))
  return runDir
}

const executeWith = (behaviour: string, run: ReturnType<typeof makeRun>, runDir: string) =>
  Effect.runPromise(
    Executor.use((executor) => executor.execute(run, runDir)).pipe(
      Effect.provide(fakeTrainerExecutor(() => behaviour))
    )
  )

const failureOf = (behaviour: string, run: ReturnType<typeof makeRun>, runDir: string) =>
  Effect.runPromise(
    Effect.flip(Executor.use((executor) => executor.execute(run, runDir))).pipe(
      Effect.provide(fakeTrainerExecutor(() => behaviour))
    )
  )

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

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
    expect(error).toMatchObject({ _tag: "RunFailed", runId: run.id, exitCode: 3 })
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
    const missing = LocalExecutor.layer({ workerCommand: () => ({ command: "no-such-scalelab-worker", args: [] }) })
    const error = await Effect.runPromise(
      Effect.flip(Executor.use((executor) => executor.execute(run, runDir))).pipe(Effect.provide(missing))
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
        const execution = yield* Effect.forkChild(executor.execute(run, runDir))
        while (!existsSync(pidFile)) yield* Effect.sleep("20 millis")
        const pid = Number(readFileSync(pidFile, "utf8"))
        expect(isAlive(pid)).toBe(true)
        yield* Fiber.interrupt(execution)
        return pid
      }).pipe(Effect.provide(fakeTrainerExecutor(() => "hang")))
    )
    expect(isAlive(pid)).toBe(false)
  })
})
