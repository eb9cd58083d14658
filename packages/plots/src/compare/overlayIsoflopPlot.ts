import { scientific } from "@scalelab/laws"
import type { TopLevelSpec } from "vega-lite"
import { formatSi } from "../numberFormat.ts"
import { axisTitles, inkColor, logScaleAxis, plotSize, positiveExtent, themeConfig, vegaLiteSchema } from "../theme.ts"
import { experimentColorEncoding, fillEncoding, lossAxis, nonEmpty } from "./encoding.ts"
import { type ComparePlotInput, compareMarkNames, experimentField, experimentLabel } from "./experiments.ts"
import { wrapSubtitle } from "./subtitle.ts"
import { budgetTooltipTitle, minimumLossTooltip, runTooltip } from "./tooltips.ts"

const budgetShapes = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "triangle-right", "triangle-left"] as const

/**
 * Several experiments' IsoFLOP runs on one plot, for the dashboard: loss against model size, one
 * colour per experiment and one marker shape per budget, each experiment's fitted curves where it
 * has them and its minima as larger markers outlined in ink. Each budget's curves of the
 * experiments then sit side by side, and the lower one reaches a lower loss for that compute.
 */
export const overlayIsoflopPlotSpec = (input: ComparePlotInput): TopLevelSpec => {
  const budgets = [...new Set(input.experiments.flatMap((e) => [...e.runs.map((run) => run.budget), ...e.minima.map((m) => m.compute)]))]
    .sort((a, b) => a - b)
  const budgetLabels = [...new Set(budgets.map((budget) => scientific(budget, 2)))]
  const runRows = input.experiments.flatMap((e) =>
    e.runs.map((run, index) => ({
      [experimentField]: experimentLabel(e),
      budget_label: scientific(run.budget, 2),
      id: run.id ?? `run ${index + 1}`,
      params: run.params,
      loss: run.loss,
      params_text: formatSi(run.params),
      tokens_text: formatSi(run.tokens)
    }))
  )
  const curveRows = input.experiments.flatMap((e) =>
    (e.isoflopCurves ?? []).flatMap((curve) =>
      curve.points.map((point) => ({
        [experimentField]: experimentLabel(e),
        budget_label: scientific(curve.budget, 2),
        curve: `${experimentLabel(e)}/${curve.budget}`,
        params: point.params,
        loss: point.loss
      }))
    )
  )
  const minimumRows = input.experiments.flatMap((e) =>
    e.minima.map((m) => ({
      [experimentField]: experimentLabel(e),
      budget_label: scientific(m.compute, 2),
      params: m.params,
      loss: m.loss,
      params_text: formatSi(m.params),
      bracketed: m.bracketed !== false
    }))
  )
  const paramsDomain = positiveExtent([...runRows, ...curveRows, ...minimumRows].map((row) => row.params))
  const x = { field: "params", type: "quantitative", title: axisTitles.params, ...logScaleAxis(paramsDomain) } as const
  const y = lossAxis("loss", axisTitles.finalLoss)
  const color = experimentColorEncoding(input.experiments)
  const shape = {
    field: "budget_label",
    type: "nominal",
    title: axisTitles.budget,
    scale: { domain: budgetLabels, range: budgetLabels.map((_, index) => budgetShapes[index % budgetShapes.length] ?? "circle") },
    legend: {
      orient: "bottom",
      direction: "horizontal",
      encoding: { symbols: { fill: { value: inkColor }, stroke: { value: inkColor }, fillOpacity: { value: 1 }, opacity: { value: 1 }, size: { value: 70 } } }
    }
  } as const
  const layers = nonEmpty([
    {
      name: compareMarkNames.curves,
      data: { values: curveRows },
      mark: { type: "line", strokeWidth: 1.6, opacity: 0.8, clip: true },
      encoding: { x, y, color: color(true), detail: { field: "curve" } }
    },
    {
      name: compareMarkNames.runs,
      data: { values: runRows },
      mark: { type: "point", filled: true, size: 50, opacity: 0.9, stroke: "white", strokeWidth: 0.6 },
      encoding: {
        x,
        y,
        color: color(true),
        shape,
        tooltip: runTooltip("loss", budgetTooltipTitle)
      }
    },
    {
      name: compareMarkNames.minima,
      data: { values: minimumRows },
      mark: { type: "point", size: 190, opacity: 1, strokeWidth: 1.6, filled: true, stroke: inkColor },
      encoding: {
        x,
        y,
        shape,
        // A minimum outside the sizes run is white inside, as in the single-experiment IsoFLOP plot.
        fill: fillEncoding(color, "!datum.bracketed"),
        tooltip: minimumLossTooltip("loss")
      }
    }
  ])
  return {
    $schema: vegaLiteSchema,
    title: {
      text: input.title ?? "IsoFLOP curves, overlaid",
      subtitle: [
        "Loss against model size; colour: experiment; shape: budget",
        "Large outlined markers: each budget's minimum",
        ...(input.note === undefined ? [] : wrapSubtitle(input.note))
      ],
      anchor: "start"
    },
    ...plotSize,
    config: themeConfig,
    layer: layers
  }
}
