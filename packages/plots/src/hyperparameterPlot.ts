// Plots of a hyperparameter sweep (DeepSeek LLM §3.1, their Figures 3 and 4): the loss against the
// learning rate at each budget, and the optimal learning rate and batch size against compute with
// the fitted power laws and their bootstrap bands.
import { scientific } from "@scalelab/laws"
import type { TopLevelSpec } from "vega-lite"
import {
  axisTitles,
  categoricalPalette,
  inkColor,
  logComputeScaleAxis,
  logScaleAxis,
  panelSize,
  plotTitle,
  positiveExtent,
  themeConfig,
  vegaLiteSchema
} from "./theme.ts"

/** One finished run of the grid. */
export interface HyperparameterRunPoint {
  readonly budget: number
  readonly lr: number
  readonly batch_tokens: number
  readonly loss: number
}

/** One budget's optimum along one hyperparameter: interior (used by the law) or grid edge (left out). */
export interface HyperparameterOptimumPoint {
  readonly budget: number
  readonly value: number
  readonly interior: boolean
}

/** A fitted law y*(C) = k·C^exponent and its band at some computes. */
export interface HyperparameterLawLine {
  readonly k: number
  readonly exponent: number
  readonly band: ReadonlyArray<{ readonly compute: number; readonly low: number; readonly high: number }>
}

export interface LossAgainstLrInput {
  readonly runs: ReadonlyArray<HyperparameterRunPoint>
  /** Each budget's lr* (interior or on the edge), drawn as a rule in its panel. */
  readonly optima: ReadonlyArray<HyperparameterOptimumPoint>
}

const budgetLabel = (budget: number): string => `C = ${scientific(budget, 2)}`

/** Loss against learning rate, one panel per budget, one line per batch size; a rule at each budget's lr*. */
export const lossAgainstLrPlotSpec = (input: LossAgainstLrInput): TopLevelSpec => {
  const lrDomain = positiveExtent(input.runs.map((run) => run.lr))
  const rows = [
    ...input.runs.map((run) => ({
      kind: "run",
      budget: budgetLabel(run.budget),
      budget_value: run.budget,
      lr: run.lr,
      loss: run.loss,
      batch: `${run.batch_tokens} tokens`,
      batch_tokens: run.batch_tokens
    })),
    ...input.optima.map((optimum) => ({
      kind: optimum.interior ? "lr*" : "lr* on the grid's edge",
      budget: budgetLabel(optimum.budget),
      budget_value: optimum.budget,
      lr: optimum.value
    }))
  ]
  return {
    $schema: vegaLiteSchema,
    config: themeConfig,
    title: plotTitle("Loss against learning rate", "One panel per budget, one line per batch size; the rule marks the budget's lr*"),
    data: { values: rows },
    facet: { column: { field: "budget", type: "ordinal", title: null, sort: { field: "budget_value" } } },
    resolve: { scale: { y: "independent" } },
    spec: {
      width: 260,
      height: 240,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'run'" }],
          mark: { type: "line", point: true },
          encoding: {
            x: { field: "lr", type: "quantitative", title: "Peak learning rate", ...logScaleAxis(lrDomain) },
            y: { field: "loss", type: "quantitative", title: axisTitles.loss, scale: { zero: false } },
            color: {
              field: "batch",
              type: "ordinal",
              title: "Batch size",
              sort: { field: "batch_tokens" },
              scale: { range: [...categoricalPalette] }
            }
          }
        },
        {
          transform: [{ filter: "datum.kind !== 'run'" }],
          mark: { type: "rule", color: inkColor },
          encoding: {
            x: { field: "lr", type: "quantitative" },
            strokeDash: {
              field: "kind",
              type: "nominal",
              title: null,
              scale: { domain: ["lr*", "lr* on the grid's edge"], range: [[1, 0], [4, 3]] }
            }
          }
        }
      ]
    }
  }
}

