import { scientific } from "@scalelab/laws"
import type { TopLevelSpec } from "vega-lite"
import { siFormatExpression } from "./numberFormat.ts"
import {
  axisTitles,
  categoricalPalette,
  inkColor,
  logComputeScaleAxis,
  logScaleAxis,
  panelSize,
  positiveExtent,
  themeConfig,
  vegaLiteSchema
} from "./theme.ts"

/** y = k·C^exponent, C in FLOPs. */
export interface FrontierPowerLaw {
  readonly k: number
  readonly exponent: number
}

/** The loss minimum of one budget's IsoFLOP curve. */
export interface FrontierMinimum {
  readonly budget: number
  readonly params: number
  readonly tokens: number
  /** False when the minimum lies outside the sizes run: it was extrapolated, and the power laws left it out. */
  readonly bracketed: boolean
}

/** Bootstrap interval of N* and D* at one compute. */
export interface FrontierInterval {
  readonly compute: number
  readonly params: readonly [number, number]
  readonly tokens: readonly [number, number]
}

/** N* and D* at one compute. */
export interface ComputeAllocation {
  readonly compute: number
  readonly params: number
  readonly tokens: number
}

/** A published law's compute-optimal allocations, sampled over the plot's compute axis (see frontierComputeDomain). */
export interface PublishedFrontier {
  readonly label: string
  readonly allocations: ReadonlyArray<ComputeAllocation>
}

export interface FrontierPlotInput {
  readonly title?: string
  /** Legend entry of the fitted laws; "this fit" when absent. */
  readonly fitLabel?: string
  readonly minima: ReadonlyArray<FrontierMinimum>
  readonly paramsLaw: FrontierPowerLaw
  readonly tokensLaw: FrontierPowerLaw
  /** The budgets the power laws were fitted over: the line is solid there and dashed beyond. */
  readonly fittedComputeRange: readonly [number, number]
  /** Budgets to forecast at: the fitted line is extended (dashed) to them and they are marked. */
  readonly forecastComputes: ReadonlyArray<number>
  /** Bootstrap intervals along the compute axis; drawn as a band when there are at least two. */
  readonly intervals?: ReadonlyArray<FrontierInterval>
  /** Central coverage of the intervals, for the legend (0.8 when absent). */
  readonly intervalLevel?: number
  readonly published?: ReadonlyArray<PublishedFrontier>
}

/** Legend entries of the marker legend. */
export const frontierMarkerLabels = {
  minimum: "per-budget minimum",
  unbracketedMinimum: "minimum not bracketed (not fitted)",
  forecast: "forecast"
} as const

/** Names of the Vega marks, so tests and callers can find each layer in the rendered scene. */
export const frontierMarkNames = {
  band: "bootstrap_band",
  fitted: "fitted_law",
  extrapolated: "extrapolated_law",
  published: "published_law",
  minima: "budget_minimum",
  forecasts: "forecast"
} as const

export const powerLawAt = (law: FrontierPowerLaw, compute: number): number => law.k * compute ** law.exponent

/** `count` values spaced evenly in log space from one end of `range` to the other. */
export const logSpaced = (range: readonly [number, number], count: number): Array<number> => {
  const samples = Math.max(2, count)
  const start = Math.log10(range[0])
  const step = (Math.log10(range[1]) - start) / (samples - 1)
  return Array.from({ length: samples }, (_, index) => 10 ** (start + index * step))
}

/**
 * The compute axis of the frontier plot: from the smallest budget to the largest forecast. Callers
 * sample published laws over it so their lines span the whole plot.
 */
export const frontierComputeDomain = (
  budgets: ReadonlyArray<number>,
  forecastComputes: ReadonlyArray<number>
): [number, number] => positiveExtent([...budgets, ...forecastComputes])

type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number]
type Quantity = "params" | "tokens"

const seriesField = "series"
const markerField = "marker"
const defaultFitLabel = "this fit"
// Samples along each fitted segment: a power law is straight on log-log axes, but tooltips and
// the band's edge read better with points along the line.
const lineSamples = 24

/**
 * The compute-optimal frontier (Hoffmann et al. 2022, fig. 3 right; Dubey et al. 2024, fig. 3):
 * N*(C) and D*(C) side by side on log-log axes, the per-budget minima they were fitted to, the
 * fitted power laws and their extrapolation to the forecast budgets with its bootstrap band, and
 * published laws for comparison.
 */
