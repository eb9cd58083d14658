import type { MetricLine, RunResult, RunSpec } from "@scalelab/spec"
import { Clock, Context, Effect, Layer } from "effect"
import { databasePath, openDatabase } from "./database.ts"
import { prepareStatements } from "./statements.ts"
import type { ResultRow, RunRow } from "./rows.ts"
import { StoreError, storeErrorFrom } from "./StoreError.ts"

/**
 * The run store: what was planned, what ran, how it ended. Every operation is one transaction.
 * The run folders stay the source of truth for finished work; this is the index over them.
 */
export class RunStore extends Context.Service<RunStore, {
  /** The database file, for messages. */
  readonly database: string
  /** Records the experiment; a `null` spec keeps the one already recorded. */
  upsertExperiment(name: string, spec: unknown): Effect.Effect<void, StoreError>
  /** Inserts the runs the store lacks as `planned`; runs already known are left as they are. */
  recordPlanned(runs: ReadonlyArray<RunSpec>): Effect.Effect<void, StoreError>
  /** Starts attempt `attempt` (1-based), dropping any result of an earlier execution. */
  markRunning(id: string, attempt: number): Effect.Effect<void, StoreError>
  /** Records the result (status `completed` or `diverged`, as the result says) and its metrics. */
  markCompleted(id: string, result: RunResult, metrics?: ReadonlyArray<MetricLine>): Effect.Effect<void, StoreError>
  markFailed(id: string, reason: string): Effect.Effect<void, StoreError>
  listRuns(experiment?: string): Effect.Effect<ReadonlyArray<RunRow>, StoreError>
  /** Completed runs with their losses; diverged and unfinished runs are left out. */
  results(experiment?: string): Effect.Effect<ReadonlyArray<ResultRow>, StoreError>
}>()("@scalelab/runner/store/RunStore") {
  /** The store kept in `<storeDir>/scalelab.db`, opened (and migrated) for the layer's lifetime. */
  static readonly layer = (storeDir: string): Layer.Layer<RunStore, StoreError> =>
    Layer.effect(RunStore, makeRunStore(storeDir))
}

const isoNow = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis).toISOString())

const makeRunStore = (storeDir: string) =>
  Effect.gen(function*() {
    const db = yield* openDatabase(storeDir)
    const database = databasePath(storeDir)

    const transact = <A>(operation: string, body: () => A): Effect.Effect<A, StoreError> =>
      Effect.try({ try: () => db.transaction(body)(), catch: storeErrorFrom(database, operation) })

    const unknownRun = (operation: string, id: string) =>
      new StoreError({
        database,
        operation,
        message: `${operation}: run ${id} is not in the run store ${database}; record it as planned first.`
      })

    const statements = yield* Effect.try({
      try: () => prepareStatements(db),
      catch: storeErrorFrom(database, "open")
    })

    const upsertExperiment = Effect.fn("RunStore.upsertExperiment")(function*(name: string, spec: unknown) {
      const now = yield* isoNow
      const spec_json = spec === null || spec === undefined ? null : JSON.stringify(spec)
      yield* transact("upsertExperiment", () => statements.upsertExperiment.run({ name, spec_json, now }))
    })

    const recordPlanned = (runs: ReadonlyArray<RunSpec>) =>
      transact("recordPlanned", () => {
        for (const run of runs) {
          statements.insertPlanned.run({
            id: run.id,
            experiment: run.experiment,
            budget: run.budget,
            params: run.params,
            tokens: run.tokens,
            flops: run.flops,
            spec_json: JSON.stringify(run),
            backend: run.backend
          })
        }
      })

    const markRunning = Effect.fn("RunStore.markRunning")(function*(id: string, attempt: number) {
      const now = yield* isoNow
      yield* transact("markRunning", () => {
        if (statements.markRunning.run({ id, attempt, now }).changes === 0) throw unknownRun("markRunning", id)
        statements.deleteResult.run(id)
        statements.deleteMetrics.run(id)
      })
    })

    const markCompleted = Effect.fn("RunStore.markCompleted")(
      function*(id: string, result: RunResult, metrics: ReadonlyArray<MetricLine> = []) {
        const now = yield* isoNow
        yield* transact("markCompleted", () => {
          const finished = statements.markFinished.run({ id, status: result.status, backend: result.backend, now })
          if (finished.changes === 0) throw unknownRun("markCompleted", id)
          statements.upsertResult.run({
            run_id: id,
            val_loss: result.val_loss,
            train_loss: result.train_loss,
            wall_s: result.wall_s,
            tokens_per_s: result.tokens_per_s,
            result_json: JSON.stringify(result)
          })
          statements.deleteMetrics.run(id)
          for (const line of metrics) statements.insertMetric.run(id, line.step, JSON.stringify(line))
        })
      }
    )

    const markFailed = Effect.fn("RunStore.markFailed")(function*(id: string, reason: string) {
      const now = yield* isoNow
      yield* transact("markFailed", () => {
        if (statements.markFailed.run({ id, reason, now }).changes === 0) throw unknownRun("markFailed", id)
      })
    })

    // The migrations' column types and CHECK constraints guarantee the rows' shapes.
    const listRuns = (experiment?: string) =>
      transact("listRuns", () => statements.listRuns.all({ experiment: experiment ?? null }) as Array<RunRow>)

    const results = (experiment?: string) =>
      transact("results", () => statements.results.all({ experiment: experiment ?? null }) as Array<ResultRow>)

    return RunStore.of({
      database,
      upsertExperiment,
      recordPlanned,
      markRunning,
      markCompleted,
      markFailed,
      listRuns,
      results
    })
  })
