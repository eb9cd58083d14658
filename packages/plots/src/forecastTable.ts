import { scientific } from "@scalelab/laws"
import type { HtmlTable } from "./htmlPage.ts"

type Range = readonly [number, number]

/** A downstream task's forecast accuracy at one budget. */
export interface AccuracyForecastCell {
  readonly task: string
  readonly accuracy: number
  readonly interval?: Range
}

/** The compute-optimal allocation at one forecast budget, with bootstrap intervals where there are some. */
export interface ForecastRow {
  readonly compute: number
  readonly params: number
  readonly tokens: number
  /** Null where the method does not predict loss. */
  readonly loss: number | null
  readonly intervals?: { readonly params?: Range; readonly tokens?: Range; readonly loss?: Range }
  /**
   * A diagnostic, not a forecast: the IsoFLOP power law L*(C) = k·C^c at this budget, which has no
   * irreducible term and reads low far out. forecast.json carries it as `isoflop_loss_diagnostic`.
   */
  readonly lossDiagnostic?: number
  readonly accuracy?: ReadonlyArray<AccuracyForecastCell>
}

export interface ForecastTableInput {
  /** The fit the forecasts come from ("isoflop", say). */
  readonly method: string
  /** The fit the loss column comes from, when not `method` (the parametric law beside IsoFLOP allocations). */
  readonly lossMethod?: string
  /** How the loss intervals' bootstrap went (resamples used, whether to trust them), as forecast.json records it. */
  readonly lossBootstrap?: object
  readonly rows: ReadonlyArray<ForecastRow>
  /** Central coverage of the intervals (0.8 when absent). */
  readonly intervalLevel?: number
}

/** Three significant digits in exponent form (1.23e9, 1.00e22): sizes and budgets span too many decades for SI words. */
const formatQuantity = (value: number): string => scientific(value, 3, { trailingZeros: "keep" })

const formatRange = (range: Range | undefined, format: (value: number) => string): string =>
  range === undefined ? "—" : `${format(range[0])} – ${format(range[1])}`

const formatLoss = (loss: number): string => loss.toFixed(3)
const formatAccuracy = (accuracy: number): string => accuracy.toFixed(3)

/** The tasks any row forecasts accuracy for, in order of first appearance. */
const tasksOf = (rows: ReadonlyArray<ForecastRow>): Array<string> => [
  ...new Set(rows.flatMap((row) => (row.accuracy ?? []).map((cell) => cell.task)))
]

/**
 * The forecast table of a report: one row per budget, with N*, D*, loss and, where the fit gives
 * them, intervals and downstream accuracies. Interval columns appear only when some row has one,
 * so a fit without bootstrap reads as a plain table.
 */
export const forecastTable = (input: ForecastTableInput): HtmlTable => {
  const level = Math.round((input.intervalLevel ?? 0.8) * 100)
  const withIntervals = input.rows.some((row) => row.intervals !== undefined)
  const withLoss = input.rows.some((row) => row.loss !== null)
  const tasks = tasksOf(input.rows)
  const columns = [
    { title: "Compute C (FLOPs)", numeric: true },
    { title: "N* (parameters)", numeric: true },
    ...(withIntervals ? [{ title: `N* ${level}% interval`, numeric: true }] : []),
    { title: "D* (tokens)", numeric: true },
    ...(withIntervals ? [{ title: `D* ${level}% interval`, numeric: true }] : []),
    { title: "Tokens per parameter", numeric: true },
    ...(withLoss ? [{ title: "Loss (nats/token)", numeric: true }] : []),
    ...(withLoss && withIntervals ? [{ title: `Loss ${level}% interval`, numeric: true }] : []),
    ...tasks.map((task) => ({ title: `Accuracy (${task})`, numeric: true }))
  ]
  const rows = input.rows.map((row) => {
    const accuracyOf = (task: string) => row.accuracy?.find((cell) => cell.task === task)
    return [
      formatQuantity(row.compute),
      formatQuantity(row.params),
      ...(withIntervals ? [formatRange(row.intervals?.params, formatQuantity)] : []),
      formatQuantity(row.tokens),
      ...(withIntervals ? [formatRange(row.intervals?.tokens, formatQuantity)] : []),
      (row.tokens / row.params).toFixed(1),
      ...(withLoss ? [row.loss === null ? "—" : formatLoss(row.loss)] : []),
      ...(withLoss && withIntervals ? [formatRange(row.intervals?.loss, formatLoss)] : []),
      ...tasks.map((task) => {
        const cell = accuracyOf(task)
        if (cell === undefined) return "—"
        return cell.interval === undefined
          ? formatAccuracy(cell.accuracy)
          : `${formatAccuracy(cell.accuracy)} (${formatRange(cell.interval, formatAccuracy)})`
      })
    ]
  })
  return { columns, rows }
}

/** forecast.json: the same forecasts as numbers, intervals as [low, high], for programs. */
export const forecastJson = (input: ForecastTableInput) => ({
  method: input.method,
  ...(input.lossMethod === undefined ? {} : { loss_method: input.lossMethod }),
  ...(input.lossBootstrap === undefined ? {} : { loss_bootstrap: input.lossBootstrap }),
  interval_level: input.rows.some((row) => row.intervals !== undefined) ? (input.intervalLevel ?? 0.8) : null,
  forecasts: input.rows.map((row) => ({
    compute: row.compute,
    params: row.params,
    tokens: row.tokens,
    loss: row.loss,
    ...(row.intervals === undefined
      ? {}
      : {
        ...(row.intervals.params === undefined ? {} : { params_interval: row.intervals.params }),
        ...(row.intervals.tokens === undefined ? {} : { tokens_interval: row.intervals.tokens }),
        ...(row.intervals.loss === undefined ? {} : { loss_interval: row.intervals.loss })
      }),
    ...(row.lossDiagnostic === undefined ? {} : { isoflop_loss_diagnostic: row.lossDiagnostic }),
    ...(row.accuracy === undefined ? {} : { accuracy: row.accuracy })
  }))
})