export const frontierPlotSpec = (input: FrontierPlotInput): TopLevelSpec => {
  const fitLabel = input.fitLabel ?? defaultFitLabel
  const published = input.published ?? []
  const seriesLabels = [fitLabel, ...published.map((law) => law.label)]
  const level = Math.round((input.intervalLevel ?? 0.8) * 100)
  const [fitLow, fitHigh] = input.fittedComputeRange
  const extrapolationEnd = Math.max(fitHigh, ...input.forecastComputes)
  const computeDomain = frontierComputeDomain([...input.minima.map((m) => m.budget), fitLow, fitHigh], input.forecastComputes)
  const intervals = input.intervals ?? []

  const lawOf = (quantity: Quantity) => (quantity === "params" ? input.paramsLaw : input.tokensLaw)
  const lineRows = (quantity: Quantity, range: readonly [number, number]) =>
    range[1] > range[0]
      ? logSpaced(range, lineSamples).map((compute) => ({ [seriesField]: fitLabel, compute, value: powerLawAt(lawOf(quantity), compute) }))
      : []
  const publishedRows = (quantity: Quantity) =>
    published.flatMap((law) => law.allocations.map((a) => ({ [seriesField]: law.label, compute: a.compute, value: a[quantity] })))
  const bandRows = (quantity: Quantity) =>
    intervals.length < 2 ? [] : intervals.map((i) => ({ compute: i.compute, low: i[quantity][0], high: i[quantity][1] }))
  const minimumRows = input.minima.map((m) => ({
    [seriesField]: fitLabel,
    [markerField]: m.bracketed ? frontierMarkerLabels.minimum : frontierMarkerLabels.unbracketedMinimum,
    budget_label: scientific(m.budget, 2),
    compute: m.budget,
    params: m.params,
    tokens: m.tokens
  }))
  const forecastRows = input.forecastComputes.map((compute) => {
    const interval = intervals.find((i) => i.compute === compute)
    return {
      [seriesField]: fitLabel,
      [markerField]: frontierMarkerLabels.forecast,
      budget_label: scientific(compute, 2),
      compute,
      params: powerLawAt(input.paramsLaw, compute),
      tokens: powerLawAt(input.tokensLaw, compute),
      interval_params: interval === undefined ? "—" : `${scientific(interval.params[0], 2)} – ${scientific(interval.params[1], 2)}`,
      interval_tokens: interval === undefined ? "—" : `${scientific(interval.tokens[0], 2)} – ${scientific(interval.tokens[1], 2)}`
    }
  })

  const markerKinds = [
    ...(minimumRows.some((r) => r[markerField] === frontierMarkerLabels.minimum) ? [{ label: frontierMarkerLabels.minimum, shape: "circle" }] : []),
    ...(minimumRows.some((r) => r[markerField] === frontierMarkerLabels.unbracketedMinimum)
      ? [{ label: frontierMarkerLabels.unbracketedMinimum, shape: "circle" }]
      : []),
    ...(forecastRows.length > 0 ? [{ label: frontierMarkerLabels.forecast, shape: "diamond" }] : [])
  ]

  const x = { field: "compute", type: "quantitative", title: axisTitles.compute, ...logComputeScaleAxis(computeDomain) } as const
  const color = {
    field: seriesField,
    type: "nominal",
    title: "Frontier",
    // The fit takes the first colour; published laws the next ones, always in the same order.
    scale: { domain: seriesLabels, range: categoricalPalette.slice(0, seriesLabels.length) },
    legend: { symbolType: "stroke", symbolStrokeWidth: 3, orient: "bottom", direction: "vertical", labelLimit: 400 }
  } as const
  const shape = {
    field: markerField,
    type: "nominal",
    title: null,
    scale: { domain: markerKinds.map((k) => k.label), range: markerKinds.map((k) => k.shape) },
    legend: {
      orient: "bottom",
      direction: "vertical",
      labelLimit: 400,
      // Filled and hollow markers in one legend: each entry is styled here, not derived from the marks.
      encoding: {
        symbols: {
          fill: { condition: { test: `datum.value === '${frontierMarkerLabels.unbracketedMinimum}'`, value: "white" }, value: inkColor },
          stroke: { value: inkColor },
          strokeWidth: { value: 1.5 },
          fillOpacity: { value: 1 },
          size: { value: 80 }
        }
      }
    }
  } as const

  const panel = (quantity: Quantity) => {
    const fittedRows = lineRows(quantity, [fitLow, fitHigh])
    const extrapolatedRows = lineRows(quantity, [fitHigh, extrapolationEnd])
    const lawRows = publishedRows(quantity)
    const band = bandRows(quantity)
    const valueDomain = positiveExtent([
      ...fittedRows.map((r) => r.value),
      ...extrapolatedRows.map((r) => r.value),
      ...lawRows.map((r) => r.value),
      ...band.flatMap((r) => [r.low, r.high]),
      ...minimumRows.map((r) => r[quantity]),
      ...forecastRows.map((r) => r[quantity])
    ])
    const title = quantity === "params" ? axisTitles.optimalParams : axisTitles.optimalTokens
    const y = { field: "value", type: "quantitative", title, ...logScaleAxis(valueDomain) } as const
    const markerY = { ...y, field: quantity }
    const quantityLabel = quantity === "params" ? "N*" : "D*"
    const layers = ([
      {
        name: `${frontierMarkNames.band}_${quantity}`,
        data: { values: band },
        mark: { type: "area", color: categoricalPalette[0], opacity: 0.18 },
        encoding: { x, y: { ...y, field: "low" }, y2: { field: "high" } }
      },
      {
        name: `${frontierMarkNames.published}_${quantity}`,
        data: { values: lawRows },
        mark: { type: "line", strokeWidth: 1.8, strokeDash: [2, 3], clip: true },
        encoding: { x, y, color, detail: { field: seriesField } }
      },
      {
        name: `${frontierMarkNames.fitted}_${quantity}`,
        data: { values: fittedRows },
        mark: { type: "line", strokeWidth: 2.5, clip: true },
        encoding: { x, y, color }
      },
      {
        name: `${frontierMarkNames.extrapolated}_${quantity}`,
        data: { values: extrapolatedRows },
        mark: { type: "line", strokeWidth: 2, strokeDash: [6, 4], clip: true },
        encoding: { x, y, color }
      },
      {
        name: `${frontierMarkNames.minima}_${quantity}`,
        data: { values: minimumRows },
        transform: [{ calculate: siFormatExpression("datum.params", ".3~s"), as: "params_text" }, { calculate: siFormatExpression("datum.tokens", ".3~s"), as: "tokens_text" }],
        mark: { type: "point", size: 70, strokeWidth: 1.5, opacity: 1 },
        encoding: {
          x,
          y: markerY,
          shape,
          color: { value: inkColor },
          // Bracketed minima are filled; a minimum outside the sizes run is hollow, as in the IsoFLOP plot.
          fill: { condition: { test: `datum.${markerField} === '${frontierMarkerLabels.minimum}'`, value: inkColor }, value: "white" },
          tooltip: [
            { field: "budget_label", type: "nominal", title: "Budget C (FLOPs)" },
            { field: "params_text", type: "nominal", title: "N at minimum" },
            { field: "tokens_text", type: "nominal", title: "D at minimum" },
            { field: markerField, type: "nominal", title: "Marker" }
          ]
        }
      },
      {
        name: `${frontierMarkNames.forecasts}_${quantity}`,
        data: { values: forecastRows },
        transform: [{ calculate: siFormatExpression(`datum.${quantity}`, ".3~s"), as: "value_text" }],
        mark: { type: "point", filled: true, size: 130, stroke: "white", strokeWidth: 1, opacity: 1 },
        encoding: {
          x,
          y: markerY,
          shape,
          color,
          tooltip: [
            { field: "budget_label", type: "nominal", title: "Forecast budget C (FLOPs)" },
            { field: "value_text", type: "nominal", title: quantityLabel },
            { field: `interval_${quantity}`, type: "nominal", title: `${level}% interval` }
          ]
        }
      }
    ] satisfies Array<Layer>)
      // A layer without rows would leave Vega with an empty extent to warn about.
      .filter((layer) => layer.data.values.length > 0)
    return { ...panelSize, layer: layers }
  }

  const notes = [
    "Solid: over the budgets fitted; dashed: extrapolated to the forecast budgets",
    ...(intervals.length >= 2 ? [`Shaded: ${level}% bootstrap interval`] : []),
    ...(published.length > 0 ? ["Dotted: published laws, for comparison"] : [])
  ]
  return {
    $schema: vegaLiteSchema,
    title: { text: input.title ?? "Compute-optimal frontier", subtitle: notes, anchor: "start" },
    config: themeConfig,
    hconcat: [panel("params"), panel("tokens")],
    resolve: { scale: { y: "independent" } }
  }
}
