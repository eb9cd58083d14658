import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Effect, Option, Schema } from "effect"
import type { TrainingCurve, TrainingCurvePoint } from "@scalelab/laws"
import { metricsFile, runFolderPath } from "@scalelab/runner"
import { MetricLine } from "@scalelab/spec"
import { UserInputError } from "@scalelab/sweep"
import type { ResultsRow } from "./resultsTable.ts"

/** Training curves for the envelope method, and which loss they trace. */
export interface LoadedCurves {
  readonly curves: ReadonlyArray<TrainingCurve>
  /** `val_loss`: evaluation losses; `loss`: training losses; `val_loss, loss where absent`: a mix across runs. */
  readonly loss: "val_loss" | "loss" | "val_loss, loss where absent" | "the table's loss column"
}

/** What the envelope needs, for the message when an input does not have it. */
export const curvesNeeded =
  "the envelope method needs training curves: a spec whose runs kept metrics.jsonl in their run folders, " +
  "or a table (.jsonl or .csv) with a `run` (or `id`) column and several rows per run, one per evaluation, " +
  "each with the run's params and its flops or tokens so far and the loss there"

/** Keeps one point per FLOP count (the later line wins: a re-evaluation at the same step) and only positive ones. */
const cleanPoints = (points: ReadonlyArray<TrainingCurvePoint>): TrainingCurvePoint[] => {
  const byFlops = new Map<number, TrainingCurvePoint>()
  for (const point of points) if (point.flops > 0 && point.tokens > 0 && point.loss > 0) byFlops.set(point.flops, point)
  return [...byFlops.values()]
}

/** Rows of a table grouped by their `run` column; runs with one row are final results, not curves. */
export const curvesFromRows = (file: string, rows: ReadonlyArray<ResultsRow>): Effect.Effect<LoadedCurves, UserInputError> => {
  const byRun = new Map<string, ResultsRow[]>()
  for (const row of rows) if (row.run !== undefined) byRun.set(row.run, [...(byRun.get(row.run) ?? []), row])
  const curves: TrainingCurve[] = []
  for (const [id, runRows] of byRun) {
    const params = runRows[0]?.params ?? Number.NaN
    const mismatch = runRows.find((row) => row.params !== params)
    if (mismatch !== undefined) {
      return Effect.fail(new UserInputError({
        message: `${file}:${mismatch.line}: run "${id}" has params ${mismatch.params} here but ${params} on its first row; one run is one model size`
      }))
    }
    if (runRows.length >= 2) curves.push({ id, params, points: cleanPoints(runRows) })
  }
  if (curves.length === 0) {
    // The caller names the file: the message says what the table lacks.
    const reason = byRun.size === 0 ? "the table has no `run` or `id` column" : "no run in the table has more than one row"
    return Effect.fail(new UserInputError({ message: `${reason}; ${curvesNeeded}` }))
  }
  return Effect.succeed({ curves, loss: "the table's loss column" })
}

const decodeMetricLine = Schema.decodeUnknownOption(MetricLine)

const readMetrics = (file: string) =>
  Effect.tryPromise({
    try: () => fs.readFile(file, "utf8"),
    catch: (cause) =>
      new UserInputError({
        message: (cause as NodeJS.ErrnoException).code === "ENOENT"
          ? `${file}: no metrics; ${curvesNeeded}`
          : `${file}: could not read it (${String(cause)})`
      })
  })

const parseMetrics = (file: string, text: string): Effect.Effect<MetricLine[], UserInputError> => {
  const lines: MetricLine[] = []
  for (const [index, source] of text.split("\n").entries()) {
    if (source.trim() === "") continue
    let json: unknown
    try {
      json = JSON.parse(source)
    } catch {
      json = undefined
    }
    const decoded = decodeMetricLine(json)
    if (Option.isNone(decoded)) {
      return Effect.fail(new UserInputError({
        message: `${file}:${index + 1}: not a metrics line (step, tokens, flops and loss or val_loss); fix or remove the line`
      }))
    }
    lines.push(decoded.value)
  }
  return Effect.succeed(lines)
}

/** One run's curve from its metrics.jsonl: its evaluation losses when it logged at least 2, else its training losses. */
const curveOfRun = (storeDir: string, run: { readonly id: string; readonly params: number }) =>
  Effect.gen(function* () {
    const file = path.join(runFolderPath(storeDir, run.id), metricsFile)
    const lines = yield* parseMetrics(file, yield* readMetrics(file))
    const pointsOf = (field: "val_loss" | "loss") =>
      cleanPoints(lines.flatMap((line) => {
        const loss = line[field]
        return loss === undefined ? [] : [{ flops: line.flops, tokens: line.tokens, loss }]
      }))
    const evaluations = pointsOf("val_loss")
    const field = evaluations.length >= 2 ? "val_loss" : "loss"
    const curve: TrainingCurve = { id: run.id, params: run.params, points: field === "val_loss" ? evaluations : pointsOf("loss") }
    return { field, curve }
  })

/** The curves of a spec's finished runs, read from each run folder's metrics.jsonl. */
export const curvesFromStore = (storeDir: string, runs: ReadonlyArray<{ readonly id: string; readonly params: number }>) =>
  Effect.gen(function* () {
    const read = yield* Effect.forEach(runs, (run) => curveOfRun(storeDir, run))
    const fields = new Set(read.map(({ field }) => field))
    const loss: LoadedCurves["loss"] = fields.size > 1 ? "val_loss, loss where absent" : fields.has("loss") ? "loss" : "val_loss"
    return { curves: read.map(({ curve }) => curve), loss } satisfies LoadedCurves
  })
