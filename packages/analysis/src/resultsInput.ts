import { existsSync } from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Effect } from "effect"
import { attempt, loadSpecOfAnyKind, planExperiment, storeDirFor, UserInputError } from "@scalelab/sweep"
import { databasePath, type ResultRow, RunStore } from "@scalelab/runner"
import { type DatasetError, datasetLocations, datasetPath } from "@scalelab/datasets"
import { DEFAULT_LAW_FORM, type Experiment, type LawFormChoice, specOfKind, type TableExperiment, type TableSweepSettings } from "@scalelab/spec"
import type { Plan } from "@scalelab/planner"
import { defaultIsoflopMinimum, type IsoflopMinimumEstimator } from "@scalelab/laws"
import { fitTokensNote, withFitTokens } from "./fitTokens.ts"
import { parseResultsTable, type ResultsRow, type ResultsTableFormat, type TaskScores } from "./resultsTable.ts"
import { curvesFromRows, curvesFromStore, type LoadedCurves } from "./trainingCurves.ts"

/** One finished run, whatever it was read from. */
export interface ResultPoint {
  /** `FILE:LINE` for a table row, the run id for a stored run: what messages name. */
  readonly id: string
  /** N: for a mixture of experts, its active parameters. */
  readonly params: number
  /** Every parameter, when the input records it (a store always does; a table's optional `params_total` column). */
  readonly params_total?: number
  readonly tokens: number
  readonly flops: number
  readonly loss: number
  /** The IsoFLOP budget the run belongs to. */
  readonly budget: number
  /** Downstream scores by task name, from `task.<name>.nll` / `task.<name>.acc` columns. */
  readonly tasks?: Readonly<Record<string, TaskScores>>
  /** The fraction of training prefixes the run continued verbatim, for a stored run that measured it (eval.memorization). */
  readonly memorization?: number
}

export interface LoadedResults {
  readonly points: ReadonlyArray<ResultPoint>
  /** Where each run's budget came from: the table's column, the spec's plan, or its FLOPs rounded. */
  readonly budgets: "column" | "plan" | "flops"
  /** The columns the input offers, for messages about what a method is missing. */
  readonly columns: ReadonlyArray<string>
  /** Tasks with downstream scores (`task.<name>.nll` / `.acc` columns). */
  readonly tasks: ReadonlyArray<string>
  /** What the points' tokens are when they are not the tokens trained on (`fit.tokens: effective`). */
  readonly tokensNote?: string
  /** How the IsoFLOP fit reads each budget's minimum: a spec's `fit.isoflop_minimum`, the default for a table. */
  readonly isoflopMinimum: IsoflopMinimumEstimator
  /** The law form the parametric fit fits: a spec's `fit.law_form`, the default for a table. */
  readonly lawForm: LawFormChoice
  /** The runs' training curves, read only when a method needs them. */
  readonly curves: Effect.Effect<LoadedCurves, UserInputError>
}

// Runs of one IsoFLOP budget carry FLOPs that differ by rounding of N and D; three significant
// digits put them back together.
const budgetOfFlops = (flops: number): number => Number(flops.toPrecision(3))

