import { scientific } from "@scalelab/laws"
import type { TopLevelSpec } from "vega-lite"
import { axisTitles, categoricalPalette, inkColor, logComputeScaleAxis, panelSize, plotTitle, positiveExtent, themeConfig, vegaLiteSchema } from "./theme.ts"

/** Stage 1 of the downstream law: task NLL = E + A·C^(−α) at C training FLOPs. */
export interface NllComputeLaw {
  readonly E: number
  readonly A: number
  readonly alpha: number
}

/** Stage 2: accuracy = chance + span / (1 + exp(steepness·(nll − midpoint))), falling as the NLL grows. */
export interface NllAccuracySigmoid {
  readonly chance: number
  readonly span: number
  readonly steepness: number
  readonly midpoint: number
}

/** One model of the sweep, evaluated on the task. */
export interface DownstreamRunPoint {
  readonly id?: string
  readonly compute: number
  readonly nll: number
  readonly accuracy: number
}

/** A model seen only by stage 2 (compute unknown or not comparable, e.g. another family). */
export interface NllAccuracyRunPoint {
  readonly id?: string
  readonly nll: number
  readonly accuracy: number
}

/** The forecast at a target compute, with bootstrap intervals where they were computed. */
export interface DownstreamForecastPoint {
  readonly compute: number
  readonly nll: number
  readonly accuracy: number
  readonly nllInterval?: readonly [number, number]
  readonly accuracyInterval?: readonly [number, number]
}

export interface DownstreamPlotInput {
  readonly title?: string
  /** The task's name, for the panel titles. */
  readonly task?: string
  readonly law: { readonly nll: NllComputeLaw; readonly accuracy: NllAccuracySigmoid }
  readonly runs: ReadonlyArray<DownstreamRunPoint>
  readonly extraAccuracyPoints?: ReadonlyArray<NllAccuracyRunPoint>
  readonly forecasts: ReadonlyArray<DownstreamForecastPoint>
  /** Central coverage of the intervals, for the legend; 0.8 when absent (the bootstrap's default). */
  readonly intervalLevel?: number
  /** Axis title of the task NLL, with its unit and normalisation. */
  readonly nllTitle?: string
}

/** Names of the Vega marks, so tests and callers can find each layer in the rendered scene. */
export const downstreamMarkNames = {
  nllCurve: "nll_fit",
  nllExtrapolation: "nll_fit_extrapolated",
  nllRuns: "nll_runs",
  nllForecastInterval: "nll_forecast_interval",
  nllForecast: "nll_forecast",
  chanceLine: "chance_accuracy",
  chanceLabel: "chance_accuracy_label",
  sigmoid: "accuracy_fit",
  accuracyRuns: "accuracy_runs",
  extraRuns: "accuracy_extra_runs",
  accuracyForecastNllInterval: "accuracy_forecast_nll_interval",
  accuracyForecastInterval: "accuracy_forecast_interval",
  accuracyForecast: "accuracy_forecast"
} as const

export const nllAtCompute = (law: NllComputeLaw, compute: number): number => law.E + law.A * compute ** -law.alpha

/** 1/(1 + e^t) without overflow for large t. */
const falling = (t: number): number => (t > 0 ? Math.exp(-t) / (1 + Math.exp(-t)) : 1 / (1 + Math.exp(t)))

export const accuracyAtTaskNll = (law: NllAccuracySigmoid, nll: number): number =>
  law.chance + law.span * falling(law.steepness * (nll - law.midpoint))

type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number]

const spaced = (low: number, high: number, count: number, spacing: "log" | "linear"): Array<number> => {
  const [start, end] = spacing === "log" ? [Math.log(low), Math.log(high)] : [low, high]
  return Array.from({ length: count }, (_, index) => {
    const value = start + ((end - start) * index) / (count - 1)
    return spacing === "log" ? Math.exp(value) : value
  })
}

const extent = (values: ReadonlyArray<number>): [number, number] => [Math.min(...values), Math.max(...values)]

/** Widens [low, high] by `fraction` of its width on each side; a single value gets ±5% of itself. */
const widen = ([low, high]: readonly [number, number], fraction: number): [number, number] => {
  const margin = high > low ? (high - low) * fraction : Math.abs(low) * 0.05 || 1
  return [low - margin, high + margin]
}

const defaultNllTitle = "Correct-answer NLL (nats)"

/**
 * The two-stage downstream forecast of Llama 3 (Dubey et al. 2024, §3.2.1 and fig. 4), side by
 * side: left, the task NLL against training compute with the fitted E + A·C^(−α), drawn dashed
 * past the largest model and ending at the forecast; right, accuracy against that NLL with the
 * fitted sigmoid. The forecast appears in both with its interval, so the reader can follow one
 * target compute through the chain.
 */
