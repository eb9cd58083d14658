import { scientific } from "@scalelab/laws"
import type { TopLevelSpec } from "vega-lite"
import { formatSi, siFormatExpression } from "./numberFormat.ts"
import { axisTitles, inkColor, logComputeScaleAxis, logScaleAxis, panelSize, positiveExtent, sequentialScheme, themeConfig, vegaLiteSchema } from "./theme.ts"

/** One logged line of a run's metrics: training loss, evaluation loss, or both. */
export interface LossCurvePoint {
  readonly step: number
  readonly tokens: number
  readonly flops: number
  readonly loss?: number
  readonly val_loss?: number
}

export interface LossCurveRun {
  readonly id: string
  readonly params: number
  /** The IsoFLOP budget of the run, when it belongs to one. */
  readonly budget?: number
  readonly points: ReadonlyArray<LossCurvePoint>
}

export interface LossCurvesPlotInput {
  readonly title?: string
  readonly runs: ReadonlyArray<LossCurveRun>
  /** What the colour tells runs apart by: model size (default) or compute budget. */
  readonly colorBy?: "params" | "budget"
}

/** The two kinds of loss line, as the dash legend names them. */
export const lossKindLabels = { training: "training loss", validation: "validation loss" } as const

/** Names of the Vega marks and of the legend-bound selection, for tests and callers. */
export const lossCurvesMarkNames = {
  training: "training_loss",
  validation: "validation_loss",
  selection: "highlighted_runs"
} as const

/** Share of a run's tokens after which its loss sets the top of the loss axis. */
const settledFraction = 0.1

/**
 * The loss axis: from the lowest loss to the highest once the runs have settled. The first steps
 * start near ln(vocabulary) and would squeeze the part where runs differ into a sliver; they are
 * clipped at the top instead.
 */
const lossAxisDomain = (
  runs: ReadonlyArray<LossCurveRun>,
  rows: ReadonlyArray<{ readonly run: string; readonly tokens: number; readonly loss: number }>
): [number, number] => {
  const finalTokens = new Map(runs.map((run) => [run.id, Math.max(0, ...run.points.map((point) => point.tokens))]))
  const settled = rows.filter((row) => row.tokens >= settledFraction * (finalTokens.get(row.run) ?? 0))
  const [low] = positiveExtent(rows.map((row) => row.loss))
  const [, high] = positiveExtent(settled.map((row) => row.loss))
  return [low, Math.max(low, high)]
}

type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number]

const groupField = "group"
const kindField = "kind"

/**
 * Training curves of every run of a sweep, loss against tokens seen and against training
 * FLOPs: how far each run got, whether it was still improving, and where a larger model
 * overtook a smaller one (the envelope of the FLOPs panel is Chinchilla's approach 1). Runs are
 * coloured by size; clicking a legend entry (shift for several) highlights those runs.
 */
