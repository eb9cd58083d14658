import { Console, Effect, Option, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { type AttemptRow, RunStatus, RunStore } from "@scalelab/runner"
import { type SpecOfKind } from "@scalelab/spec"
import { existingStoreFor, sci, table, UserInputError } from "@scalelab/sweep"
import { sweepRunColumns } from "@scalelab/analysis"
import { experimentNameOf, loadWatchedSpec } from "./watchedSpec.ts"
import { jsonFlag, storeFlag } from "../commonFlags.ts"

// params is N (a mixture of experts' active parameters); params_total counts every parameter (= params for dense runs).
const resultColumns = ["run_id", "experiment", "budget", "params", "params_total", "tokens", "flops", "loss", "train_loss", "seed", "backend", "wall_s", "tokens_per_s", "memorization"] as const

const csvCell = (value: unknown): string => {
  const text = value === null || value === undefined ? "" : String(value)
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

const isRunStatus = Schema.is(RunStatus)

/** Parses `--status failed,interrupted`: one or more statuses, comma-separated. */
const parseStatuses = (text: string) =>
  Effect.gen(function* () {
    const named = text.split(",").map((part) => part.trim()).filter((part) => part !== "")
    const unknown = named.filter((part) => !isRunStatus(part))
    if (named.length === 0 || unknown.length > 0) {
      const what = named.length === 0 ? "no status" : `unknown status ${unknown.map((part) => `"${part}"`).join(", ")}`
      return yield* new UserInputError({
        message: `--status ${JSON.stringify(text)}: ${what}; use one or more of ${RunStatus.literals.join(", ")}, comma-separated`
      })
    }
    return named.filter(isRunStatus)
  })

const errorWidth = 60

/** The first line of a failed run's error, cut to fit a table cell. */
const errorCell = (error: string | null): string => {
  const firstLine = (error ?? "").split("\n", 1)[0] ?? ""
  return firstLine.length > errorWidth ? `${firstLine.slice(0, errorWidth - 1)}…` : firstLine
}

interface Listing {
  readonly experiment: string | undefined
  readonly kind: SpecOfKind | undefined
  readonly storeDir: string
  readonly statuses: ReadonlyArray<RunStatus> | undefined
  readonly json: boolean
  readonly csv: boolean
}

const listRuns = ({ experiment, kind, storeDir, statuses, json, csv }: Listing) =>
  Effect.gen(function* () {
    const runStore = yield* RunStore
    const results = yield* runStore.results(experiment)
    const sweepColumnsOf = (ids: ReadonlyArray<string>) => kind === undefined ? Effect.succeed(undefined) : sweepRunColumns(kind, storeDir, ids)
    if (csv) {
      const sweep = yield* sweepColumnsOf(results.map((row) => row.run_id))
      const lines = [
        [...resultColumns, ...(sweep?.columns ?? [])].join(","),
        ...results.map((row) => [
          ...resultColumns.map((c) => csvCell(row[c])),
          ...(sweep?.columns ?? []).map((c) => csvCell(sweep?.values.get(row.run_id)?.[c]))
        ].join(","))
      ]
      return yield* Console.log(lines.join("\n"))
    }
    const runs = yield* runStore.listRuns(experiment, statuses)
    const sweep = yield* sweepColumnsOf(runs.map((run) => run.id))
    const sweepColumns = sweep?.columns ?? []
    const sweepCells = (id: string) =>
      sweepColumns.map((column) => {
        const value = sweep?.values.get(id)?.[column]
        return value === undefined ? "" : column === "batch_tokens" ? String(value) : column === "lr" ? sci(value) : value.toFixed(column.startsWith("weight.") ? 3 : 4)
      })
    const resultById = new Map(results.map((r) => [r.run_id, r]))
    if (json) {
      const attemptsByRun = new Map<string, Array<AttemptRow>>()
      for (const attempt of yield* runStore.attempts()) {
        const ofRun = attemptsByRun.get(attempt.run_id) ?? []
        ofRun.push(attempt)
        attemptsByRun.set(attempt.run_id, ofRun)
      }
      const listed = runs.map((run) => ({
        ...run,
        ...(sweep === undefined || sweepColumns.length === 0 ? {} : { sweep: sweep.values.get(run.id) ?? {} }),
        result: resultById.get(run.id) ?? null,
        attempt_history: attemptsByRun.get(run.id) ?? []
      }))
      return yield* Console.log(JSON.stringify(listed, null, 2))
    }
    // The error column only when a listed run failed: most listings have none. The total
    // parameters only when a run is a mixture of experts: for dense runs they are params.
    const withErrors = runs.some((run) => run.status === "failed")
    const withTotals = runs.some((run) => run.params_total !== run.params)
    yield* Console.log(table(
      ["id", "experiment", "status", "budget", "params", ...(withTotals ? ["params_total"] : []), "tokens", "loss", ...sweepColumns, "attempts", "backend", ...(withErrors ? ["error"] : [])],
      runs.map((run) => [
        run.id,
        run.experiment,
        run.status,
        sci(run.budget),
        sci(run.params),
        ...(withTotals ? [sci(run.params_total)] : []),
        sci(run.tokens),
        resultById.get(run.id)?.loss.toFixed(4) ?? "",
        ...sweepCells(run.id),
        String(run.attempts),
        run.backend ?? "",
        ...(withErrors ? [run.status === "failed" ? errorCell(run.error) : ""] : [])
      ])
    ))
  })

export const runsCommand = Command.make(
  "runs",
  {
    spec: Argument.String("spec").pipe(Argument.withDescription("experiment spec (YAML): list its runs"), Argument.optional),
    store: storeFlag,
    status: Flag.String("status").pipe(
      Flag.withDescription(`only runs with these statuses, comma-separated (${RunStatus.literals.join(", ")})`),
      Flag.optional
    ),
    json: jsonFlag,
    csv: Flag.Boolean("csv").pipe(Flag.withDescription("the results table of completed runs as CSV (params, params_total, tokens, flops, loss, budget, seed, ...; " +
      "of a hyperparameter grid's spec also lr and batch_tokens, of a data mixture's each domain's weight.<domain> and val_loss.<domain>)"), Flag.withDefault(false))
  },
  ({ spec, store, status, json, csv }) =>
    Effect.gen(function* () {
      const statuses = Option.isSome(status) ? yield* parseStatuses(status.value) : undefined
      if (statuses !== undefined && csv) {
        return yield* new UserInputError({ message: "--csv lists the results of completed runs only; drop --status, or use --json to filter runs by status" })
      }
      // The spec first: a spec that tracks no runs (a table) is the problem to name, not its missing store.
      const kind = Option.isSome(spec) ? yield* loadWatchedSpec(spec.value) : undefined
      const experiment = kind === undefined ? undefined : experimentNameOf(kind)
      const storeDir = yield* existingStoreFor(
        Option.getOrUndefined(spec),
        Option.getOrUndefined(store),
        "say which runs: `scalelab runs SPEC` or `scalelab runs --store DIR`"
      )
      yield* listRuns({ experiment, kind, storeDir, statuses, json, csv }).pipe(Effect.provide(RunStore.layer(storeDir)))
    })
).pipe(Command.withDescription(
  "List runs and their state (--status to filter; --json adds each run's result and attempts); --csv exports the results table " +
    "that fits read. Given a hyperparameter grid's spec, each run's lr and batch_tokens too; a data mixture's or annealing " +
    "probes', each domain's weight and validation loss"
))