export interface LawPanelInput {
  readonly title: string
  readonly axisTitle: string
  readonly optima: ReadonlyArray<HyperparameterOptimumPoint>
  /** Absent when the law could not be fitted: the panel then shows the optima alone. */
  readonly law?: HyperparameterLawLine
}

/** A log domain widened about its middle to span at least a decade, so that its axis has ticks to read. */
const atLeastADecade = ([low, high]: [number, number]): [number, number] => {
  if (high / low >= 10) return [low, high]
  const middle = Math.sqrt(low * high)
  return [middle / Math.sqrt(10), middle * Math.sqrt(10)]
}

const lawPanel = (panel: LawPanelInput): NonNullable<Extract<TopLevelSpec, { hconcat: unknown }>["hconcat"]>[number] => {
  const budgets = panel.optima.map((optimum) => optimum.budget)
  const computeDomain = positiveExtent(budgets)
  const [low, high] = computeDomain
  const lineComputes = Array.from({ length: 21 }, (_, index) => low * (high / low) ** (index / 20))
  const law = panel.law
  const lineRows = law === undefined ? [] : lineComputes.map((compute) => ({ compute, value: law.k * compute ** law.exponent }))
  const bandRows = law?.band ?? []
  const valueDomain = atLeastADecade(positiveExtent([
    ...panel.optima.map((optimum) => optimum.value),
    ...lineRows.map((row) => row.value),
    ...bandRows.flatMap((row) => [row.low, row.high])
  ]))
  const x = { field: "compute", type: "quantitative", title: axisTitles.budget, ...logComputeScaleAxis(computeDomain) } as const
  const y = { type: "quantitative", title: panel.axisTitle, ...logScaleAxis(valueDomain) } as const
  const subtitle = law === undefined
    ? "no law: fewer than 2 budgets bracketed their optimum"
    : `fit: ${scientific(law.k, 3)} · C^${law.exponent.toFixed(3)}${bandRows.length > 0 ? ", 80% bootstrap band" : ""}`
  return {
    width: panelSize.width,
    height: panelSize.height,
    title: { text: panel.title, subtitle, anchor: "start" },
    layer: [
      ...(bandRows.length === 0 ? [] : [{
        data: { values: bandRows },
        mark: { type: "area", opacity: 0.18, color: categoricalPalette[0] },
        encoding: { x, y: { field: "low", ...y }, y2: { field: "high" } }
      } as const]),
      ...(lineRows.length === 0 ? [] : [{
        data: { values: lineRows },
        mark: { type: "line", color: categoricalPalette[0] },
        encoding: { x, y: { field: "value", ...y } }
      } as const]),
      {
        data: {
          values: panel.optima.map((optimum) => ({
            compute: optimum.budget,
            value: optimum.value,
            marker: optimum.interior ? "budget optimum" : "grid edge (left out)"
          }))
        },
        mark: { type: "point", size: 90, strokeWidth: 2, color: inkColor },
        encoding: {
          x,
          y: { field: "value", ...y },
          shape: {
            field: "marker",
            type: "nominal",
            title: null,
            scale: { domain: ["budget optimum", "grid edge (left out)"], range: ["circle", "triangle-up"] }
          },
          // The same field, title and domain as the shape: Vega-Lite draws one legend with both.
          fill: {
            field: "marker",
            type: "nominal",
            title: null,
            scale: { domain: ["budget optimum", "grid edge (left out)"], range: [inkColor, "transparent"] }
          }
        }
      }
    ]
  }
}

/** lr*(C) and B*(C) side by side on log axes: each budget's optimum, the fitted line and its band. */
export const hyperparameterLawsPlotSpec = (panels: readonly [LawPanelInput, LawPanelInput]): TopLevelSpec => ({
  $schema: vegaLiteSchema,
  config: themeConfig,
  title: plotTitle("Optimal hyperparameters against compute", "Power laws fitted through the budgets whose optimum the grid brackets"),
  hconcat: panels.map(lawPanel),
  resolve: { legend: { shape: "shared" } }
})
