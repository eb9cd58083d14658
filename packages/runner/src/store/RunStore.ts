import { type MetricLine, type RunResult, type RunSpec, totalParams } from "@scalelab/spec"
import { Clock, Context, Effect, Layer, Option, Result } from "effect"
import { crashPoint } from "../crashPoint.ts"
import { databasePath, openDatabase, openDatabaseReadOnly } from "./database.ts"
import { decodeFitRecord, encodeFitRecord, type FitRecord } from "./fitRecord.ts"
import { prepareStatements } from "./statements.ts"
import type {
  AbandonedAttempt,
  AttemptFailure,
  AttemptRow,
  ExperimentRow,
  ResultRow,
  RunRow,
  RunStatus,
  StoredFit
} from "./rows.ts"
import { StoreError, storeErrorFrom } from "./StoreError.ts"

/**
 * The run store: what was planned, each attempt at running it, how it ended, and the fits made
 * from the results. Every operation is one transaction. The run folders stay the source of truth
 * for finished work; this is the index over them.
 *
 * A run's life: `recordPlanned` → (`startAttempt` → `recordAttemptFailure`, not final)* →
 * `startAttempt` → `markCompleted`, or a final `recordAttemptFailure`, or `markInterrupted`.
 */
export class RunStore extends Context.Service<RunStore, {
  /** The database file, for messages. */
  readonly database: string
  /** Records the experiment; a `null` spec keeps the one already recorded. */
  upsertExperiment(name: string, spec: unknown): Effect.Effect<void, StoreError>
  /**
   * Inserts the runs the store lacks as `planned`, with the planner's reason for each (by run id)
   * where given; a run already known keeps its state, and takes a newly given reason.
   */
  recordPlanned(runs: ReadonlyArray<RunSpec>, reasons?: ReadonlyMap<string, string>): Effect.Effect<void, StoreError>
  /**
   * Starts an attempt at the run and returns its number (1-based, counted over the run's lifetime).
   * Drops the result and metrics of an earlier execution. Fails if an attempt is still running.
   */
  startAttempt(id: string, attempt: { readonly executor: string; readonly lr: number }): Effect.Effect<number, StoreError>
  /**
   * Records the result (status `completed` or `diverged`, as the result says) and its metrics, and
   * closes the attempt that produced it; `attempt` is null for a result found in a run folder
   * without an attempt of its own.
   */
  markCompleted(
    id: string,
    attempt: number | null,
    result: RunResult,
    metrics?: ReadonlyArray<MetricLine>
  ): Effect.Effect<void, StoreError>
  /**
   * Closes the attempt as failed. When `final`, the run fails with the failure's reason;
   * otherwise it stays `running`, for the retry that follows.
   */
  recordAttemptFailure(
    id: string,
    attempt: number,
    failure: AttemptFailure,
    final: boolean
  ): Effect.Effect<void, StoreError>
  /**
   * The sweep stopped while the attempt ran: the attempt and the run become `interrupted`. An
   * attempt or run that has already ended (the interruption came after `markCompleted`, say)
   * keeps its ending.
   */
  markInterrupted(id: string, attempt: number): Effect.Effect<void, StoreError>
  /**
   * For a sweep starting after its predecessor was killed: every attempt still `running` (of the
   * experiment, or of all) becomes `abandoned`, and every run still `running` (also those killed
   * between two attempts) becomes `interrupted`. Returns the abandoned attempts.
   */
  abandonRunningAttempts(experiment?: string): Effect.Effect<ReadonlyArray<AbandonedAttempt>, StoreError>
  /** The experiments recorded, by name. */
  experiments(): Effect.Effect<ReadonlyArray<ExperimentRow>, StoreError>
  /** The spec a sweep recorded for the experiment (its effective spec, parsed JSON); none when it recorded none. */
  experimentSpec(name: string): Effect.Effect<Option.Option<unknown>, StoreError>
  /**
   * The metric lines recorded with a run's result, by step: empty until the run completes (a
   * running run's lines are in its folder's metrics.jsonl).
   */
  metrics(id: string): Effect.Effect<ReadonlyArray<MetricLine>, StoreError>
  /** The runs, of one experiment or all, with one of `statuses` when given; by experiment, budget, size. */
  listRuns(experiment?: string, statuses?: ReadonlyArray<RunStatus>): Effect.Effect<ReadonlyArray<RunRow>, StoreError>
  /** The attempts at one run, or at all runs, ordered by run and attempt. */
  attempts(id?: string): Effect.Effect<ReadonlyArray<AttemptRow>, StoreError>
  /** Completed runs with their losses; diverged and unfinished runs are left out. */
  results(experiment?: string): Effect.Effect<ReadonlyArray<ResultRow>, StoreError>
  /** Records the fits of the experiment's report (its fit.json). */
  recordFit(experiment: string, fit: FitRecord): Effect.Effect<void, StoreError>
  /** The report's fits recorded last for the experiment; a stored record that does not decode is an error. */
  latestFit(experiment: string): Effect.Effect<Option.Option<StoredFit>, StoreError>
  /** Records a backtest of the experiment; `json` must survive JSON.stringify. */
  recordBacktest(experiment: string, json: unknown): Effect.Effect<void, StoreError>
}>()("@scalelab/runner/store/RunStore") {
  /** The store kept in `<storeDir>/scalelab.db`, opened (and migrated) for the layer's lifetime. */
  static readonly layer = (storeDir: string): Layer.Layer<RunStore, StoreError> =>
    Layer.effect(RunStore, makeRunStore(storeDir, openDatabase(storeDir)))

  /**
   * The existing store in `<storeDir>`, opened read-only and not migrated: for watching a sweep
   * that another process writes. Every write fails with a StoreError.
   */
  static readonly readOnlyLayer = (storeDir: string): Layer.Layer<RunStore, StoreError> =>
    Layer.effect(RunStore, makeRunStore(storeDir, openDatabaseReadOnly(storeDir)))
}

