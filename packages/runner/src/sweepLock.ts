// One coordinator per store: two `scalelab run`s on one store would start two workers per run.
// The lock is a file naming its holder's pid; a holder that died (even by SIGKILL) leaves it
// behind, and the next coordinator takes it over once that pid is gone.
import { Data, Effect, type Scope } from "effect"
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from "node:fs"
import { join } from "node:path"
import { isProcessAlive } from "./processLiveness.ts"

export class StoreBusy extends Data.TaggedError("StoreBusy")<{ readonly storeDir: string; readonly pid: number }> {
  override get message() {
    return `Another scalelab (pid ${this.pid}) is running a sweep on the store ${this.storeDir}. ` +
      `Wait for it to finish or stop it (kill ${this.pid}); a sweep killed outright releases the store by itself.`
  }
}

export const sweepLockFile = "sweep.lock"

const holderOf = (path: string): number | undefined => {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8"), 10)
    return Number.isFinite(pid) ? pid : undefined
  } catch {
    return undefined
  }
}

/** Creates the lock file only if absent (O_EXCL), so two coordinators cannot both take it. */
const tryCreate = (path: string): boolean => {
  try {
    const descriptor = openSync(path, "wx")
    writeSync(descriptor, `${process.pid}\n`)
    closeSync(descriptor)
    return true
  } catch (error) {
    if (typeof error === "object" && error !== null && "code" in error && error.code === "EEXIST") return false
    throw error
  }
}

const acquire = (storeDir: string): Effect.Effect<void, StoreBusy> =>
  Effect.gen(function*() {
    mkdirSync(storeDir, { recursive: true })
    const path = join(storeDir, sweepLockFile)
    // Two tries: the second after clearing a dead holder's file. Two coordinators that find the
    // same dead holder at the same instant could both get through; that needs two `scalelab run`s
    // started together on a store whose last coordinator was killed, and is accepted.
    for (let tries = 0; tries < 2; tries++) {
      if (tryCreate(path)) return
      const holder = holderOf(path)
      if (holder !== undefined && holder !== process.pid && isProcessAlive(holder)) {
        return yield* new StoreBusy({ storeDir, pid: holder })
      }
      rmSync(path, { force: true })
    }
    return yield* new StoreBusy({ storeDir, pid: holderOf(path) ?? 0 })
  })

/** Holds the store's sweep lock for the scope's lifetime. */
export const holdSweepLock = (storeDir: string): Effect.Effect<void, StoreBusy, Scope.Scope> =>
  Effect.acquireRelease(
    acquire(storeDir),
    () => Effect.sync(() => rmSync(join(storeDir, sweepLockFile), { force: true }))
  )
