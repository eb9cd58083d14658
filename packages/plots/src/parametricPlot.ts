import { parametricLoss, scientific } from "@scalelab/laws"
import type { TopLevelSpec } from "vega-lite"
import { type FrontierPowerLaw, powerLawAt } from "./frontierPlot.ts"
import { logAxisTicks } from "./logTicks.ts"
import { siFormatExpression } from "./numberFormat.ts"
import {
  axisTitles,
  inkColor,
  logComputeScaleAxis,
  logScaleAxis,
  plotSize,
  plotTitle,
  positiveExtent,
  sequentialScheme,
  themeConfig,
  vegaLiteSchema
} from "./theme.ts"

/** The constants of a fitted L(N, D) = E + A/N^α + B/D^β (N parameters, D tokens, L in nats/token). */
export interface ParametricLawCoefficients {
  readonly E: number
  readonly A: number
  readonly B: number
  readonly alpha: number
  readonly beta: number
}

/** One finished run the law was fitted to. */
export interface ParametricRunPoint {
  readonly id?: string
  readonly params: number
  readonly tokens: number
  readonly loss: number
  /** The IsoFLOP budget the run belongs to; flopsPerParamToken·N·D when absent. */
  readonly budget?: number
}

export interface ParametricPlotInput {
  readonly title?: string
  readonly law: ParametricLawCoefficients
  /** The law's compute-optimal allocation N*(C), D*(C) as power laws of C, computed by the caller. */
  readonly frontier: { readonly params: FrontierPowerLaw; readonly tokens: FrontierPowerLaw }
  /** The k of the iso-FLOP lines C = k·N·D drawn, and of a run's compute where it has no budget: 6 under the 6·N·D rule. */
  readonly flopsPerParamToken: number
  readonly runs: ReadonlyArray<ParametricRunPoint>
  /** Losses to draw iso-loss contours at; about eight round values across the plotted region when absent. */
  readonly lossLevels?: ReadonlyArray<number>
}

export interface ResidualPlotOptions {
  /** What the residuals are plotted against: model size (default) or training compute. */
  readonly against?: "params" | "compute"
}

/** A point of the (N, D) plane. */
export interface SizePoint {
  readonly params: number
  readonly tokens: number
}

/** Names of the Vega marks, so tests and callers can find each layer in the rendered scene. */
export const parametricMarkNames = {
  contours: "iso_loss",
  contourLabels: "iso_loss_label",
  isoflopLines: "iso_flop",
  isoflopLabels: "iso_flop_label",
  frontier: "compute_optimal",
  frontierLabel: "compute_optimal_label",
  runs: "runs",
  zeroLine: "zero_residual",
  residuals: "residuals"
} as const

type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number]

/** The tokens at which a model of `params` parameters reaches `loss`; Infinity where it never does. */
const tokensForLoss = (law: ParametricLawCoefficients, loss: number, params: number): number => {
  const tokenTerm = loss - law.E - law.A / params ** law.alpha
  return tokenTerm > 0 ? (law.B / tokenTerm) ** (1 / law.beta) : Number.POSITIVE_INFINITY
}

/** The parameters at which a model trained on `tokens` tokens reaches `loss`; Infinity where it never does. */
const paramsForLoss = (law: ParametricLawCoefficients, loss: number, tokens: number): number => {
  const paramTerm = loss - law.E - law.B / tokens ** law.beta
  return paramTerm > 0 ? (law.A / paramTerm) ** (1 / law.alpha) : Number.POSITIVE_INFINITY
}

const logSpaced = (low: number, high: number, count: number): Array<number> => {
  const start = Math.log(low)
  const step = (Math.log(high) - start) / (count - 1)
  return Array.from({ length: count }, (_, index) => Math.exp(start + index * step))
}

/**
 * The iso-loss contour L(N, D) = `loss` inside the box `paramsRange` × `tokensRange`, solved in
 * closed form (D from B/D^β = L − E − A/N^α), ordered by N. D falls as N grows, so the contour
 * enters the box where D = tokensRange[1] (or N = paramsRange[0]) and leaves where D = tokensRange[0]
 * (or N = paramsRange[1]). Samples are spread evenly in log N and in log D together, so the steep
 * part near the asymptote N → (A/(L − E))^(1/α) is as smooth as the flat part. Empty when the
 * contour misses the box.
 */
