import { scientific } from "@scalelab/laws"
import type { TopLevelSpec } from "vega-lite"
import { logAxisTicks } from "../logTicks.ts"
import { inkColor, plotSize, positiveExtent, themeConfig, vegaLiteSchema } from "../theme.ts"
import { colorEncoding, computeAxis, fillEncoding, kindsDrawn, markerShape, nonEmpty, type PositionDef } from "./encoding.ts"
import { compareMarkerLabels, compareMarkNames, experimentColors, experimentField, experimentLabel, type MultiplierPlotInput } from "./experiments.ts"
import { anyBanded, boundaryLayers, lawLayers } from "./lawLayers.ts"
import { levelPercent } from "./subtitle.ts"
import { budgetTooltipTitle, experimentTooltip } from "./tooltips.ts"

/** Above this ratio of largest to smallest multiplier shown, the multiplier axis is logarithmic. */
export const multiplierLogRatio = 3

/** Tick values and labels of the multiplier axis: "×" after each number. */
const multiplierAxis = (domain: readonly [number, number], log: boolean) => ({
  ...(log ? { values: logAxisTicks(domain[0], domain[1]) } : { tickCount: 6 }),
  labelExpr: "format(datum.value, '~g') + '×'",
  grid: true
})

/**
 * The compute multiplier of each candidate over its baseline against compute: how many times the
 * candidate's compute the baseline needs to reach the candidate's compute-optimal loss. Above the
 * 1× line the candidate is ahead. The band is the interval of a joint bootstrap of both fits; the
 * budgets both experiments swept are filled circles, those extrapolated to hollow diamonds, and the
 * line is solid over the swept budgets and dashed beyond. The y axis turns logarithmic when the
 * values span more than multiplierLogRatio.
 */
export const multiplierPlotSpec = (input: MultiplierPlotInput): TopLevelSpec => {
  const colors = experimentColors(input.experiments)
  const labelOf = (name: string) => {
    const experiment = input.experiments.find((e) => e.name === name)
    return experiment === undefined ? name : experimentLabel(experiment)
  }
  const candidates = input.comparisons.map((comparison) => labelOf(comparison.candidate))
  const baselines = [...new Set(input.comparisons.map((comparison) => comparison.baseline))]
  const laws = input.comparisons.map((comparison) => {
    const swept = comparison.budgets.filter((budget) => budget.swept).map((budget) => budget.compute)
    return { label: labelOf(comparison.candidate), samples: comparison.samples, swept: swept.length === 0 ? undefined : positiveExtent(swept) }
  })
  const budgetRows = input.comparisons.flatMap((comparison) =>
    comparison.budgets.map((budget) => ({
      [experimentField]: labelOf(comparison.candidate),
      marker: budget.swept ? compareMarkerLabels.sweptBudget : compareMarkerLabels.forecastBudget,
      budget_label: scientific(budget.compute, 2),
      compute: budget.compute,
      value: budget.multiplier,
      interval_text: budget.interval === undefined ? "—" : `${budget.interval[0].toFixed(2)}× – ${budget.interval[1].toFixed(2)}×`
    }))
  )
  const values = [
    1,
    ...input.comparisons.flatMap((comparison) => [
      ...comparison.samples.flatMap((s) => [s.value, ...(s.interval ?? [])]),
      ...comparison.budgets.flatMap((b) => [b.multiplier, ...(b.interval ?? [])])
    ])
  ]
  const valueDomain = positiveExtent(values)
  const log = valueDomain[1] / valueDomain[0] > multiplierLogRatio
  const computeDomain = positiveExtent([...budgetRows.map((row) => row.compute), ...laws.flatMap((law) => law.samples.map((s) => s.compute))])
  const x = computeAxis(computeDomain)
  const y: PositionDef = {
    field: "value",
    type: "quantitative",
    title: "Compute multiplier (×)",
    scale: log ? { type: "log", domain: [...valueDomain], nice: false, padding: 10 } : { zero: false, nice: true, padding: 10 },
    axis: multiplierAxis(valueDomain, log)
  }
  const color = colorEncoding(colors, candidates, "Candidate")
  const kinds = kindsDrawn(budgetRows, [
    { label: compareMarkerLabels.sweptBudget, shape: "circle", hollow: false },
    { label: compareMarkerLabels.forecastBudget, shape: "diamond", hollow: true }
  ])
  const layers = nonEmpty([
    ...boundaryLayers(laws, computeDomain[1], x, ""),
    {
      name: compareMarkNames.unity,
      data: { values: [{ value: 1 }] },
      mark: { type: "rule", color: inkColor, strokeWidth: 1.2 },
      encoding: { y: { field: "value", type: "quantitative" } }
    },
    ...lawLayers(laws, { x, y, color }, ""),
    {
      name: compareMarkNames.budgets,
      data: { values: budgetRows },
      mark: { type: "point", size: 90, strokeWidth: 2, opacity: 1, filled: false },
      encoding: {
        x,
        y,
        shape: markerShape(kinds),
        stroke: color(true),
        fill: fillEncoding(color, `datum.marker === '${compareMarkerLabels.forecastBudget}'`),
        tooltip: [
          experimentTooltip("Candidate"),
          { field: "budget_label", type: "nominal", title: budgetTooltipTitle },
          { field: "value", type: "quantitative", title: "Multiplier (×)", format: ".3~g" },
          { field: "interval_text", type: "nominal", title: `${levelPercent(input.intervalLevel)}% interval` },
          { field: "marker", type: "nominal", title: "Budget" }
        ]
      }
    }
  ])
  return {
    $schema: vegaLiteSchema,
    title: {
      text: input.title ?? `Compute multiplier over ${baselines.join(", ")}`,
      subtitle: [
        "Baseline compute to reach the candidate's optimal loss ÷ its compute",
        [
          "Solid: swept",
          "dashed: extrapolated",
          ...(anyBanded(laws) ? [`shaded: ${levelPercent(input.intervalLevel)}% joint bootstrap`] : [])
        ].join("; "),
        // Said here, not labelled on the plot, where a candidate near 1× hid the label.
        "The rule at 1×: no gain"
      ],
      anchor: "start"
    },
    ...plotSize,
    config: themeConfig,
    layer: layers
  }
}
