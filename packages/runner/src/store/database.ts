import Database from "better-sqlite3"
import { Effect, type Scope } from "effect"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { applyMigrations, latestVersion } from "./migrations.ts"
import { StoreError, storeErrorFrom } from "./StoreError.ts"

export const databaseFileName = "scalelab.db"

export const databasePath = (storeDir: string): string => join(storeDir, databaseFileName)

// A dashboard or a second sweep may hold the write lock for a moment; wait rather than fail.
const busyTimeoutMs = 10_000

const connect = (file: string): Database => {
  const db = new Database(file, { timeout: busyTimeoutMs })
  try {
    // WAL lets readers (the dashboard, `scalelab runs`) work while a sweep writes.
    db.pragma("journal_mode = WAL")
    db.pragma("foreign_keys = ON")
    db.pragma(`busy_timeout = ${busyTimeoutMs}`)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

/**
 * Opens an existing store for reading only, without migrating it, for a process that watches a
 * sweep (the dashboard): it never takes the write lock, so it cannot slow the sweep down, and a
 * mistyped folder is reported instead of becoming an empty store. The scope closes it.
 */
export const openDatabaseReadOnly = (storeDir: string): Effect.Effect<Database, StoreError, Scope.Scope> => {
  const file = databasePath(storeDir)
  return Effect.gen(function*() {
    const db = yield* Effect.acquireRelease(
      Effect.try({
        try: () => new Database(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs }),
        catch: storeErrorFrom(file, "open")
      }),
      (db) => Effect.sync(() => db.close())
    )
    const found = Number(db.pragma("user_version", { simple: true }))
    if (found !== latestVersion) {
      return yield* new StoreError({
        database: file,
        operation: "open",
        message: found < latestVersion
          ? `The run store ${file} has schema version ${found}, older than this scalelab's ` +
            `(${latestVersion}). Run \`scalelab runs --store ${storeDir}\` once to upgrade it.`
          : `The run store ${file} has schema version ${found}, newer than this scalelab knows ` +
            `(${latestVersion}). Upgrade scalelab.`
      })
    }
    return db
  })
}

/**
 * Opens (creating if needed) `<storeDir>/scalelab.db` at the latest schema version; the scope
 * closes it.
 */
export const openDatabase = (storeDir: string): Effect.Effect<Database, StoreError, Scope.Scope> => {
  const file = databasePath(storeDir)
  return Effect.gen(function*() {
    const db = yield* Effect.acquireRelease(
      Effect.try({
        try: () => {
          mkdirSync(storeDir, { recursive: true })
          return connect(file)
        },
        catch: storeErrorFrom(file, "open")
      }),
      (db) => Effect.sync(() => db.close())
    )
    const found = yield* Effect.try({ try: () => applyMigrations(db), catch: storeErrorFrom(file, "migrate") })
    if (found > latestVersion) {
      return yield* new StoreError({
        database: file,
        operation: "open",
        message: `The run store ${file} has schema version ${found}, newer than this scalelab knows ` +
          `(${latestVersion}). Upgrade scalelab, or point --store at another folder.`
      })
    }
    return db
  })
}
