// Helpers for the run store's tests: a store opened for one effect, results to record, and the
// database file read directly, as another process would.
import type { RunResult, RunSpec } from "@scalelab/spec"
import Database from "better-sqlite3"
import { Effect } from "effect"
import { databasePath } from "../src/store/database.ts"
import { RunStore } from "../src/store/RunStore.ts"
import { expectedLoss } from "./fixtures.ts"

export const withStore = <A, E>(storeDir: string, body: Effect.Effect<A, E, RunStore>) =>
  Effect.runPromise(body.pipe(Effect.provide(RunStore.layer(storeDir))))

/** The error `body` fails with. */
export const storeFailure = <A, E>(storeDir: string, body: Effect.Effect<A, E, RunStore>) =>
  Effect.runPromise(Effect.flip(body.pipe(Effect.provide(RunStore.layer(storeDir)))))

export const resultOf = (run: RunSpec, status: RunResult["status"] = "completed"): RunResult => ({
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

export const localAttempt = { executor: "local", lr: 0.003 }

/** Opens the store's database file without the store, and closes it after `body`. */
export const withDatabaseFile = <A>(storeDir: string, body: (db: Database) => A): A => {
  const db = new Database(databasePath(storeDir))
  try {
    return body(db)
  } finally {
    db.close()
  }
}

/** Rows of a query on the store's database file. */
export const queryFile = (storeDir: string, sql: string, ...parameters: ReadonlyArray<unknown>): Array<unknown> =>
  withDatabaseFile(storeDir, (db) => db.prepare(sql).all(...parameters))