export const lossCurvesPlotSpec = (input: LossCurvesPlotInput): TopLevelSpec => {
  const colorBy = input.colorBy ?? "params"
  const groupOf = (run: LossCurveRun): { label: string; order: number } =>
    colorBy === "budget" && run.budget !== undefined
      ? { label: scientific(run.budget, 2), order: run.budget }
      : { label: formatSi(run.params, 2), order: run.params }
  const groups = [...new Map(input.runs.map((run) => [groupOf(run).label, groupOf(run).order])).entries()]
    .sort((a, b) => a[1] - b[1])
    .map(([label]) => label)

  const rowsOf = (field: "loss" | "val_loss", kind: string) =>
    input.runs.flatMap((run) =>
      run.points.flatMap((point) => {
        const loss = point[field]
        // Log axes: a line logged before the first token (step 0) has no place on them.
        if (loss === undefined || !(point.tokens > 0) || !(point.flops > 0)) return []
        return [{
          run: run.id,
          [groupField]: groupOf(run).label,
          [kindField]: kind,
          params: run.params,
          budget: run.budget ?? null,
          step: point.step,
          tokens: point.tokens,
          flops: point.flops,
          loss
        }]
      })
    )
  const trainingRows = rowsOf("loss", lossKindLabels.training)
  const validationRows = rowsOf("val_loss", lossKindLabels.validation)
  const allRows = [...trainingRows, ...validationRows]
  const kinds = [
    ...(trainingRows.length > 0 ? [lossKindLabels.training] : []),
    ...(validationRows.length > 0 ? [lossKindLabels.validation] : [])
  ]
  const lossDomain = lossAxisDomain(input.runs, allRows)

  const color = {
    field: groupField,
    type: "ordinal",
    title: colorBy === "budget" ? axisTitles.budget : axisTitles.params,
    scale: { domain: groups, scheme: sequentialScheme },
    legend: { symbolType: "stroke", symbolStrokeWidth: 3 }
  } as const
  const strokeDash = {
    field: kindField,
    type: "nominal",
    title: null,
    // Training loss is logged often and noisy: a thin solid line. Evaluations are few: dashed, with markers.
    scale: { domain: kinds, range: kinds.map((kind) => (kind === lossKindLabels.training ? [1, 0] : [6, 3])) },
    legend: { symbolType: "stroke", symbolStrokeWidth: 2, symbolStrokeColor: inkColor, symbolSize: 300 }
  } as const
  const y = {
    field: "loss",
    type: "quantitative",
    title: axisTitles.trainingLoss,
    scale: { zero: false, nice: true, domain: lossDomain },
    axis: { tickCount: 8 }
  } as const
  const highlighted = { condition: { param: lossCurvesMarkNames.selection, value: 1 }, value: 0.12 } as const
  const tooltip = [
    { field: "run", type: "nominal", title: "Run" },
    { field: "params_text", type: "nominal", title: "N (parameters)" },
    { field: "tokens_text", type: "nominal", title: "D so far (tokens)" },
    { field: "step", type: "quantitative", title: "Step" },
    { field: kindField, type: "nominal", title: "Loss" },
    { field: "loss", type: "quantitative", title: "Loss (nats/token)", format: ".4f" }
  ] as const
  const textFields = [
    { calculate: siFormatExpression("datum.params", ".3~s"), as: "params_text" },
    { calculate: siFormatExpression("datum.tokens", ".3~s"), as: "tokens_text" }
  ]

  const panel = (xField: "tokens" | "flops", withSelection: boolean) => {
    // Only where some curve is inside the loss axis: the early steps clipped above would leave the left part empty.
    const domain = positiveExtent(allRows.filter((row) => row.loss <= lossDomain[1]).map((row) => row[xField]))
    const x = xField === "tokens"
      ? { field: xField, type: "quantitative", title: "Tokens seen D", ...logScaleAxis(domain, 4) } as const
      : { field: xField, type: "quantitative", title: "Compute spent C (FLOPs)", ...logComputeScaleAxis(domain, 4) } as const
    const layers = ([
      {
        name: `${lossCurvesMarkNames.training}_${xField}`,
        data: { values: trainingRows },
        transform: textFields,
        // A selection may be declared once per chart: the first panel declares it, both use it.
        ...(withSelection ? { params: [{ name: lossCurvesMarkNames.selection, select: { type: "point", fields: [groupField] }, bind: "legend" }] } : {}),
        mark: { type: "line", strokeWidth: 1.2, clip: true },
        encoding: { x, y, color, strokeDash, detail: { field: "run" }, opacity: highlighted, tooltip: [...tooltip] }
      },
      {
        name: `${lossCurvesMarkNames.validation}_${xField}`,
        data: { values: validationRows },
        transform: textFields,
        ...(withSelection && trainingRows.length === 0
          ? { params: [{ name: lossCurvesMarkNames.selection, select: { type: "point", fields: [groupField] }, bind: "legend" }] }
          : {}),
        mark: { type: "line", strokeWidth: 2.2, point: { filled: true, size: 36 }, clip: true },
        encoding: { x, y, color, strokeDash, detail: { field: "run" }, opacity: highlighted, tooltip: [...tooltip] }
      }
    ] satisfies Array<Layer>)
      // A layer without rows would leave Vega with an empty extent to warn about.
      .filter((layer) => layer.data.values.length > 0)
    return { ...panelSize, layer: layers }
  }

  return {
    $schema: vegaLiteSchema,
    title: {
      text: input.title ?? "Loss curves",
      subtitle: [
        "Loss of every run as it trained, against tokens and against compute (the axis is cut above the loss runs reach after 10% of training)",
        "Solid: training loss as logged; dashed with dots: validation loss at each evaluation. Click a legend entry to highlight runs"
      ],
      anchor: "start"
    },
    config: themeConfig,
    hconcat: [panel("tokens", true), panel("flops", false)]
  }
}
