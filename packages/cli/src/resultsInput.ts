import { existsSync } from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Effect } from "effect"
import { parseResultsTable, type ResultsTableFormat } from "@scalelab/laws"
import { planIsoflop } from "@scalelab/planner"
import { databasePath, RunStore } from "@scalelab/runner"
import { UserInputError } from "./failure.ts"
import { attempt } from "./pureInput.ts"
import { loadSpec } from "./specInput.ts"
import { storeDirFor } from "./storeLocation.ts"

/** One finished run, whatever it was read from. */
export interface ResultPoint {
  /** `FILE:LINE` for a table row, the run id for a stored run: what messages name. */
  readonly id: string
  readonly params: number
  readonly tokens: number
  readonly flops: number
  readonly loss: number
  /** The IsoFLOP budget the run belongs to. */
  readonly budget: number
}

export interface LoadedResults {
  readonly points: ReadonlyArray<ResultPoint>
  /** Where each run's budget came from: the table's column, the spec's plan, or its FLOPs rounded. */
  readonly budgets: "column" | "plan" | "flops"
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
    const points = table.rows.map((row): ResultPoint => ({
      id: `${file}:${row.line}`,
      params: row.params,
      tokens: row.tokens,
      flops: row.flops,
      loss: row.loss,
      budget: row.budget ?? budgetOfFlops(row.flops)
    }))
    return { points, budgets: table.has_budget ? "column" : "flops" } satisfies LoadedResults
  })

/** The finished runs of the spec's current plan, from its store (as `scalelab run` fits them). */
const fromSpec = (spec: string, store: string | undefined) =>
  Effect.gen(function* () {
    const experiment = yield* loadSpec(spec)
    const storeDir = storeDirFor(spec, store)
    if (!existsSync(databasePath(storeDir))) {
      return yield* new UserInputError({
        message: `no run store at ${storeDir}: run \`scalelab run ${spec}\` first, or pass --store DIR`
      })
    }
    const planned = new Set((yield* attempt(() => planIsoflop(experiment))).runs.map(({ run }) => run.id))
    const rows = yield* Effect.gen(function* () {
      return yield* (yield* RunStore).results(experiment.name)
    }).pipe(Effect.provide(RunStore.layer(storeDir)))
    const points = rows.filter((row) => planned.has(row.run_id)).map((row): ResultPoint => ({
      id: row.run_id,
      params: row.params,
      tokens: row.tokens,
      flops: row.flops,
      loss: row.loss,
      budget: row.budget
    }))
    if (points.length === 0) {
      return yield* new UserInputError({ message: `${spec}: no finished runs in ${storeDir}; run \`scalelab run ${spec}\` first` })
    }
    return { points, budgets: "plan" } satisfies LoadedResults
  })

/** INPUT of `fit` and `forecast --from`: a spec (its store's results) or a CSV/JSONL results table. */
export const loadResults = (input: string, options: { readonly rename: Readonly<Record<string, string>>; readonly store: string | undefined }) => {
  const extension = path.extname(input).toLowerCase()
  if (specExtensions.has(extension)) return fromSpec(input, options.store)
  const format = tableFormats[extension]
  if (format !== undefined) return fromTable(input, format, options.rename)
  return Effect.fail(new UserInputError({
    message: `${input}: unknown kind of input; give a spec (.yaml, .yml) or a results table (.csv, .jsonl)`
  }))
}
