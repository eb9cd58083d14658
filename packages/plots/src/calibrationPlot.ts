import type { TopLevelSpec } from "vega-lite"
import { categoricalPalette, inkColor, themeConfig, vegaLiteSchema } from "./theme.ts"

/** The truths a set of intervals of one nominal level held. */
export interface CalibrationPoint {
  /** Nominal central coverage of the intervals, in (0, 1). */
  readonly level: number
  /** Truths checked against an interval of this level. */
  readonly compared: number
  /** Of those, the ones inside. */
  readonly inside: number
}

/** One curve: all compared quantities together, or one of them. */
export interface CalibrationSeries {
  readonly name: string
  readonly points: ReadonlyArray<CalibrationPoint>
}

export interface CalibrationPlotInput {
  readonly title?: string
  /** What was checked, for the subtitle, e.g. "every (cutoff, held-out budget) of a rolling backtest". */
  readonly subject: string
  /** The curve drawn boldest and labelled with its counts (e.g. all quantities together). */
  readonly overall: CalibrationSeries
  /** Thinner curves, one per quantity. */
  readonly series?: ReadonlyArray<CalibrationSeries>
}

/** Names of the Vega marks, so tests and callers can find each layer in the rendered scene. */
export const calibrationMarkNames = {
  diagonal: "nominal_equals_empirical",
  lines: "coverage_line",
  points: "coverage_point",
  counts: "coverage_count"
} as const

type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number]

const side = 440

const rowsOf = (series: CalibrationSeries) =>
  series.points.filter((point) => point.compared > 0).map((point) => ({
    series: series.name,
    level: point.level,
    empirical: point.inside / point.compared,
    compared: point.compared,
    inside: point.inside,
    count: `${point.inside}/${point.compared}`
  }))

/**
 * A calibration plot: for each nominal level of the intervals (x), the share of truths that fell
 * inside them (y), with the diagonal on which well-calibrated intervals lie. Points below it are
 * intervals too narrow for their level. The overall curve is labelled with its counts (inside /
 * compared), since a share of 3 says much less than one of 300; the per-quantity curves are lighter.
 */
export const calibrationPlotSpec = (input: CalibrationPlotInput): TopLevelSpec => {
  const series = [input.overall, ...(input.series ?? [])]
  // The overall curve last, so that where the curves meet (at 100%, say) its points are drawn on top.
  const rows = [...(input.series ?? []), input.overall].flatMap(rowsOf)
  // Counts alternately above and below their points: neighbouring levels (90%, 95%) sit closer than a label is wide.
  const overallRows = rowsOf(input.overall).map((row, index) => ({ ...row, above: index % 2 === 0 }))
  const names = series.map((s) => s.name)
  const domain: [number, number] = [0, 1]
  const axis = { scale: { domain, nice: false }, axis: { format: ".0%", tickCount: 6 } } as const
  const x = { field: "level", type: "quantitative", title: "Nominal coverage of the interval", ...axis } as const
  const y = { field: "empirical", type: "quantitative", title: "Truths inside (empirical coverage)", ...axis } as const
  const colour = {
    field: "series",
    type: "nominal",
    title: null,
    scale: { domain: names, range: names.map((_, index) => index === 0 ? inkColor : categoricalPalette[(index - 1) % categoricalPalette.length]) },
    // Below the plot, each entry only as wide as its name: the theme's label limit would space them past the plot's width.
    legend: { orient: "bottom", direction: "horizontal", columns: 3, labelLimit: 200 }
  } as const
  const tooltip = [
    { field: "series", type: "nominal", title: "Quantity" },
    { field: "level", type: "quantitative", title: "Nominal", format: ".0%" },
    { field: "empirical", type: "quantitative", title: "Empirical", format: ".1%" },
    { field: "count", type: "nominal", title: "Inside / compared" }
  ] as const
  return {
    $schema: vegaLiteSchema,
    title: {
      text: input.title ?? "Calibration of the forecast intervals",
      anchor: "start",
      // Short subtitle lines: one wider than the square plot would pad the figure with white.
      subtitle: [`Over ${input.subject}`, "Dashed: empirical = nominal; below it, intervals", "too narrow. Labels: truths inside / compared"]
    },
    width: side,
    height: side,
    config: themeConfig,
    layer: ([
      {
        name: calibrationMarkNames.diagonal,
        data: { values: [{ level: 0, empirical: 0 }, { level: 1, empirical: 1 }] },
        mark: { type: "line", color: "#9a9a9a", strokeDash: [5, 4], strokeWidth: 1.2 },
        encoding: { x, y }
      },
      {
        name: calibrationMarkNames.lines,
        data: { values: rows },
        mark: { type: "line", strokeWidth: 1.5, opacity: 0.8 },
        encoding: { x, y, color: colour, detail: { field: "series", type: "nominal" } }
      },
      {
        name: calibrationMarkNames.points,
        data: { values: rows },
        mark: { type: "point", filled: true, opacity: 1, stroke: "white", strokeWidth: 0.8 },
        encoding: {
          x,
          y,
          color: colour,
          size: { condition: { test: `datum.series === ${JSON.stringify(input.overall.name)}`, value: 110 }, value: 50 },
          tooltip: [...tooltip]
        }
      },
      {
        name: `${calibrationMarkNames.counts}_above`,
        data: { values: overallRows.filter((row) => row.above) },
        mark: { type: "text", align: "center", baseline: "bottom", dy: -9, fontSize: 11, color: inkColor },
        encoding: { x, y, text: { field: "count", type: "nominal" } }
      },
      {
        name: `${calibrationMarkNames.counts}_below`,
        data: { values: overallRows.filter((row) => !row.above) },
        mark: { type: "text", align: "center", baseline: "top", dy: 9, fontSize: 11, color: inkColor },
        encoding: { x, y, text: { field: "count", type: "nominal" } }
      }
    ] satisfies Array<Layer>).filter((layer) => layer.data.values.length > 0)
  }
}
