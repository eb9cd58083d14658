import type { TopLevelSpec } from "vega-lite"
import { siFormatExpression } from "./numberFormat.ts"
import type { CurvePoint, LogParabola } from "./parabola.ts"
import { sampleLogParabola, widenLogRange } from "./parabola.ts"
import { axisTitles, budgetColor, budgetField, budgetLabel, inkColor, logScaleAxis, plotSize, plotTitle, positiveExtent, themeConfig, vegaLiteSchema } from "./theme.ts"

/** One finished run of an IsoFLOP sweep. */
export interface IsoflopRunPoint {
  readonly id: string
  readonly params: number
  readonly tokens: number
  readonly budget: number
  readonly loss: number
}

/** The parabola fitted to one budget's runs, loss against log10(params), and its minimum. */
export interface IsoflopBudgetFit {
  readonly budget: number
  readonly parabola_params: LogParabola
  readonly params_range: readonly [number, number]
  readonly params_opt: number
  readonly loss_opt: number
  /** False when the minimum lies outside the sizes that were run: the sweep should be widened. */
  readonly bracketed: boolean
  /** The curve the minimum was read from, when not the parabola (an Akima spline over the swept sizes): drawn instead of it. */
  readonly curve?: ReadonlyArray<{ readonly params: number; readonly loss: number }>
}

export interface IsoflopPlotInput {
  readonly title?: string
  readonly points: ReadonlyArray<IsoflopRunPoint>
  readonly budgets: ReadonlyArray<IsoflopBudgetFit>
}

/** Legend entries of the marker legend; the SVG mark names follow the same kinds. */
export const markerLabels = {
  run: "training run",
  minimum: "fitted minimum",
  unbracketedMinimum: "minimum not bracketed"
} as const

/** Names of the Vega marks, so tests and callers can find each layer in the rendered scene. */
export const isoflopMarkNames = {
  curves: "parabola",
  extrapolatedCurves: "parabola_extrapolated",
  runs: "runs",
  minima: "fitted_minimum",
  unbracketedMinima: "unbracketed_minimum"
} as const

type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number]

const markerField = "marker"
const legendInk = inkColor

/** Where a budget's parabola is drawn solid: over its runs and slightly beyond. */
const fittedSpan = (fit: IsoflopBudgetFit): [number, number] => widenLogRange(fit.params_range, 0.08)

/**
 * Where the parabola is drawn dashed: from the solid part out to a minimum that lies beyond
 * it (an unbracketed sweep), so the marker is not left floating away from its curve.
 */
const extrapolatedSpan = (fit: IsoflopBudgetFit): [number, number] | undefined => {
  const [low, high] = fittedSpan(fit)
  if (fit.params_opt < low) return [fit.params_opt, low]
  if (fit.params_opt > high) return [high, fit.params_opt]
  return undefined
}

/**
 * A budget's fitted curve where it was fitted: its parabola over its runs and slightly beyond, or
 * the spline its minimum was read from, which is drawn only over the swept sizes.
 */
export const isoflopFittedCurve = (fit: IsoflopBudgetFit): ReadonlyArray<CurvePoint> =>
  fit.curve ?? sampleLogParabola(fit.parabola_params, fittedSpan(fit), 64)

/**
 * IsoFLOP curves in the style of Chinchilla (Hoffmann et al. 2022, fig. 3) and Llama 3
 * (Dubey et al. 2024, fig. 2): final validation loss against model size, one curve per
 * compute budget, each parabola's minimum marked.
 */
