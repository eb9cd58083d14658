import type { TopLevelSpec } from "vega-lite"
import { formatSi } from "../numberFormat.ts"
import { axisTitles, logScaleAxis, panelSize, positiveExtent, themeConfig, vegaLiteSchema } from "../theme.ts"
import { computeAxis, experimentColorEncoding, nonEmpty } from "./encoding.ts"
import { type ComparedExperiment, type ComparePlotInput, experimentLabel } from "./experiments.ts"
import { boundaryLayers, type DrawnLaw, lawLayers, lawNotes, sweptRange } from "./lawLayers.ts"
import { minimumLayer, minimumRows } from "./minimumLayer.ts"
import { budgetTooltipTitle, experimentTooltip } from "./tooltips.ts"

/**
 * The compute-optimal frontiers of several experiments overlaid (Hoffmann et al. 2022, fig. 3
 * right, one colour per experiment): N*(C) and D*(C) side by side on log-log axes, each
 * experiment's per-budget minima as points and its fitted law as a line with its band, solid over
 * its sweep and dashed beyond, and a rule where the sweeps end.
 */
export const compareFrontierPlotSpec = (input: ComparePlotInput): TopLevelSpec => {
  const samplesOf = (experiment: ComparedExperiment, quantity: "params" | "tokens") => experiment.frontier?.[quantity] ?? []
  const allSamples = input.experiments.flatMap((e) => [...samplesOf(e, "params"), ...samplesOf(e, "tokens")])
  const computeDomain = positiveExtent([
    ...input.experiments.flatMap((e) => e.minima.map((m) => m.compute)),
    ...allSamples.map((s) => s.compute)
  ])
  const x = computeAxis(computeDomain)
  const color = experimentColorEncoding(input.experiments)
  const lawsOf = (quantity: "params" | "tokens"): Array<DrawnLaw> =>
    input.experiments.map((e) => ({ label: experimentLabel(e), samples: samplesOf(e, quantity), swept: sweptRange(e) }))

  const panel = (quantity: "params" | "tokens") => {
    const laws = lawsOf(quantity)
    const minima = minimumRows(input.experiments, (m) => m[quantity], (m) => ({ value_text: formatSi(m[quantity]) }))
    const valueDomain = positiveExtent([
      ...laws.flatMap((law) => law.samples.flatMap((s) => [s.value, ...(s.interval ?? [])])),
      ...minima.map((row) => row.value)
    ])
    const title = quantity === "params" ? axisTitles.optimalParams : axisTitles.optimalTokens
    const y = { field: "value", type: "quantitative", title, ...logScaleAxis(valueDomain) } as const
    const suffix = `_${quantity}`
    const layers = nonEmpty([
      ...boundaryLayers(laws, computeDomain[1], x, suffix),
      ...lawLayers(laws, { x, y, color }, suffix),
      minimumLayer(minima, { x, y, color }, suffix, [
        experimentTooltip(),
        { field: "budget_label", type: "nominal", title: budgetTooltipTitle },
        { field: "value_text", type: "nominal", title: quantity === "params" ? "N at minimum" : "D at minimum" }
      ])
    ])
    return { ...panelSize, layer: layers }
  }

  return {
    $schema: vegaLiteSchema,
    title: { text: input.title ?? "Compute-optimal frontiers", subtitle: lawNotes(input, [...lawsOf("params"), ...lawsOf("tokens")]), anchor: "start" },
    config: themeConfig,
    hconcat: [panel("params"), panel("tokens")],
    resolve: { scale: { y: "independent" } }
  }
}