export const isoLossContour = (
  law: ParametricLawCoefficients,
  loss: number,
  paramsRange: readonly [number, number],
  tokensRange: readonly [number, number],
  samples = 48
): Array<SizePoint> => {
  const firstParams = Math.max(paramsRange[0], paramsForLoss(law, loss, tokensRange[1]))
  const lastParams = Math.min(paramsRange[1], paramsForLoss(law, loss, tokensRange[0]))
  if (!(firstParams < lastParams)) return []
  const firstTokens = tokensForLoss(law, loss, lastParams)
  const lastTokens = tokensForLoss(law, loss, firstParams)
  const params = [
    ...logSpaced(firstParams, lastParams, samples),
    ...logSpaced(firstTokens, lastTokens, samples).slice(1, -1).map((tokens) => paramsForLoss(law, loss, tokens))
  ].sort((a, b) => a - b)
  return params.map((n) => ({ params: n, tokens: tokensForLoss(law, loss, n) }))
}

/**
 * The compute-optimal frontier (N*(C), D*(C)) where it crosses the box, ordered by compute. Both are
 * power laws of C, straight lines in log-log, so the ends are found exactly: the compute at which
 * N* or D* reaches each edge.
 */
export const computeOptimalFrontier = (
  frontier: ParametricPlotInput["frontier"],
  paramsRange: readonly [number, number],
  tokensRange: readonly [number, number],
  samples = 32
): Array<SizePoint & { readonly compute: number }> => {
  const computeFor = (law: FrontierPowerLaw, value: number) => (value / law.k) ** (1 / law.exponent)
  const low = Math.max(computeFor(frontier.params, paramsRange[0]), computeFor(frontier.tokens, tokensRange[0]))
  const high = Math.min(computeFor(frontier.params, paramsRange[1]), computeFor(frontier.tokens, tokensRange[1]))
  if (!(low < high)) return []
  return logSpaced(low, high, samples).map((compute) => ({
    compute,
    params: powerLawAt(frontier.params, compute),
    tokens: powerLawAt(frontier.tokens, compute)
  }))
}

/**
 * About eight loss levels between `low` and `high`, spaced evenly in log(L − E): the reducible
 * loss is a sum of power laws, so its contours then lie about evenly apart on log-log axes, where
 * levels evenly spaced in L would crowd into the high-loss corner. Each level is rounded to a
 * 1-2-5 step no larger than a third of the gap between its neighbours, so labels read 2.05 or 3.5, not 2.0437.
 */
const contourLossLevels = (law: ParametricLawCoefficients, low: number, high: number, count = 8): Array<number> => {
  const reducible = logSpaced(low - law.E, high - law.E, count + 2).slice(1, -1)
  const levels = reducible.map((value, index) => {
    const gap = (reducible[index + 1] ?? value) - (reducible[index - 1] ?? value)
    const decade = 10 ** Math.floor(Math.log10(gap / 3))
    const step = ([5, 2, 1].find((multiple) => multiple * decade <= gap / 3) ?? 1) * decade
    // Rounded through toFixed so that a level reads 2.3, not 2.3000000000000003.
    return Number((Math.round((law.E + value) / step) * step).toFixed(Math.max(0, -Math.floor(Math.log10(step)))))
  })
  return [...new Set(levels)]
}

type Pixel = readonly [number, number]

