import { scientific } from "@scalelab/laws"
import type { Config, TopLevelSpec } from "vega-lite"
import { logAxisTicks } from "./logTicks.ts"
import { siFormatExpression } from "./numberFormat.ts"

/** The Vega-Lite schema every plot declares. */
export const vegaLiteSchema = "https://vega.github.io/schema/vega-lite/v6.json"

/**
 * Okabe–Ito colours (Okabe & Ito 2008), for categories without an order: fit vs published
 * law, training vs evaluation. Distinguishable with every common colour-vision deficiency.
 * Black is left out: it is the ink of axes and text.
 */
export const categoricalPalette = [
  "#0072B2", // blue
  "#E69F00", // orange
  "#009E73", // bluish green
  "#CC79A7", // reddish purple
  "#D55E00", // vermillion
  "#56B4E9", // sky blue
  "#F0E442" // yellow
] as const

/**
 * One colour per experiment when several are overlaid (a comparison, the dashboard's overlay):
 * Okabe–Ito without its yellow, which is too faint for lines and bands on white, then two of Paul
 * Tol's muted colours. Past eight experiments the colours repeat.
 */
export const experimentPalette = [
  ...categoricalPalette.filter((colour) => colour !== "#F0E442"),
  "#882255", // wine
  "#999933" // olive
] as const

/**
 * For ordered categories (compute budgets, model sizes): viridis stays distinguishable for
 * colour-blind readers and in greyscale; its bright yellow end is cut off because it
 * vanishes on white.
 */
export const sequentialScheme = { name: "viridis", extent: [0, 0.85] } as const

/** The field that holds a row's compute budget as the colour scale reads it. */
export const budgetField = "budget_label"

/** A budget as the colour scale keys it: labels rather than numbers, so an ordinal legend reads "3.2e11". */
export const budgetLabel = (budget: number): string => scientific(budget, 2)

/** One colour per compute budget, on the sequential scheme in ascending order of budget. */
export const budgetColor = (budgets: Iterable<number>, title: string = axisTitles.budget) => ({
  field: budgetField,
  type: "ordinal",
  title,
  scale: { domain: [...new Set([...budgets].sort((a, b) => a - b).map(budgetLabel))], scheme: sequentialScheme },
  legend: { symbolType: "stroke", symbolStrokeWidth: 3 }
}) as const

/** Dark grey for marks that belong to no category (fitted lines, marker legends). */
export const inkColor = "#3a3a3a"

/** Axis titles, with units, shared by every plot so the same quantity reads the same everywhere. */
export const axisTitles = {
  params: "Parameters N",
  tokens: "Tokens D",
  compute: "Training compute C (FLOPs)",
  loss: "Validation loss (nats/token)",
  finalLoss: "Final validation loss (nats/token)",
  trainingLoss: "Loss (nats/token)",
  accuracy: "Accuracy",
  budget: "Compute budget C (FLOPs)",
  optimalParams: "Compute-optimal parameters N*",
  optimalTokens: "Compute-optimal tokens D*"
} as const

/** Size of a single-panel plot, in SVG units (pixels at scale 1). */
export const plotSize = { width: 640, height: 420 } as const

/** Size of one panel of a side-by-side pair: two of them fit a report column. */
export const panelSize = { width: 420, height: 340 } as const

/** Fonts, sizes and greys shared by every plot. */
export const themeConfig: Config = {
  font: "DejaVu Sans, Helvetica, Arial, sans-serif",
  axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: "normal", gridColor: "#e6e6e6" },
  legend: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: "normal", orient: "right", labelLimit: 260, titleLimit: 260 },
  title: { fontSize: 16, subtitleFontSize: 12, subtitleColor: "#555" },
  header: { labelFontSize: 13, titleFontSize: 13 },
  view: { stroke: "#bbbbbb" }
}

/** A plot title anchored left with a one-line subtitle that says what is plotted against what. */
export const plotTitle = (text: string, subtitle?: string): NonNullable<TopLevelSpec["title"]> =>
  subtitle === undefined ? { text, anchor: "start" } : { text, subtitle, anchor: "start" }

/** The smallest and largest positive finite value, or `fallback` when there is none. */
export const positiveExtent = (values: Iterable<number>, fallback: [number, number] = [1, 10]): [number, number] => {
  let low = Number.POSITIVE_INFINITY
  let high = Number.NEGATIVE_INFINITY
  for (const value of values) {
    if (!(value > 0) || !Number.isFinite(value)) continue
    if (value < low) low = value
    if (value > high) high = value
  }
  return low <= high ? [low, high] : fallback
}

/** A log scale and its axis, spread into a positional encoding (`x: { field, ...logScaleAxis(d) }`). */
export interface LogScaleAxis {
  readonly scale: { type: "log"; domain: [number, number]; nice: false; padding: number }
  readonly axis: { values: Array<number>; labelExpr: string; grid: true }
}

/**
 * A log scale and axis over `domain`, ticked at 1-2-5 or decades (see logAxisTicks) and
 * labelled with SI prefixes (50M, 1.2B): Vega's own log ticks label 1..9 per decade and
 * then drop the labels that collide.
 */
export const logScaleAxis = (domain: readonly [number, number], padding = 8): LogScaleAxis => ({
  scale: { type: "log", domain: [domain[0], domain[1]], nice: false, padding },
  axis: { values: logAxisTicks(domain[0], domain[1]), labelExpr: siFormatExpression("datum.value"), grid: true }
})

/**
 * Like logScaleAxis for compute: FLOP counts read better as 1e18 than as 1E (exa), and a
 * reader compares them with the budgets quoted in papers, which use exponents.
 */
export const logComputeScaleAxis = (domain: readonly [number, number], padding = 8): LogScaleAxis => ({
  scale: { type: "log", domain: [domain[0], domain[1]], nice: false, padding },
  // d3's ".0e" writes 1e+18; the "+" only adds width.
  axis: { values: logAxisTicks(domain[0], domain[1]), labelExpr: "replace(format(datum.value, '.0e'), 'e+', 'e')", grid: true }
})
