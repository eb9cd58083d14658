// A coordinator killed outright leaves its workers behind. The built-in worker stops by itself
// when its stdin lifeline closes, but an external trainer may not: before a run folder gets a new
// worker, whatever worker it still has is stopped, so that two never write one folder.
import { Effect, Schedule } from "effect"
import { readFile, rm } from "node:fs/promises"
import { join } from "node:path"
import { isProcessAlive } from "../processLiveness.ts"
import { workerPidFile } from "../runFolder.ts"
import { writeFileAtomically } from "@scalelab/spec/atomic-file"

interface WorkerRecord {
  readonly pid: number
  readonly runDir: string
}

// A pid is reused once its process is gone: only a process whose command line names this run
// folder is taken for its worker.
const isWorkerOf = (record: WorkerRecord): Promise<boolean> =>
  readFile(`/proc/${record.pid}/cmdline`, "utf8").then(
    (cmdline) => cmdline.includes(record.runDir),
    () => isProcessAlive(record.pid)
  )

const signalGroup = (pid: number, signal: NodeJS.Signals) => {
  try {
    // Workers lead their own process group, which holds what they started (a shell's child).
    process.kill(-pid, signal)
  } catch {
    try {
      process.kill(pid, signal)
    } catch {
      // Already gone.
    }
  }
}

const groupAlive = (pid: number): boolean => {
  try {
    process.kill(-pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Waits until every process of the worker's group has exited, then SIGKILLs what is left after
 * `gracePeriodMillis`. The group leader may exit first (a `sh -c` wrapper killed by SIGTERM)
 * while the trainer under it still writes its checkpoint; the run folder is not free until then.
 */
export const awaitWorkerGroup = (pid: number, gracePeriodMillis: number): Effect.Effect<void> =>
  Effect.gen(function*() {
    const gone = yield* Effect.sync(() => !groupAlive(pid)).pipe(
      Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (done) => done }),
      Effect.timeoutOption(gracePeriodMillis)
    )
    if (gone._tag === "None") signalGroup(pid, "SIGKILL")
  })

export const recordWorker = (runDir: string, pid: number): Effect.Effect<void> =>
  Effect.sync(() => writeFileAtomically(join(runDir, workerPidFile), JSON.stringify({ pid, runDir }) + "\n"))

export const forgetWorker = (runDir: string): Effect.Effect<void> =>
  Effect.promise(() => rm(join(runDir, workerPidFile), { force: true }))

/**
 * Stops the worker a dead coordinator left on this run folder, if one is still running: SIGTERM
 * (it checkpoints), then SIGKILL after `gracePeriodMillis`. Returns whether there was one.
 */
export const stopOrphanWorker = (runDir: string, gracePeriodMillis: number): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const text = yield* Effect.promise(() => readFile(join(runDir, workerPidFile), "utf8").catch(() => ""))
    if (text === "") return false
    const record = yield* Effect.try(() => JSON.parse(text) as WorkerRecord).pipe(Effect.orElseSucceed(() => undefined))
    const orphan = record !== undefined && typeof record.pid === "number" && (yield* Effect.promise(() => isWorkerOf(record)))
    if (orphan) {
      signalGroup(record.pid, "SIGTERM")
      const exited = yield* Effect.sync(() => !isProcessAlive(record.pid)).pipe(
        Effect.repeat({ schedule: Schedule.spaced("100 millis"), until: (gone) => gone }),
        Effect.timeoutOption(gracePeriodMillis)
      )
      if (exited._tag === "None") signalGroup(record.pid, "SIGKILL")
    }
    yield* forgetWorker(runDir)
    return orphan
  })