/** The point `fraction` of the way along a polyline in pixels, with the direction of its segment there. */
const alongPolyline = <P>(
  points: ReadonlyArray<P>,
  toPixels: (point: P) => Pixel,
  fraction: number
): { readonly point: P; readonly pixel: Pixel; readonly angle: number } | undefined => {
  const pixels = points.map(toPixels)
  const steps = pixels.slice(1).map((pixel, index) => Math.hypot(pixel[0] - (pixels[index]?.[0] ?? 0), pixel[1] - (pixels[index]?.[1] ?? 0)))
  const total = steps.reduce((sum, step) => sum + step, 0)
  let travelled = 0
  for (const [index, step] of steps.entries()) {
    travelled += step
    const point = points[index + 1]
    const [x0 = 0, y0 = 0] = pixels[index] ?? []
    const pixel = pixels[index + 1]
    if (travelled >= fraction * total && point !== undefined && pixel !== undefined) {
      // Text is turned along the line; SVG angles turn clockwise with y pointing down.
      return { point, pixel, angle: (Math.atan2(pixel[1] - y0, pixel[0] - x0) * 180) / Math.PI }
    }
  }
  return undefined
}

/** Distance in pixels from `pixel` to the infinite line through `a` and `b`. */
const distanceToLine = (pixel: Pixel, a: Pixel, b: Pixel): number =>
  Math.abs((b[0] - a[0]) * (a[1] - pixel[1]) - (a[0] - pixel[0]) * (b[1] - a[1])) / (Math.hypot(b[0] - a[0], b[1] - a[1]) || 1)

// Where along a contour its label may go, in order of preference: a third of the way along keeps
// labels of neighbouring contours in a loose row, clear of the frontier that crosses near the middle.
const labelFractions = [0.3, 0.7, 0.15, 0.85, 0.5]
const labelClearance = 36

/** A Vega expression writing a FLOP count as 1e21 rather than d3's 1e+21. */
const compactExponent = (valueExpression: string): string => `replace(format(${valueExpression}, '.0e'), 'e+', 'e')`

/** The theme's sequential scheme as a fresh object: Vega-Lite's types take no readonly arrays. */
const sequentialColors = () => ({ name: sequentialScheme.name, extent: [...sequentialScheme.extent] })

const computeOf = (run: ParametricRunPoint, flopsPerParamToken: number): number => run.budget ?? flopsPerParamToken * run.params * run.tokens

/** Widens [low, high] by `fraction` of its width in log space on each side; a single value by a factor of 2. */
const widenLog = ([low, high]: readonly [number, number], fraction: number): [number, number] => {
  const factor = high > low ? (high / low) ** fraction : 2
  return [low / factor, high * factor]
}

const formattedSize = (field: string) => ({ calculate: siFormatExpression(`datum.${field}`, ".3~s"), as: `${field}_label` })
const runTooltip = [
  { field: "id", type: "nominal", title: "Run" },
  { field: "params_label", type: "nominal", title: "N (parameters)" },
  { field: "tokens_label", type: "nominal", title: "D (tokens)" },
  { field: "compute", type: "quantitative", title: "C (FLOPs)", format: ".3~e" },
  { field: "loss", type: "quantitative", title: "Loss (nats/token)", format: ".4f" },
  { field: "predicted", type: "quantitative", title: "Fitted loss (nats/token)", format: ".4f" }
] as const

const runRows = (input: ParametricPlotInput) =>
  input.runs.map((run, index) => {
    const predicted = parametricLoss(input.law, run.params, run.tokens)
    return {
      id: run.id ?? `run ${index + 1}`,
      params: run.params,
      tokens: run.tokens,
      compute: computeOf(run, input.flopsPerParamToken),
      loss: run.loss,
      predicted,
      residual: run.loss - predicted
    }
  })

const lawSubtitle = (law: ParametricLawCoefficients): string =>
  `Fit: L = ${law.E.toFixed(3)} + ${law.A.toPrecision(4)}/N^${law.alpha.toFixed(3)} + ${law.B.toPrecision(4)}/D^${law.beta.toFixed(3)}`

/**
 * The fitted loss surface over model size and data in the style of Chinchilla (Hoffmann et al.
 * 2022, fig. 4): iso-loss contours labelled with their loss, faint iso-FLOP lines C = 6ND, the
 * compute-optimal frontier (N*(C), D*(C)) crossing each iso-FLOP line where it touches the lowest
 * contour, and the runs coloured by their observed loss on the contours' colour scale, so a run
 * whose colour differs from the contours around it is one the fit misses.
 */