export const isoflopPlotSpec = (input: IsoflopPlotInput): TopLevelSpec => {

  const curveRows = (fit: IsoflopBudgetFit, span: readonly [number, number], samples: number) =>
    sampleLogParabola(fit.parabola_params, span, samples).map((sample) => ({
      [budgetField]: budgetLabel(fit.budget),
      params: sample.params,
      loss: sample.loss
    }))
  const fittedCurveRows = input.budgets.flatMap((fit) =>
    isoflopFittedCurve(fit).map(({ params, loss }) => ({ [budgetField]: budgetLabel(fit.budget), params, loss }))
  )
  const extrapolationRows = input.budgets.flatMap((fit) => {
    const span = fit.curve === undefined ? extrapolatedSpan(fit) : undefined
    return span === undefined ? [] : curveRows(fit, span, 24)
  })
  const runRows = input.points.map((point) => ({
    [budgetField]: budgetLabel(point.budget),
    [markerField]: markerLabels.run,
    id: point.id,
    params: point.params,
    tokens: point.tokens,
    loss: point.loss
  }))
  const minimumRows = (bracketed: boolean) =>
    input.budgets
      .filter((fit) => fit.bracketed === bracketed)
      .map((fit) => ({
        [budgetField]: budgetLabel(fit.budget),
        [markerField]: bracketed ? markerLabels.minimum : markerLabels.unbracketedMinimum,
        params: fit.params_opt,
        loss: fit.loss_opt
      }))
  const bracketedMinima = minimumRows(true)
  const unbracketedMinima = minimumRows(false)

  const markerKinds = [
    ...(runRows.length > 0 ? [{ label: markerLabels.run, shape: "circle" }] : []),
    ...(bracketedMinima.length > 0 ? [{ label: markerLabels.minimum, shape: "diamond" }] : []),
    ...(unbracketedMinima.length > 0 ? [{ label: markerLabels.unbracketedMinimum, shape: "diamond" }] : [])
  ]

  const allParams = [...runRows, ...bracketedMinima, ...unbracketedMinima, ...fittedCurveRows, ...extrapolationRows].map((row) => row.params)
  const paramsDomain = positiveExtent(allParams)

  const x = {
    field: "params",
    type: "quantitative",
    title: axisTitles.params,
    ...logScaleAxis(paramsDomain)
  } as const
  const y = {
    field: "loss",
    type: "quantitative",
    title: axisTitles.finalLoss,
    scale: { zero: false, nice: true, padding: 10 },
    axis: { tickCount: 8 }
  } as const
  const color = budgetColor([...input.points.map((p) => p.budget), ...input.budgets.map((b) => b.budget)])
  const shape = {
    field: markerField,
    type: "nominal",
    title: null,
    scale: { domain: markerKinds.map((kind) => kind.label), range: markerKinds.map((kind) => kind.shape) },
    legend: {
      // One legend mixes filled and hollow markers, which the symbol style derived from the
      // marks cannot show: each entry is styled here instead.
      encoding: {
        symbols: {
          fill: { condition: { test: `datum.value === '${markerLabels.unbracketedMinimum}'`, value: "transparent" }, value: legendInk },
          stroke: { value: legendInk },
          strokeWidth: { value: 1.5 },
          fillOpacity: { value: 1 },
          size: { value: 90 }
        }
      }
    }
  } as const
  const sizeTooltip = (field: string, title: string) => ({ field: `${field}_label`, type: "nominal", title }) as const
  const formatted = (field: string) => ({ calculate: siFormatExpression(`datum.${field}`, ".3~s"), as: `${field}_label` })
  const minimumTooltip = [
    { field: budgetField, type: "nominal", title: "Budget (FLOPs)" },
    sizeTooltip("params", "N at minimum"),
    { field: "loss", type: "quantitative", title: "Loss at minimum", format: ".4f" },
    { field: markerField, type: "nominal", title: "Marker" }
  ] as const

  return {
    $schema: vegaLiteSchema,
    title: plotTitle(input.title ?? "IsoFLOP curves", "Final validation loss against model size at fixed training compute"),
    ...plotSize,
    config: themeConfig,
    layer: ([
      {
        name: isoflopMarkNames.curves,
        data: { values: fittedCurveRows },
        mark: { type: "line", strokeWidth: 2, opacity: 0.85, clip: true },
        encoding: { x, y, color }
      },
      {
        name: isoflopMarkNames.extrapolatedCurves,
        data: { values: extrapolationRows },
        mark: { type: "line", strokeWidth: 1.5, strokeDash: [5, 4], opacity: 0.85, clip: true },
        encoding: { x, y, color }
      },
      {
        name: isoflopMarkNames.runs,
        data: { values: runRows },
        transform: [formatted("params"), formatted("tokens")],
        mark: { type: "point", filled: true, size: 55, opacity: 1, stroke: "white", strokeWidth: 0.8 },
        encoding: {
          x,
          y,
          color,
          shape,
          tooltip: [
            { field: "id", type: "nominal", title: "Run" },
            { field: budgetField, type: "nominal", title: "Budget (FLOPs)" },
            sizeTooltip("params", "N (parameters)"),
            sizeTooltip("tokens", "D (tokens)"),
            { field: "loss", type: "quantitative", title: "Loss (nats/token)", format: ".4f" }
          ]
        }
      },
      {
        name: isoflopMarkNames.minima,
        data: { values: bracketedMinima },
        transform: [formatted("params")],
        mark: { type: "point", filled: true, size: 170, opacity: 1, stroke: legendInk, strokeWidth: 1.2 },
        encoding: { x, y, color, shape, tooltip: [...minimumTooltip] }
      },
      {
        name: isoflopMarkNames.unbracketedMinima,
        data: { values: unbracketedMinima },
        transform: [formatted("params")],
        // White inside, not transparent: the dashed curve ends under it.
        mark: { type: "point", filled: false, fill: "white", size: 170, opacity: 1, strokeWidth: 2.5 },
        encoding: { x, y, color, shape, tooltip: [...minimumTooltip] }
      }
      // A layer without rows would leave Vega with an empty extent to warn about.
    ] satisfies Array<Layer>).filter((layer) => layer.data.values.length > 0)
  }
}
