import type { TopLevelSpec } from "vega-lite"
import { formatSi } from "../numberFormat.ts"
import { axisTitles, plotSize, positiveExtent, themeConfig, vegaLiteSchema } from "../theme.ts"
import { computeAxis, experimentColorEncoding, lossAxis, nonEmpty } from "./encoding.ts"
import { type ComparePlotInput, compareMarkNames, experimentField, experimentLabel } from "./experiments.ts"
import { boundaryLayers, lawLayers, lawNotes, sweptRange } from "./lawLayers.ts"
import { minimumLayer, minimumRows } from "./minimumLayer.ts"
import { minimumLossTooltip, runTooltip } from "./tooltips.ts"

/**
 * Loss against compute for several experiments: each one's runs (faint, so that the spread of an
 * IsoFLOP budget reads as a column of dots), its per-budget minima and its fitted compute-optimal
 * loss L*(C) with its band. The lower an experiment's line, the less compute it needs for a loss.
 */
export const compareLossPlotSpec = (input: ComparePlotInput): TopLevelSpec => {
  const laws = input.experiments.map((e) => ({ label: experimentLabel(e), samples: e.loss ?? [], swept: sweptRange(e) }))
  const runRows = input.experiments.flatMap((e) =>
    e.runs.map((run, index) => ({
      [experimentField]: experimentLabel(e),
      id: run.id ?? `run ${index + 1}`,
      compute: run.flops,
      value: run.loss,
      params_text: formatSi(run.params),
      tokens_text: formatSi(run.tokens)
    }))
  )
  const minima = minimumRows(input.experiments, (m) => m.loss, (m) => ({ params_text: formatSi(m.params) }))
  const computeDomain = positiveExtent([...runRows, ...minima].map((row) => row.compute).concat(laws.flatMap((law) => law.samples.map((s) => s.compute))))
  const x = computeAxis(computeDomain)
  const y = lossAxis("value", axisTitles.loss)
  const color = experimentColorEncoding(input.experiments)
  const layers = nonEmpty([
    ...boundaryLayers(laws, computeDomain[1], x, ""),
    {
      name: compareMarkNames.runs,
      data: { values: runRows },
      mark: { type: "point", filled: true, size: 22, opacity: 0.3, clip: true },
      encoding: {
        x,
        y,
        color: color(true),
        tooltip: runTooltip("value")
      }
    },
    ...lawLayers(laws, { x, y, color }, ""),
    minimumLayer(minima, { x, y, color }, "", minimumLossTooltip("value"))
  ])
  return {
    $schema: vegaLiteSchema,
    title: {
      text: input.title ?? "Loss against compute",
      subtitle: [
        "Faint dots: runs; circles: budget minima; lines: fitted L*(C)",
        ...lawNotes(input, laws)
      ],
      anchor: "start"
    },
    ...plotSize,
    config: themeConfig,
    layer: layers
  }
}
