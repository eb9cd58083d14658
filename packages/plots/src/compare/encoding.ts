// The Vega-Lite pieces every comparison plot builds its layers from: one colour scale per plot,
// markers filled or hollow, and a marker legend in ink.
import type { TopLevelSpec } from "vega-lite"
import { axisTitles, inkColor, logComputeScaleAxis } from "../theme.ts"
import { experimentColors, experimentField, type ExperimentIdentity } from "./experiments.ts"

export type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number]
export type UnitLayer = Extract<Layer, { mark: unknown }>
export type Encoding = NonNullable<UnitLayer["encoding"]>
export type PositionDef = NonNullable<Encoding["x"]>
export type ColorDef = NonNullable<Encoding["color"]>
export type TooltipDef = Extract<NonNullable<Encoding["tooltip"]>, ReadonlyArray<unknown>>[number]
/** A layer with its rows inline, so that empty ones can be left out. */
export type DataLayer = UnitLayer & { readonly data: { readonly values: ReadonlyArray<unknown> } }
export type Row = Record<string, unknown>

/**
 * The channels every layer of one plot shares. The colour is a function of whether it draws the
 * legend: every `color` channel does (Vega-Lite merges them into one legend, and refuses layers
 * that disagree), while `fill` and `stroke`, which would each draw a second copy, do not.
 */
export interface SharedEncoding {
  readonly x: PositionDef
  readonly y: PositionDef
  readonly color: (legend: boolean) => ColorDef
}

export const colorEncoding = (colors: ReadonlyMap<string, string>, labels: ReadonlyArray<string>, title = "Experiment") =>
(legend: boolean): ColorDef => ({
  field: experimentField,
  type: "nominal",
  title,
  scale: { domain: [...labels], range: labels.map((label) => colors.get(label) ?? inkColor) },
  legend: legend ? { symbolType: "stroke", symbolStrokeWidth: 3, symbolOpacity: 1, orient: "bottom", direction: "vertical", labelLimit: 320 } : null
})

/** The experiment's colour, white where `hollowTest` holds: for markers that are filled or hollow. */
export const fillEncoding = (color: SharedEncoding["color"], hollowTest: string): ColorDef => {
  const base = color(true)
  return "field" in base ? { ...base, condition: { test: hollowTest, value: "white" } } : base
}

/** The colour channel of a plot that draws every experiment given, its legend in colour order. */
export const experimentColorEncoding = (experiments: ReadonlyArray<ExperimentIdentity>) => {
  const colors = experimentColors(experiments)
  return colorEncoding(colors, [...colors.keys()])
}

/** The compute axis, logarithmic over `domain`. */
export const computeAxis = (domain: readonly [number, number]) =>
  ({ field: "compute", type: "quantitative", title: axisTitles.compute, ...logComputeScaleAxis(domain) }) as const

/** A linear loss axis, its `field` under `title`: losses of one comparison differ by little, so it does not start at zero. */
export const lossAxis = (field: string, title: string) =>
  ({ field, type: "quantitative", title, scale: { zero: false, nice: true, padding: 10 }, axis: { tickCount: 8 } }) as const

/** One kind of marker in a marker legend: its label, its shape and whether it is drawn hollow. */
export interface MarkerKind {
  readonly label: string
  readonly shape: string
  readonly hollow: boolean
}

/** The kinds, in the order given, that some row is marked as: the legend lists only what is drawn. */
export const kindsDrawn = (rows: ReadonlyArray<Row>, kinds: ReadonlyArray<MarkerKind>): Array<MarkerKind> =>
  kinds.filter((kind) => rows.some((row) => row["marker"] === kind.label))

export const markerShape = (kinds: ReadonlyArray<MarkerKind>): NonNullable<Encoding["shape"]> => ({
  field: "marker",
  type: "nominal",
  title: null,
  scale: { domain: kinds.map((kind) => kind.label), range: kinds.map((kind) => kind.shape) },
  legend: {
    orient: "bottom",
    direction: "horizontal",
    labelLimit: 320,
    // Filled and hollow markers in one legend, in ink: the experiment's colour is in the other legend.
    encoding: {
      symbols: {
        fill: kinds.some((kind) => kind.hollow)
          ? { condition: { test: `indexof(${JSON.stringify(kinds.filter((kind) => kind.hollow).map((kind) => kind.label))}, datum.value) >= 0`, value: "white" }, value: inkColor }
          : { value: inkColor },
        stroke: { value: inkColor },
        strokeWidth: { value: 1.5 },
        fillOpacity: { value: 1 },
        size: { value: 80 }
      }
    }
  }
})

export const nonEmpty = (layers: ReadonlyArray<DataLayer>): Array<DataLayer> =>
  // A layer without rows would leave Vega with an empty extent to warn about.
  layers.filter((layer) => layer.data.values.length > 0)
