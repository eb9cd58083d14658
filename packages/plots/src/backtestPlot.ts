import { scientific } from "@scalelab/laws"
import type { TopLevelSpec } from "vega-lite"
import { categoricalPalette, inkColor, logScaleAxis, themeConfig, vegaLiteSchema } from "./theme.ts"

/** One held-out budget: what a law fitted without it predicted, and what its runs showed. */
export interface BacktestPoint {
  /** The held-out compute budget, FLOPs. */
  readonly budget: number
  readonly predicted: number
  readonly actual: number
  /** The prediction's interval (e.g. from a bootstrap), [low, high]. */
  readonly interval?: readonly [number, number]
  /** The point's label; the budget when absent. Name what else tells points apart, e.g. the cutoff of a rolling backtest. */
  readonly label?: string
}

export interface BacktestPlotInput {
  readonly title?: string
  /** What was predicted, e.g. "Final validation loss" or "Compute-optimal size N*". */
  readonly quantity: string
  /** Its unit, e.g. "nats/token" or "parameters"; shown in the axis titles. */
  readonly unit?: string
  /** Log axes for quantities spanning decades (N*, D*); linear for losses. */
  readonly scale?: "log" | "linear"
  readonly points: ReadonlyArray<BacktestPoint>
  /** Central coverage of the intervals, for the legend; 0.8 when absent. */
  readonly intervalLevel?: number
}

/** Names of the Vega marks, so tests and callers can find each layer in the rendered scene. */
export const backtestMarkNames = {
  identity: "predicted_equals_actual",
  intervals: "prediction_interval",
  points: "predictions",
  labels: "budget_label"
} as const

type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number]

const side = 440

/** Whether the interval holds the actual value: the question a backtest asks of each prediction. */
const coverageLabel = (point: BacktestPoint, level: number): string => {
  if (point.interval === undefined) return "no interval"
  const [low, high] = point.interval
  const percent = `${Math.round(level * 100)}%`
  return point.actual >= Math.min(low, high) && point.actual <= Math.max(low, high) ? `${percent} interval holds actual` : `${percent} interval misses actual`
}

/**
 * A backtest of a scaling law: for each held-out budget, the value the law predicted against the
 * value its runs gave, with the prediction's interval as an error bar and the line y = x on which
 * a perfect prediction lies. Both axes share one domain, so distance from the line reads the same
 * everywhere; points are coloured by whether their interval holds the actual value, which is what
 * a reader checks first.
 */
export const backtestPlotSpec = (input: BacktestPlotInput): TopLevelSpec => {
  const level = input.intervalLevel ?? 0.8
  const scale = input.scale ?? "linear"
  const rows = [...input.points]
    .sort((a, b) => a.budget - b.budget)
    .map((point) => ({
      budget: point.budget,
      budget_label: point.label ?? scientific(point.budget, 2),
      predicted: point.predicted,
      actual: point.actual,
      low: point.interval?.[0] ?? point.predicted,
      high: point.interval?.[1] ?? point.predicted,
      relative_error: point.predicted / point.actual - 1,
      coverage: coverageLabel(point, level)
    }))
  const values = rows.flatMap((row) => [row.predicted, row.actual, row.low, row.high])
  const low = Math.min(...values)
  const high = Math.max(...values)
  // A shared domain a little wider than the data, so no error bar ends on the frame.
  const domain: [number, number] = scale === "log"
    ? [low / (high / low) ** 0.06, high * (high / low) ** 0.06]
    : [low - (high - low) * 0.08, high + (high - low) * 0.08]
  const unit = input.unit === undefined ? "" : ` (${input.unit})`
  const axisScale = scale === "log" ? logScaleAxis(domain, 0) : { scale: { domain, nice: false }, axis: { tickCount: 6 } }
  const x = { field: "actual", type: "quantitative", title: `Actual ${input.quantity}${unit}`, ...axisScale } as const
  const y = { field: "predicted", type: "quantitative", title: `Predicted ${input.quantity}${unit}`, ...axisScale } as const
  const coverageKinds = [...new Set(rows.map((row) => row.coverage))].sort()
  const coverageColours: Record<string, string> = {
    [`${Math.round(level * 100)}% interval holds actual`]: categoricalPalette[0],
    [`${Math.round(level * 100)}% interval misses actual`]: categoricalPalette[4],
    "no interval": "#8a8a8a"
  }
  const colour = {
    field: "coverage",
    type: "nominal",
    title: null,
    scale: { domain: coverageKinds, range: coverageKinds.map((kind) => coverageColours[kind] ?? inkColor) },
    // Below the plot: any corner inside could hide a prediction far off the line.
    legend: { orient: "bottom", direction: "horizontal" }
  } as const
  const tooltip = [
    { field: "budget_label", type: "nominal", title: "Held-out budget (FLOPs)" },
    { field: "actual", type: "quantitative", title: "Actual", format: ".4~g" },
    { field: "predicted", type: "quantitative", title: "Predicted", format: ".4~g" },
    { field: "low", type: "quantitative", title: "Interval low", format: ".4~g" },
    { field: "high", type: "quantitative", title: "Interval high", format: ".4~g" },
    { field: "relative_error", type: "quantitative", title: "Predicted / actual − 1", format: "+.1%" }
  ] as const

  const labelMark = { type: "text", baseline: "middle", fontSize: 11, color: inkColor } as const

  return {
    $schema: vegaLiteSchema,
    // Two subtitle lines: one would be wider than the square plot and pad the figure with white.
    title: { text: input.title ?? `Backtest: ${input.quantity}`, anchor: "start", subtitle: ["Each held-out budget (FLOPs), predicted by a law fitted without it", "Dashed line: prediction = actual"] },
    width: side,
    height: side,
    config: themeConfig,
    layer: ([
      {
        name: backtestMarkNames.identity,
        data: { values: domain.map((value) => ({ actual: value, predicted: value })) },
        mark: { type: "line", color: "#9a9a9a", strokeDash: [5, 4], strokeWidth: 1.2 },
        encoding: { x, y }
      },
      {
        name: backtestMarkNames.intervals,
        data: { values: rows.filter((row) => row.low !== row.high) },
        mark: { type: "rule", strokeWidth: 2, opacity: 0.8 },
        encoding: { x, y: { field: "low", type: "quantitative" }, y2: { field: "high" }, color: colour }
      },
      {
        name: backtestMarkNames.points,
        data: { values: rows },
        mark: { type: "point", filled: true, size: 80, opacity: 1, stroke: "white", strokeWidth: 0.8 },
        encoding: { x, y, color: colour, tooltip: [...tooltip] }
      },
      // Each label sits on the side of its point away from the line y = x, so the line never crosses it.
      {
        name: `${backtestMarkNames.labels}_right`,
        data: { values: rows.filter((row) => row.predicted <= row.actual) },
        mark: { ...labelMark, align: "left", dx: 8 },
        encoding: { x, y, text: { field: "budget_label", type: "nominal" } }
      },
      {
        name: `${backtestMarkNames.labels}_left`,
        data: { values: rows.filter((row) => row.predicted > row.actual) },
        mark: { ...labelMark, align: "right", dx: -8 },
        encoding: { x, y, text: { field: "budget_label", type: "nominal" } }
      }
    ] satisfies Array<Layer>).filter((layer) => layer.data.values.length > 0)
  }
}
