import type { TopLevelSpec } from "vega-lite"
import { siFormatExpression } from "./numberFormat.ts"
import { axisTitles, budgetColor, budgetField, budgetLabel, logScaleAxis, panelSize, plotTitle, positiveExtent, themeConfig, vegaLiteSchema } from "./theme.ts"

/** One run that measured memorization (eval.memorization). */
export interface MemorizationRunPoint {
  readonly id: string
  readonly params: number
  readonly tokens: number
  /** The IsoFLOP budget the run belongs to. */
  readonly budget: number
  /** The fraction of training prefixes it continued verbatim, in [0, 1]. */
  readonly rate: number
}

export interface MemorizationPlotInput {
  readonly title?: string
  readonly runs: ReadonlyArray<MemorizationRunPoint>
}

/** Names of the Vega marks, so tests and callers can find each layer in the rendered scene. */
export const memorizationMarkNames = {
  paramsLines: "memorization_params_lines",
  paramsRuns: "memorization_params_runs",
  tokensLines: "memorization_tokens_lines",
  tokensRuns: "memorization_tokens_runs"
} as const

type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number]


// Quarters of the whole range: a sweep whose models memorized nothing still shows 0–100%, so
// its points read as "none" rather than as a spread around an arbitrary small number.
const rateTicks: Array<number> = [0, 0.25, 0.5, 0.75, 1]
const rateDomain: [number, number] = [0, 1]

/**
 * The memorization rate of each run against its size N (left) and its training tokens D (right),
 * one colour and line per compute budget, the rate on a fixed 0–100% axis. Along a budget, N and D
 * trade against each other, so the two panels tell whether size or data drives memorization.
 */
export const memorizationPlotSpec = (input: MemorizationPlotInput): TopLevelSpec => {
  const rows = input.runs.map((run) => ({ ...run, [budgetField]: budgetLabel(run.budget) }))
  const color = budgetColor(input.runs.map((run) => run.budget))
  const y = {
    field: "rate",
    type: "quantitative",
    title: "Memorization rate",
    // Padded so that points at 0% and 100% sit off the axis lines rather than on them.
    scale: { domain: rateDomain, nice: false, zero: true, padding: 8 },
    axis: { format: ".0%", values: rateTicks }
  } as const
  const formatted = (field: string) => ({ calculate: siFormatExpression(`datum.${field}`, ".3~s"), as: `${field}_label` })
  const tooltip = [
    { field: "id", type: "nominal", title: "Run" },
    { field: "params_label", type: "nominal", title: "N (parameters)" },
    { field: "tokens_label", type: "nominal", title: "D (tokens)" },
    { field: budgetField, type: "nominal", title: "Budget (FLOPs)" },
    { field: "rate", type: "quantitative", title: "Memorization rate", format: ".1%" }
  ] as const
  const panel = (field: "params" | "tokens", title: string, names: { lines: string; runs: string }) => {
    const x = { field, type: "quantitative", title, ...logScaleAxis(positiveExtent(input.runs.map((run) => run[field]))) } as const
    return {
      title: { text: `Against ${field === "params" ? "model size N" : "training tokens D"}`, anchor: "start", fontSize: 13, fontWeight: "normal" } as const,
      width: panelSize.width,
      height: panelSize.height,
      data: { values: rows },
      transform: [formatted("params"), formatted("tokens")],
      layer: [
        {
          name: names.lines,
          mark: { type: "line", strokeWidth: 1.5, opacity: 0.6 },
          encoding: { x, y, color, order: { field, type: "quantitative" } }
        },
        {
          name: names.runs,
          mark: { type: "point", filled: true, size: 60, opacity: 1, stroke: "white", strokeWidth: 0.8 },
          encoding: { x, y, color, tooltip: [...tooltip] }
        }
      ] satisfies Array<Layer>
    }
  }
  return {
    $schema: vegaLiteSchema,
    title: plotTitle(
      input.title ?? "Memorization",
      "Fraction of training prefixes each run continues verbatim under greedy decoding, against N and against D"
    ),
    config: themeConfig,
    spacing: 40,
    hconcat: [
      panel("params", axisTitles.params, { lines: memorizationMarkNames.paramsLines, runs: memorizationMarkNames.paramsRuns }),
      panel("tokens", axisTitles.tokens, { lines: memorizationMarkNames.tokensLines, runs: memorizationMarkNames.tokensRuns })
    ]
  }
}