export const parametricContourPlotSpec = (input: ParametricPlotInput): TopLevelSpec => {
  const runs = runRows(input)
  const paramsRange = widenLog(positiveExtent(runs.map((run) => run.params)), 0.08)
  const tokensRange = widenLog(positiveExtent(runs.map((run) => run.tokens)), 0.08)
  const { width, height } = plotSize
  const logFraction = (value: number, [low, high]: readonly [number, number]) => Math.log(value / low) / Math.log(high / low)
  const toPixels = (point: SizePoint): Pixel => [
    logFraction(point.params, paramsRange) * width,
    (1 - logFraction(point.tokens, tokensRange)) * height
  ]

  const highestLoss = parametricLoss(input.law, paramsRange[0], tokensRange[0])
  const lowestLoss = parametricLoss(input.law, paramsRange[1], tokensRange[1])
  const levels = input.lossLevels ?? contourLossLevels(input.law, lowestLoss, highestLoss)
  const contours = levels.map((loss) => ({ loss, points: isoLossContour(input.law, loss, paramsRange, tokensRange) }))
    .filter((contour) => contour.points.length > 0)
  const contourRows = contours.flatMap(({ loss, points }) => points.map((point, order) => ({ ...point, level: loss, order })))
  const frontierRows = computeOptimalFrontier(input.frontier, paramsRange, tokensRange)
  const frontierEnds = [frontierRows[0], frontierRows[frontierRows.length - 1]].flatMap((point) => (point === undefined ? [] : [toPixels(point)]))
  // A label goes where it is clear of the frontier and the plot's edges and covers the fewest runs;
  // failing that, a third of the way along.
  const runPixels = runs.map(toPixels)
  const [frontierStart, frontierStop] = frontierEnds
  const isClear = (pixel: Pixel) =>
    (frontierStart === undefined || frontierStop === undefined || distanceToLine(pixel, frontierStart, frontierStop) >= labelClearance) &&
    pixel[0] >= 16 && pixel[0] <= width - 16 && pixel[1] >= 10 && pixel[1] <= height - 10
  const runsCovered = (pixel: Pixel) => runPixels.filter((run) => Math.hypot(run[0] - pixel[0], run[1] - pixel[1]) < 14).length
  const levelDecimals = Math.max(0, ...contours.map(({ loss }) => String(loss).split(".")[1]?.length ?? 0))
  const contourLabelRows = contours.flatMap(({ loss, points }) => {
    const candidates = labelFractions.flatMap((fraction) => alongPolyline(points, toPixels, fraction) ?? [])
    const clear = candidates.filter((candidate) => isClear(candidate.pixel))
    const position = clear.reduce<(typeof clear)[number] | undefined>(
      (best, candidate) => (best === undefined || runsCovered(candidate.pixel) < runsCovered(best.pixel) ? candidate : best),
      undefined
    ) ?? candidates[0]
    return position === undefined ? [] : [{ ...position.point, loss, angle: position.angle, text: loss.toFixed(levelDecimals) }]
  })

  const { flopsPerParamToken } = input
  const isoflopBudgets = decadesWithin(flopsPerParamToken * paramsRange[0] * tokensRange[0], flopsPerParamToken * paramsRange[1] * tokensRange[1])
  const isoflopLines = isoflopBudgets.map((compute) => {
    const paramTokens = compute / flopsPerParamToken
    const first = Math.max(paramsRange[0], paramTokens / tokensRange[1])
    const last = Math.min(paramsRange[1], paramTokens / tokensRange[0])
    return { compute, points: [first, last].map((params) => ({ params, tokens: paramTokens / params })) }
  })
  const isoflopRows = isoflopLines.flatMap(({ compute, points }) =>
    points.map((point, order) => ({ ...point, compute, order, budget_label: scientific(compute, 2) })))
  // Each iso-FLOP line is labelled at its lower end, where it leaves the plot through the bottom or right edge.
  const isoflopLabelRows = isoflopLines.flatMap(({ compute, points }) => {
    const end = points[1]
    return end === undefined ? [] : [{ ...end, text: `${scientific(compute, 2)} FLOPs` }]
  })

  const frontierEnd = frontierRows.length > 1 ? alongPolyline(frontierRows, toPixels, 0.97) : undefined
  const frontierLabelRows = frontierEnd === undefined ? [] : [{ ...frontierEnd.point, angle: frontierEnd.angle, text: "compute-optimal N*, D*" }]

  const x = { field: "params", type: "quantitative", title: axisTitles.params, ...logScaleAxis(paramsRange, 0) } as const
  const y = { field: "tokens", type: "quantitative", title: axisTitles.tokens, ...logScaleAxis(tokensRange, 0) } as const
  const lossColor = {
    field: "loss",
    type: "quantitative",
    title: axisTitles.trainingLoss,
    scale: { scheme: sequentialColors(), domain: positiveExtent([...contours.map((contour) => contour.loss), ...runs.map((run) => run.loss)]) },
    legend: { gradientLength: height - 60 }
  } as const

  return {
    $schema: vegaLiteSchema,
    title: plotTitle(input.title ?? "Fitted loss L(N, D)", `${lawSubtitle(input.law)}. Contours: equal loss; dashed: equal compute C = ${flopsPerParamToken}ND`),
    width,
    height,
    config: themeConfig,
    layer: ([
      {
        name: parametricMarkNames.isoflopLines,
        data: { values: isoflopRows },
        mark: { type: "line", color: "#9a9a9a", strokeWidth: 1, strokeDash: [4, 4], opacity: 0.7 },
        encoding: { x, y, detail: { field: "budget_label", type: "nominal" }, order: { field: "order", type: "quantitative" } }
      },
      {
        name: parametricMarkNames.isoflopLabels,
        data: { values: isoflopLabelRows },
        mark: { type: "text", color: "#8a8a8a", fontSize: 10, align: "right", baseline: "bottom", dx: -3, dy: -2 },
        encoding: { x, y, text: { field: "text", type: "nominal" } }
      },
      {
        name: parametricMarkNames.contours,
        data: { values: contourRows },
        mark: { type: "line", strokeWidth: 1.6, interpolate: "monotone" },
        // Contours take the runs' scale through `stroke`, runs through `fill`: with one channel per
        // legend Vega draws the continuous loss scale as a gradient rather than as a few symbols.
        encoding: { x, y, stroke: { ...lossColor, field: "level", legend: null }, detail: { field: "level", type: "nominal" }, order: { field: "order", type: "quantitative" } }
      },
      {
        // A white outline under each label so it stays legible where it crosses a line.
        name: `${parametricMarkNames.contourLabels}_halo`,
        data: { values: contourLabelRows },
        mark: { type: "text", fontSize: 11, stroke: "white", strokeWidth: 4, strokeOpacity: 0.9, baseline: "middle" },
        encoding: { x, y, angle: { field: "angle", type: "quantitative", scale: null }, text: { field: "text", type: "nominal" } }
      },
      {
        name: parametricMarkNames.contourLabels,
        data: { values: contourLabelRows },
        mark: { type: "text", fontSize: 11, color: inkColor, baseline: "middle" },
        encoding: { x, y, angle: { field: "angle", type: "quantitative", scale: null }, text: { field: "text", type: "nominal" } }
      },
      {
        name: parametricMarkNames.frontier,
        data: { values: frontierRows },
        transform: [formattedSize("params"), formattedSize("tokens")],
        mark: { type: "line", color: "#D55E00", strokeWidth: 2.5 },
        encoding: {
          x,
          y,
          order: { field: "compute", type: "quantitative" },
          tooltip: [
            { field: "compute", type: "quantitative", title: "C (FLOPs)", format: ".3~e" },
            { field: "params_label", type: "nominal", title: "N* (parameters)" },
            { field: "tokens_label", type: "nominal", title: "D* (tokens)" }
          ]
        }
      },
      {
        name: parametricMarkNames.frontierLabel,
        data: { values: frontierLabelRows },
        mark: { type: "text", color: "#D55E00", fontSize: 12, fontWeight: "bold", align: "right", baseline: "bottom", dy: -5 },
        encoding: { x, y, angle: { field: "angle", type: "quantitative", scale: null }, text: { field: "text", type: "nominal" } }
      },
      {
        name: parametricMarkNames.runs,
        data: { values: runs },
        transform: [formattedSize("params"), formattedSize("tokens")],
        mark: { type: "point", filled: true, size: 45, opacity: 1, stroke: "white", strokeWidth: 0.7 },
        encoding: { x, y, fill: lossColor, tooltip: [...runTooltip] }
      }
      // A layer without rows would leave Vega with an empty extent to warn about.
    ] satisfies Array<Layer>).filter((layer) => layer.data.values.length > 0)
  }
}