const tableFormats: Readonly<Record<string, ResultsTableFormat>> = { ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl" }
const specExtensions = new Set([".yaml", ".yml"])

const readText = (file: string) =>
  Effect.tryPromise({
    try: () => fs.readFile(file, "utf8"),
    catch: (cause) =>
      new UserInputError({
        message: (cause as NodeJS.ErrnoException).code === "ENOENT"
          ? `${file}: file not found; give a spec (.yaml) or a results table (.csv, .jsonl)`
          : `${file}: could not read it (${String(cause)})`
      })
  })

const fromTable = (file: string, format: ResultsTableFormat, rename: Readonly<Record<string, string>>) =>
  Effect.gen(function* () {
    const text = yield* readText(file)
    const table = yield* attempt(() => parseResultsTable(text, { file, format, rename }))
    const points = finalRows(table.rows).map((row): ResultPoint => ({
      id: `${file}:${row.line}`,
      params: row.params,
      ...(row.params_total === undefined ? {} : { params_total: row.params_total }),
      tokens: row.tokens,
      flops: row.flops,
      loss: row.loss,
      budget: row.budget ?? budgetOfFlops(row.flops),
      ...(row.tasks === undefined ? {} : { tasks: row.tasks })
    }))
    return {
      points,
      budgets: table.has_budget ? "column" : "flops",
      columns: table.columns,
      tasks: table.tasks,
      isoflopMinimum: defaultIsoflopMinimum,
      lawForm: DEFAULT_LAW_FORM,
      curves: curvesFromRows(file, table.rows)
    } satisfies LoadedResults
  })

/**
 * One row per run: where a `run` column gives a run several rows (its training curve), the row
 * with the most tokens stands for the finished run; rows without a run are runs of their own.
 */
const finalRows = (rows: ReadonlyArray<ResultsRow>): ReadonlyArray<ResultsRow> => {
  const last = new Map<string, ResultsRow>()
  const single: ResultsRow[] = []
  for (const row of rows) {
    if (row.run === undefined) single.push(row)
    else if ((last.get(row.run)?.tokens ?? -1) < row.tokens) last.set(row.run, row)
  }
  return [...single, ...last.values()].sort((p, q) => p.line - q.line)
}

/** What a spec's store offers per run (the fields of its results). */
const storeColumns = ["params", "params_total", "tokens", "flops", "loss", "budget", "seed"]

/** The task the built-in trainer scores every run on, as a results table would name its columns (task.cloze.nll / .acc). */
const storedTask = "cloze"

/**
 * A stored run as a result point, with its cloze scores as task scores when its result has both
 * (runs of other trainers, or eval.cloze.items 0, have none), and its memorization rate when it measured one.
 */
export const storedResultPoint = (row: ResultRow): ResultPoint => ({
  id: row.run_id,
  params: row.params,
  params_total: row.params_total,
  tokens: row.tokens,
  flops: row.flops,
  loss: row.loss,
  budget: row.budget,
  ...(row.cloze_nll === null || row.cloze_accuracy === null ? {} : { tasks: { [storedTask]: { nll: row.cloze_nll, acc: row.cloze_accuracy } } }),
  ...(row.memorization === null ? {} : { memorization: row.memorization })
})

/** The tasks stored runs were scored on: cloze, when any of them was. */
export const storedTasks = (points: ReadonlyArray<ResultPoint>): ReadonlyArray<string> =>
  points.some((point) => point.tasks !== undefined) ? [storedTask] : []

/**
 * A table sweep's file: the one it names, or its dataset's file in the cache, fetched on first use
 * (from SCALELAB_DATA_MIRROR when set). Decoding keeps exactly one of `file` and `dataset`.
 */
const tableSweepFile = (sweep: TableSweepSettings): Effect.Effect<string, DatasetError> =>
  sweep.dataset === undefined ? Effect.succeed(sweep.file ?? "") : datasetPath(sweep.dataset, datasetLocations())

/**
 * The rows of a spec's `table` sweep: its file or dataset, with its `map` renaming columns (a --map
 * given on the command line renames on top), less the rows above its `max_loss`. A problem in the
 * table names the spec's field and the table's line.
 */
const fromTableSweep = (spec: string, table: TableExperiment, rename: Readonly<Record<string, string>>) =>
  Effect.gen(function*() {
    const { map, max_loss: maxLoss } = table.sweep
    const field = table.sweep.dataset === undefined ? "sweep.file" : "sweep.dataset"
    const file = yield* tableSweepFile(table.sweep)
    const format = tableFormats[path.extname(file).toLowerCase()]
    if (format === undefined) {
      return yield* new UserInputError({ message: `${spec}: ${field}: ${file} is not a results table (.csv, .jsonl)` })
    }
    const results = yield* fromTable(file, format, { ...map, ...rename }).pipe(
      Effect.mapError((error) => new UserInputError({ message: `${spec}: ${field}: ${error.message}` }))
    )
    const kept = maxLoss === "none" ? results : { ...results, points: results.points.filter((point) => point.loss <= maxLoss) }
    return { ...kept, isoflopMinimum: table.fit.isoflop_minimum, lawForm: table.fit.law_form } satisfies LoadedResults
  })

/**
 * The finished runs of the spec's current plan, from its store (as `scalelab run` fits them), with
 * the tokens its fits take (`fit.tokens`); or, for a `table` sweep, its table's rows.
 */
const fromSpec = (spec: string, store: string | undefined, rename: Readonly<Record<string, string>>) =>
  Effect.gen(function* () {
    const loaded = specOfKind(yield* loadSpecOfAnyKind(spec))
    if (loaded._tag === "Table") return yield* fromTableSweep(spec, loaded.table, rename)
    if (loaded._tag === "Hyperparameters") {
      return yield* new UserInputError({
        message: `${spec}: sweep.kind \`hyperparameters\` is fitted as lr*(C) and B*(C), not as a loss law: ` +
          `\`scalelab fit ${spec}\` or \`scalelab report ${spec}\` fits and reports it`
      })
    }
    if (loaded._tag === "Mixture") {
      return yield* new UserInputError({
        message: `${spec}: sweep.kind: mixture is fitted as a data-mixing law, not a scaling law: ` +
          `\`scalelab fit ${spec}\` or \`scalelab report ${spec}\` fits and reports it`
      })
    }
    if (loaded._tag === "Annealing") {
      return yield* new UserInputError({
        message: `${spec}: sweep.kind: annealing measures loss changes against a control, not a scaling law: ` +
          `\`scalelab run ${spec}\` or \`scalelab report ${spec}\` reports it`
      })
    }
    const { experiment } = loaded
    const storeDir = yield* storeDirFor(spec, store, "write")
    if (!existsSync(databasePath(storeDir))) {
      return yield* new UserInputError({
        message: `no run store at ${storeDir}: run \`scalelab run ${spec}\` first, or pass --store DIR`
      })
    }
    const plan = yield* planExperiment(experiment, storeDir)
    const points = yield* plannedResultPoints(experiment, plan).pipe(Effect.provide(RunStore.layer(storeDir)))
    if (points.length === 0) {
      return yield* new UserInputError({ message: `${spec}: no finished runs in ${storeDir}; run \`scalelab run ${spec}\` first` })
    }
    const tokensNote = fitTokensNote(experiment)
    return {
      points,
      budgets: "plan",
      columns: storeColumns,
      tasks: storedTasks(points),
      ...(tokensNote === undefined ? {} : { tokensNote }),
      isoflopMinimum: experiment.fit.isoflop_minimum,
      lawForm: experiment.fit.law_form,
      curves: curvesFromStore(storeDir, points.map(({ id, params }) => ({ id, params })))
    } satisfies LoadedResults
  })

/**
 * The finished runs of a plan (those of an earlier version of the spec stay in the store but are
 * not its), from the store in context, with the tokens its fits take (`fit.tokens`).
 */
export const plannedResultPoints = (experiment: Experiment, plan: Plan) =>
  Effect.gen(function* () {
    const planned = new Set(plan.runs.map(({ run }) => run.id))
    const rows = yield* (yield* RunStore).results(experiment.name)
    return withFitTokens(experiment, plan, rows.filter((row) => planned.has(row.run_id)).map(storedResultPoint))
  })

/** INPUT of `fit` and `forecast --from`: a spec (its store's results) or a CSV/JSONL results table. */
export const loadResults = (input: string, options: { readonly rename: Readonly<Record<string, string>>; readonly store: string | undefined }) => {
  const extension = path.extname(input).toLowerCase()
  if (specExtensions.has(extension)) return fromSpec(input, options.store, options.rename)
  const format = tableFormats[extension]
  if (format !== undefined) return fromTable(input, format, options.rename)
  return Effect.fail(new UserInputError({
    message: `${input}: unknown kind of input; give a spec (.yaml, .yml) or a results table (.csv, .jsonl)`
  }))
}