// The report's fit record is kept under the method it was first recorded as, so that stores
// written before keep giving it back.
const fitRecordMethod = "isoflop"

const isoNow = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis).toISOString())

const makeRunStore = (storeDir: string, open: ReturnType<typeof openDatabase>) =>
  Effect.gen(function*() {
    const db = yield* open
    const database = databasePath(storeDir)

    const statements = yield* Effect.try({
      try: () => prepareStatements(db),
      catch: storeErrorFrom(database, "open")
    })

    const read = <A>(operation: string, body: () => A): Effect.Effect<A, StoreError> =>
      Effect.try({ try: () => db.transaction(body)(), catch: storeErrorFrom(database, operation) })

    // Writes take the write lock up front (BEGIN IMMEDIATE): a deferred transaction that reads
    // and then writes fails at once with SQLITE_BUSY if another process wrote in between,
    // instead of waiting out the busy timeout.
    const write = <A>(operation: string, body: () => A): Effect.Effect<A, StoreError> =>
      Effect.try({ try: () => db.transaction(body).immediate(), catch: storeErrorFrom(database, operation) })

    const refuse = (operation: string, message: string) => new StoreError({ database, operation, message })

    const unknownRun = (operation: string, id: string) =>
      refuse(operation, `${operation}: run ${id} is not in the run store ${database}; record it as planned first.`)

    /** The run is unknown, or else the attempt is: start an attempt before recording its end. */
    const missingAttempt = (operation: string, id: string, attempt: number) =>
      statements.runExists.get(id) === undefined
        ? unknownRun(operation, id)
        : refuse(
          operation,
          `${operation}: run ${id} has no attempt ${attempt} in the run store ${database}; ` +
            `start it with startAttempt first.`
        )

    const upsertExperiment = Effect.fn("RunStore.upsertExperiment")(function*(name: string, spec: unknown) {
      const now = yield* isoNow
      const spec_json = spec === null || spec === undefined ? null : JSON.stringify(spec)
      yield* write("upsertExperiment", () => statements.upsertExperiment.run({ name, spec_json, now }))
    })

    const recordPlanned = (runs: ReadonlyArray<RunSpec>, reasons?: ReadonlyMap<string, string>) =>
      write("recordPlanned", () => {
        for (const run of runs) {
          statements.insertPlanned.run({
            id: run.id,
            experiment: run.experiment,
            budget: run.budget,
            params: run.params,
            params_total: totalParams(run),
            tokens: run.tokens,
            flops: run.flops,
            spec_json: JSON.stringify(run),
            backend: run.backend,
            plan_reason: reasons?.get(run.id) ?? null
          })
        }
      })

    const startAttempt = Effect.fn("RunStore.startAttempt")(
      function*(id: string, { executor, lr }: { readonly executor: string; readonly lr: number }) {
        const now = yield* isoNow
        return yield* write("startAttempt", () => {
          const running = statements.runningAttempt.get(id) as { attempt: number; started_at: string } | undefined
          if (running !== undefined) {
            throw refuse(
              "startAttempt",
              `startAttempt: run ${id} is still running attempt ${running.attempt} (started ${running.started_at}) ` +
                `in the run store ${database}. If no scalelab is running it any more, start the sweep ` +
                `again: it marks such attempts abandoned first.`
            )
          }
          const started = statements.markRunning.get({ id, executor, now }) as { attempts: number } | undefined
          if (started === undefined) throw unknownRun("startAttempt", id)
          statements.insertAttempt.run({ run_id: id, attempt: started.attempts, executor, lr, now })
          statements.deleteResult.run(id)
          statements.deleteMetrics.run(id)
          return started.attempts
        })
      }
    )

    const markCompleted = Effect.fn("RunStore.markCompleted")(
      function*(id: string, attempt: number | null, result: RunResult, metrics: ReadonlyArray<MetricLine> = []) {
        const now = yield* isoNow
        yield* write("markCompleted", () => {
          const finished = statements.markFinished.run({ id, status: result.status, backend: result.backend, now })
          if (finished.changes === 0) throw unknownRun("markCompleted", id)
          if (attempt !== null) {
            const closed = statements.closeAttempt.run({
              run_id: id,
              attempt,
              outcome: result.status,
              now,
              kind: null,
              reason: null,
              log_tail: null,
              exit_code: null,
              job_id: null
            })
            if (closed.changes === 0) throw missingAttempt("markCompleted", id, attempt)
          }
          statements.upsertResult.run({
            run_id: id,
            val_loss: result.val_loss,
            train_loss: result.train_loss,
            wall_s: result.wall_s,
            tokens_per_s: result.tokens_per_s,
            memorization: result.memorization ?? null,
            result_json: JSON.stringify(result)
          })
          statements.deleteMetrics.run(id)
          for (const line of metrics) statements.insertMetric.run(id, line.step, JSON.stringify(line))
          crashPoint("store-write")
        })
      }
    )

    const recordAttemptFailure = Effect.fn("RunStore.recordAttemptFailure")(
      function*(id: string, attempt: number, failure: AttemptFailure, final: boolean) {
        const now = yield* isoNow
        yield* write("recordAttemptFailure", () => {
          const closed = statements.closeAttempt.run({
            run_id: id,
            attempt,
            outcome: "failed",
            now,
            kind: failure.kind,
            reason: failure.reason,
            log_tail: failure.logTail,
            exit_code: failure.exitCode,
            job_id: failure.jobId ?? null
          })
          if (closed.changes === 0) throw missingAttempt("recordAttemptFailure", id, attempt)
          if (final) statements.markFailed.run({ id, reason: failure.reason, now })
        })
      }
    )

    const markInterrupted = Effect.fn("RunStore.markInterrupted")(function*(id: string, attempt: number) {
      const now = yield* isoNow
      yield* write("markInterrupted", () => {
        const interrupted = statements.interruptAttempt.run({ run_id: id, attempt, now })
        if (interrupted.changes === 0 && statements.attemptExists.get(id, attempt) === undefined) {
          throw missingAttempt("markInterrupted", id, attempt)
        }
        statements.interruptRun.run({ id, now })
      })
    })

    const abandonRunningAttempts = (experiment?: string) =>
      write("abandonRunningAttempts", () => {
        const abandoned = statements.abandonAttempts.all({ experiment: experiment ?? null }) as Array<AbandonedAttempt>
        statements.interruptRunningRuns.run({ experiment: experiment ?? null })
        // RETURNING gives rows in no promised order.
        return abandoned.sort((a, b) => a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : a.attempt - b.attempt)
      })

    // The migrations' column types and CHECK constraints guarantee the rows' shapes.
    const listRuns = (experiment?: string, statuses?: ReadonlyArray<RunStatus>) =>
      read("listRuns", () =>
        statements.listRuns.all({
          experiment: experiment ?? null,
          statuses: statuses === undefined ? null : JSON.stringify(statuses)
        }) as Array<RunRow>)

    const attempts = (id?: string) =>
      read("attempts", () => {
        if (id !== undefined && statements.runExists.get(id) === undefined) throw unknownRun("attempts", id)
        return statements.attempts.all({ run_id: id ?? null }) as Array<AttemptRow>
      })

    const experiments = () => read("experiments", () => statements.experiments.all() as Array<ExperimentRow>)

    const experimentSpec = (name: string) =>
      read("experimentSpec", () => {
        const row = statements.experimentSpec.get(name) as { spec_json: string | null } | undefined
        return Option.map(Option.fromNullishOr(row?.spec_json), (json): unknown => JSON.parse(json))
      })

    // Each line was decoded as a MetricLine before markCompleted stored it.
    const metrics = (id: string) =>
      read("metrics", () =>
        (statements.metrics.all(id) as Array<{ json: string }>).map((row) => JSON.parse(row.json) as MetricLine))

    const results = (experiment?: string) =>
      read("results", () => statements.results.all({ experiment: experiment ?? null }) as Array<ResultRow>)

    const insertFit = (operation: string, experiment: string, method: string, fit: unknown) =>
      Effect.gen(function*() {
        const now = yield* isoNow
        yield* write(operation, () => {
          const json: string | undefined = JSON.stringify(fit)
          if (json === undefined) {
            throw refuse(operation, `${operation}: the ${method} of ${experiment} is not JSON (${typeof fit}).`)
          }
          if (statements.experimentExists.get(experiment) === undefined) {
            throw refuse(operation, `${operation}: experiment ${experiment} is not in the run store ${database}; record it first.`)
          }
          statements.insertFit.run({ experiment, method, now, json })
        })
      })

    const recordFit = Effect.fn("RunStore.recordFit")(function*(experiment: string, fit: FitRecord) {
      const encoded = encodeFitRecord(fit)
      if (Result.isFailure(encoded)) {
        return yield* refuse("recordFit", `recordFit: the fit of ${experiment} is not a fit record: ${encoded.failure.message}`)
      }
      yield* insertFit("recordFit", experiment, fitRecordMethod, encoded.success)
    })

    const recordBacktest = Effect.fn("RunStore.recordBacktest")(function*(experiment: string, json: unknown) {
      yield* insertFit("recordBacktest", experiment, "backtest", json)
    })

    const latestFit = (experiment: string) =>
      read("latestFit", () => {
        const row = statements.latestFit.get(experiment, fitRecordMethod) as { created_at: string; json: string } | undefined
        return Option.map(Option.fromNullishOr(row), (found): StoredFit => {
          const decoded = decodeFitRecord(JSON.parse(found.json))
          if (Result.isFailure(decoded)) {
            throw refuse(
              "latestFit",
              `The fit of experiment ${experiment} recorded in the run store ${database} on ${found.created_at} is not a fit ` +
                `record this scalelab reads:\n${decoded.failure.message}\nRun the sweep again (\`scalelab run\`) to fit and record it anew.`
            )
          }
          return { created_at: found.created_at, json: decoded.success }
        })
      })

    return RunStore.of({
      database,
      upsertExperiment,
      recordPlanned,
      startAttempt,
      markCompleted,
      recordAttemptFailure,
      markInterrupted,
      abandonRunningAttempts,
      experiments,
      experimentSpec,
      metrics,
      listRuns,
      attempts,
      results,
      recordFit,
      recordBacktest,
      latestFit
    })
  })