export const downstreamPlotSpec = (input: DownstreamPlotInput): TopLevelSpec => {
  const level = input.intervalLevel ?? 0.8
  const kinds = {
    sweep: "sweep model",
    extra: "model used in stage 2 only",
    forecast: `forecast (${Math.round(level * 100)}% interval)`
  } as const
  const extra = input.extraAccuracyPoints ?? []
  const kindsShown = [
    ...(input.runs.length > 0 ? [{ label: kinds.sweep, colour: categoricalPalette[0], shape: "circle" }] : []),
    ...(extra.length > 0 ? [{ label: kinds.extra, colour: "#8a8a8a", shape: "square" }] : []),
    ...(input.forecasts.length > 0 ? [{ label: kinds.forecast, colour: categoricalPalette[4], shape: "diamond" }] : [])
  ]
  const kind = {
    field: "kind",
    type: "nominal",
    title: null,
    scale: { domain: kindsShown.map((shown) => shown.label), range: kindsShown.map((shown) => shown.colour) },
    legend: { orient: "bottom", direction: "horizontal", labelLimit: 320 }
  } as const
  const kindShape = { ...kind, scale: { domain: kindsShown.map((shown) => shown.label), range: kindsShown.map((shown) => shown.shape) } }

  const runRows = input.runs.map((run, index) => ({ ...run, id: run.id ?? `model ${index + 1}`, kind: kinds.sweep }))
  const extraRows = extra.map((run, index) => ({ ...run, id: run.id ?? `extra model ${index + 1}`, kind: kinds.extra }))
  const forecastRows = input.forecasts.map((forecast) => ({
    compute: forecast.compute,
    nll: forecast.nll,
    accuracy: forecast.accuracy,
    nll_low: forecast.nllInterval?.[0] ?? forecast.nll,
    nll_high: forecast.nllInterval?.[1] ?? forecast.nll,
    accuracy_low: forecast.accuracyInterval?.[0] ?? forecast.accuracy,
    accuracy_high: forecast.accuracyInterval?.[1] ?? forecast.accuracy,
    kind: kinds.forecast
  }))

  // Stage 1: the fit is solid over the sweep's compute and dashed from there to the farthest forecast.
  const sweepCompute = positiveExtent(runRows.map((run) => run.compute))
  const computeDomain = positiveExtent([...sweepCompute, ...forecastRows.map((forecast) => forecast.compute)])
  const curveAt = (compute: number) => ({ compute, nll: nllAtCompute(input.law.nll, compute) })
  const nllCurveRows = spaced(...sweepCompute, 64, "log").map(curveAt)
  const nllExtrapolationRows = computeDomain[1] > sweepCompute[1] ? spaced(sweepCompute[1], computeDomain[1], 32, "log").map(curveAt) : []

  // Stage 2: the sigmoid over every NLL shown, so its whole bend is visible.
  const nllValues = [...runRows, ...extraRows].map((run) => run.nll)
    .concat(forecastRows.flatMap((forecast) => [forecast.nll_low, forecast.nll_high]))
  const nllDomain = widen(extent(nllValues), 0.06)
  const sigmoidRows = spaced(...nllDomain, 96, "linear").map((nll) => ({ nll, accuracy: accuracyAtTaskNll(input.law.accuracy, nll) }))

  const compute = { field: "compute", type: "quantitative", title: axisTitles.compute, ...logComputeScaleAxis(computeDomain, 12) } as const
  const nllTitle = input.nllTitle ?? defaultNllTitle
  const nll = { field: "nll", type: "quantitative", title: nllTitle, scale: { zero: false, nice: true } } as const
  const nllAxis = { ...nll, scale: { domain: nllDomain, nice: false } }
  const accuracy = { field: "accuracy", type: "quantitative", title: axisTitles.accuracy, scale: { zero: false, nice: true }, axis: { format: ".0%" } } as const
  const forecastTooltip = [
    { field: "compute", type: "quantitative", title: "C (FLOPs)", format: ".3~e" },
    { field: "nll", type: "quantitative", title: "Forecast NLL", format: ".4f" },
    { field: "nll_low", type: "quantitative", title: "NLL interval low", format: ".4f" },
    { field: "nll_high", type: "quantitative", title: "NLL interval high", format: ".4f" },
    { field: "accuracy", type: "quantitative", title: "Forecast accuracy", format: ".1%" },
    { field: "accuracy_low", type: "quantitative", title: "Accuracy interval low", format: ".1%" },
    { field: "accuracy_high", type: "quantitative", title: "Accuracy interval high", format: ".1%" }
  ] as const
  const runTooltip = [
    { field: "id", type: "nominal", title: "Model" },
    { field: "nll", type: "quantitative", title: "NLL", format: ".4f" },
    { field: "accuracy", type: "quantitative", title: "Accuracy", format: ".1%" }
  ] as const
  const pointMark = { type: "point", filled: true, size: 60, opacity: 1, stroke: "white", strokeWidth: 0.8 } as const
  const forecastMark = { type: "point", filled: true, size: 150, opacity: 1, stroke: inkColor, strokeWidth: 1 } as const
  const intervalMark = { type: "rule", color: categoricalPalette[4], strokeWidth: 2 } as const
  const fitMark = { type: "line", color: inkColor, strokeWidth: 2 } as const

  const nllPanel = {
    title: { text: "Stage 1: task NLL against compute", anchor: "start", fontSize: 13, fontWeight: "normal" },
    width: panelSize.width,
    height: panelSize.height,
    layer: ([
      { name: downstreamMarkNames.nllCurve, data: { values: nllCurveRows }, mark: fitMark, encoding: { x: compute, y: nll } },
      {
        name: downstreamMarkNames.nllExtrapolation,
        data: { values: nllExtrapolationRows },
        mark: { ...fitMark, strokeDash: [6, 4] },
        encoding: { x: compute, y: nll }
      },
      {
        name: downstreamMarkNames.nllRuns,
        data: { values: runRows },
        mark: pointMark,
        encoding: {
          x: compute,
          y: nll,
          color: kind,
          shape: kindShape,
          tooltip: [runTooltip[0], { field: "compute", type: "quantitative", title: "C (FLOPs)", format: ".3~e" }, ...runTooltip.slice(1)]
        }
      },
      {
        name: downstreamMarkNames.nllForecastInterval,
        data: { values: forecastRows },
        mark: intervalMark,
        encoding: { x: compute, y: { field: "nll_low", type: "quantitative" }, y2: { field: "nll_high" } }
      },
      {
        name: downstreamMarkNames.nllForecast,
        data: { values: forecastRows },
        mark: forecastMark,
        encoding: { x: compute, y: nll, color: kind, shape: kindShape, tooltip: [...forecastTooltip] }
      }
    ] satisfies Array<Layer>).filter((layer) => layer.data.values.length > 0)
  } as const

  const accuracyPanel = {
    title: { text: "Stage 2: accuracy against task NLL", anchor: "start", fontSize: 13, fontWeight: "normal" },
    width: panelSize.width,
    height: panelSize.height,
    layer: ([
      {
        // Where the sigmoid levels off for a hopeless model: accuracy at chance.
        name: downstreamMarkNames.chanceLine,
        data: { values: [{ accuracy: input.law.accuracy.chance }] },
        mark: { type: "rule", color: "#9a9a9a", strokeDash: [3, 3] },
        encoding: { y: accuracy }
      },
      {
        name: downstreamMarkNames.chanceLabel,
        data: { values: [{ accuracy: input.law.accuracy.chance }] },
        // At the left, high-accuracy end, where the sigmoid is far above chance.
        mark: { type: "text", text: "chance", color: "#8a8a8a", fontSize: 10, align: "left", baseline: "bottom", dy: -2 },
        encoding: { x: { value: 4 }, y: accuracy }
      },
      { name: downstreamMarkNames.sigmoid, data: { values: sigmoidRows }, mark: fitMark, encoding: { x: nllAxis, y: accuracy } },
      {
        name: downstreamMarkNames.extraRuns,
        data: { values: extraRows },
        mark: pointMark,
        encoding: { x: nllAxis, y: accuracy, color: kind, shape: kindShape, tooltip: [...runTooltip] }
      },
      {
        name: downstreamMarkNames.accuracyRuns,
        data: { values: runRows },
        mark: pointMark,
        encoding: { x: nllAxis, y: accuracy, color: kind, shape: kindShape, tooltip: [...runTooltip] }
      },
      {
        name: downstreamMarkNames.accuracyForecastNllInterval,
        data: { values: forecastRows },
        mark: intervalMark,
        encoding: { x: { ...nllAxis, field: "nll_low" }, x2: { field: "nll_high" }, y: accuracy }
      },
      {
        name: downstreamMarkNames.accuracyForecastInterval,
        data: { values: forecastRows },
        mark: intervalMark,
        encoding: { x: nllAxis, y: { field: "accuracy_low", type: "quantitative" }, y2: { field: "accuracy_high" } }
      },
      {
        name: downstreamMarkNames.accuracyForecast,
        data: { values: forecastRows },
        mark: forecastMark,
        encoding: { x: nllAxis, y: accuracy, color: kind, shape: kindShape, tooltip: [...forecastTooltip] }
      }
    ] satisfies Array<Layer>).filter((layer) => layer.data.values.length > 0)
  } as const

  const targets = input.forecasts.map((forecast) => scientific(forecast.compute, 2)).join(", ")
  return {
    $schema: vegaLiteSchema,
    title: plotTitle(
      input.title ?? (input.task === undefined ? "Downstream forecast" : `Downstream forecast: ${input.task}`),
      targets.length > 0
        ? `Task NLL forecast from compute, then accuracy from NLL (Llama 3 §3.2.1); forecast at C = ${targets} FLOPs`
        : "Task NLL forecast from compute, then accuracy from NLL (Llama 3 §3.2.1)"
    ),
    config: themeConfig,
    spacing: 40,
    hconcat: [nllPanel, accuracyPanel]
  }
}