/** Powers of ten within [low, high]; every other one when there are more than seven. */
const decadesWithin = (low: number, high: number): Array<number> => {
  const decades: Array<number> = []
  for (let exponent = Math.ceil(Math.log10(low)); exponent <= Math.floor(Math.log10(high)); exponent++) decades.push(Number(`1e${exponent}`))
  return decades.length > 7 ? decades.filter((_, index) => index % 2 === 0) : decades
}

/**
 * Residuals of the parametric fit, observed − fitted loss in nats/token, against model size or
 * training compute, coloured by compute budget, around a zero line: structure here (a trend with
 * N, one budget all above zero) says the law's form misses something that a small RMS hides.
 */
export const parametricResidualPlotSpec = (input: ParametricPlotInput, options: ResidualPlotOptions = {}): TopLevelSpec => {
  const runs = runRows(input)
  const against = options.against ?? "params"
  const xRange = positiveExtent(runs.map((run) => run[against]))
  const computeRange = positiveExtent(runs.map((run) => run.compute))
  const budgetsGiven = input.runs.some((run) => run.budget !== undefined)
  const largest = Math.max(...runs.map((run) => Math.abs(run.residual)), 1e-3)
  // Symmetric about zero, so over- and under-prediction look alike.
  const residualDomain: [number, number] = [-largest * 1.1, largest * 1.1]
  const rms = Math.sqrt(runs.reduce((sum, run) => sum + run.residual ** 2, 0) / Math.max(1, runs.length))

  const x = against === "params"
    ? { field: "params", type: "quantitative", title: axisTitles.params, ...logScaleAxis(xRange) } as const
    : { field: "compute", type: "quantitative", title: axisTitles.compute, ...logComputeScaleAxis(xRange) } as const
  const y = {
    field: "residual",
    type: "quantitative",
    title: "Observed − fitted loss (nats/token)",
    scale: { domain: residualDomain, nice: true }
  } as const

  return {
    $schema: vegaLiteSchema,
    title: plotTitle(
      input.title ?? "Residuals of the parametric fit",
      `${lawSubtitle(input.law)}; RMS residual ${rms.toPrecision(2)} nats/token over ${runs.length} runs`
    ),
    width: plotSize.width,
    height: plotSize.height,
    config: themeConfig,
    layer: ([
      {
        name: parametricMarkNames.zeroLine,
        data: { values: [{ residual: 0 }] },
        mark: { type: "rule", color: inkColor, strokeWidth: 1 },
        encoding: { y: { field: "residual", type: "quantitative" } }
      },
      {
        name: parametricMarkNames.residuals,
        data: { values: runs },
        transform: [formattedSize("params"), formattedSize("tokens")],
        mark: { type: "point", filled: true, size: 45, opacity: 0.9 },
        encoding: {
          x,
          y,
          color: {
            field: "compute",
            type: "quantitative",
            title: budgetsGiven ? axisTitles.budget : axisTitles.compute,
            scale: { type: "log", scheme: sequentialColors(), domain: computeRange },
            // Ticks at the axis's round values: Vega's own log legend labels crowd (2e18, 4e18, 7e18…).
            legend: { values: logAxisTicks(...computeRange), labelExpr: compactExponent("datum.value") }
          },
          tooltip: [...runTooltip, { field: "residual", type: "quantitative", title: "Observed − fitted", format: "+.4f" }]
        }
      }
    ] satisfies Array<Layer>).filter((layer) => layer.data.values.length > 0)
  }
}
