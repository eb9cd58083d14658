// Plots that compare experiments by their scaling laws: overlaid frontiers, loss against compute,
// the compute multiplier of each candidate over its baseline, and several experiments' IsoFLOP
// runs on one plot. Every plot colours an experiment the same way (experimentColors), so a reader
// who learnt that orange is the mixture-of-experts run in one plot can trust it in the next.
import { scientific } from "@scalelab/laws"
import type { TopLevelSpec } from "vega-lite"
import { logAxisTicks } from "./logTicks.ts"
import { formatSi } from "./numberFormat.ts"
import type { CurvePoint } from "./parabola.ts"
import {
  axisTitles,
  experimentPalette,
  inkColor,
  logComputeScaleAxis,
  logScaleAxis,
  panelSize,
  plotSize,
  positiveExtent,
  themeConfig,
  vegaLiteSchema
} from "./theme.ts"

/** One finished run of an experiment. */
export interface ComparedRun {
  readonly id?: string
  readonly params: number
  readonly tokens: number
  readonly flops: number
  readonly loss: number
  /** The IsoFLOP budget it belongs to. */
  readonly budget: number
}

/** The loss minimum of one budget's IsoFLOP curve. */
export interface ComparedMinimum {
  readonly compute: number
  readonly params: number
  readonly tokens: number
  readonly loss: number
  /** False when the minimum lies outside the sizes run; drawn hollow. True when absent. */
  readonly bracketed?: boolean
}

/** A fitted law's value at one compute, with its interval where the fit was bootstrapped. */
export interface LawSample {
  readonly compute: number
  readonly value: number
  readonly interval?: readonly [number, number]
}

/** A budget's fitted IsoFLOP curve, sampled (see isoflopFittedCurve). */
export interface ComparedIsoflopCurve {
  readonly budget: number
  readonly points: ReadonlyArray<CurvePoint>
}

/** Which experiment it is: every plot colours it by its place among the experiments compared. */
export interface ExperimentIdentity {
  readonly name: string
  /** The experiment the others are compared against; named "(baseline)". */
  readonly baseline: boolean
}

/** One experiment as the comparison plots draw it. */
export interface ComparedExperiment extends ExperimentIdentity {
  readonly runs: ReadonlyArray<ComparedRun>
  readonly minima: ReadonlyArray<ComparedMinimum>
  /** N*(C) and D*(C) sampled over the compute axis; the line is solid over the budgets swept and dashed beyond. */
  readonly frontier?: { readonly params: ReadonlyArray<LawSample>; readonly tokens: ReadonlyArray<LawSample> }
  /** The compute-optimal loss L*(C), sampled likewise. */
  readonly loss?: ReadonlyArray<LawSample>
  /** Fitted IsoFLOP curves, for the overlaid IsoFLOP plot; its runs alone are drawn without them. */
  readonly isoflopCurves?: ReadonlyArray<ComparedIsoflopCurve>
}

export interface ComparePlotInput {
  readonly title?: string
  readonly experiments: ReadonlyArray<ComparedExperiment>
  /** Central coverage of the intervals, for the notes (0.8 when absent). */
  readonly intervalLevel?: number
  /** Said under the title, e.g. why there are no bands. */
  readonly note?: string
}

/** The multiplier at one budget of the comparison. */
export interface MultiplierBudget {
  readonly compute: number
  readonly multiplier: number
  readonly interval?: readonly [number, number]
  /** True at a budget both experiments swept, false at one extrapolated to. */
  readonly swept: boolean
}

/** One candidate against its baseline. */
export interface MultiplierComparison {
  readonly candidate: string
  readonly baseline: string
  /** The multiplier sampled over compute, with its interval. */
  readonly samples: ReadonlyArray<LawSample>
  readonly budgets: ReadonlyArray<MultiplierBudget>
}

export interface MultiplierPlotInput {
  readonly title?: string
  /** Every experiment of the comparison, baseline included, so that candidates keep their colours. */
  readonly experiments: ReadonlyArray<ExperimentIdentity>
  readonly comparisons: ReadonlyArray<MultiplierComparison>
  readonly intervalLevel?: number
}

/** Names of the Vega marks, so tests and callers can find each layer in the rendered scene. */
export const compareMarkNames = {
  band: "compare_band",
  fitted: "compare_fitted",
  extrapolated: "compare_extrapolated",
  minima: "compare_minimum",
  runs: "compare_runs",
  boundary: "compare_swept_boundary",
  boundaryLabel: "compare_swept_boundary_label",
  unity: "compare_unity",
  multiplier: "compare_multiplier",
  budgets: "compare_budget",
  curves: "compare_isoflop_curve"
} as const

/** Legend entries of the marker legends. */
export const compareMarkerLabels = {
  minimum: "per-budget minimum",
  unbracketedMinimum: "minimum not bracketed",
  sweptBudget: "budget swept",
  forecastBudget: "budget extrapolated to"
} as const

/** Above this ratio of largest to smallest multiplier shown, the multiplier axis is logarithmic. */
export const multiplierLogRatio = 3

type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number]
type UnitLayer = Extract<Layer, { mark: unknown }>
type Encoding = NonNullable<UnitLayer["encoding"]>
type PositionDef = NonNullable<Encoding["x"]>
type ColorDef = NonNullable<Encoding["color"]>
type TooltipDef = Extract<NonNullable<Encoding["tooltip"]>, ReadonlyArray<unknown>>[number]
/** A layer with its rows inline, so that empty ones can be left out. */
type DataLayer = UnitLayer & { readonly data: { readonly values: ReadonlyArray<unknown> } }
type Row = Record<string, unknown>

/**
 * The channels every layer of one plot shares. The colour is a function of whether it draws the
 * legend: every `color` channel does (Vega-Lite merges them into one legend, and refuses layers
 * that disagree), while `fill` and `stroke`, which would each draw a second copy, do not.
 */
interface SharedEncoding {
  readonly x: PositionDef
  readonly y: PositionDef
  readonly color: (legend: boolean) => ColorDef
}

const experimentField = "experiment"
const levelPercent = (level: number | undefined) => Math.round((level ?? 0.8) * 100)

// Headless Vega sizes a title by an estimate of 0.8 em per character, which overstates real text
// by about a third: a subtitle line longer than this widens the whole image with blank space.
const subtitleLineLength = 64

/** `text` broken at spaces into lines of at most subtitleLineLength characters (a longer word stays whole). */
const wrapSubtitle = (text: string): Array<string> =>
  text.split(" ").reduce<Array<string>>((lines, word) => {
    const last = lines.at(-1)
    if (last !== undefined && last.length + 1 + word.length <= subtitleLineLength) return [...lines.slice(0, -1), `${last} ${word}`]
    return [...lines, word]
  }, [])

/** The name an experiment goes by in legends and tooltips. */
export const experimentLabel = (experiment: ExperimentIdentity): string =>
  experiment.baseline ? `${experiment.name} (baseline)` : experiment.name

/**
 * The colour of each experiment, keyed by its label: each takes the next colour of
 * experimentPalette in the order given, the baseline wherever it stands. Every comparison plot
 * colours through this, so one experiment has one colour throughout a report or the dashboard; a
 * comparison lists its baseline first, and the dashboard keeps its store's order, so that picking
 * another baseline there recolours nothing.
 */
export const experimentColors = (experiments: ReadonlyArray<ExperimentIdentity>): ReadonlyMap<string, string> =>
  new Map(experiments.map((experiment, index) => [experimentLabel(experiment), experimentPalette[index % experimentPalette.length] ?? inkColor]))

const colorEncoding = (colors: ReadonlyMap<string, string>, labels: ReadonlyArray<string>, title = "Experiment") =>
(legend: boolean): ColorDef => ({
  field: experimentField,
  type: "nominal",
  title,
  scale: { domain: [...labels], range: labels.map((label) => colors.get(label) ?? inkColor) },
  legend: legend ? { symbolType: "stroke", symbolStrokeWidth: 3, symbolOpacity: 1, orient: "bottom", direction: "vertical", labelLimit: 320 } : null
})

/** The experiment's colour, white where `hollowTest` holds: for markers that are filled or hollow. */
const fillEncoding = (color: SharedEncoding["color"], hollowTest: string): ColorDef => {
  const base = color(true)
  return "field" in base ? { ...base, condition: { test: hollowTest, value: "white" } } : base
}

/** Labels in colour order (the baseline first). */
const orderedLabels = (experiments: ReadonlyArray<ExperimentIdentity>) => [...experimentColors(experiments).keys()]

/** The sweep's compute range: from the smallest to the largest budget run, or minimum read. */
const sweptRange = (experiment: ComparedExperiment): readonly [number, number] | undefined => {
  const budgets = [...experiment.runs.map((run) => run.budget), ...experiment.minima.map((minimum) => minimum.compute)]
  return budgets.length === 0 ? undefined : positiveExtent(budgets)
}

/**
 * A law's samples split where the sweep ends: solid inside the swept range, dashed outside it.
 * Each dashed piece starts at the solid line's last sample so the line is unbroken, and carries
 * its own `piece` so Vega does not join the piece below the sweep to the one above it.
 */
const lawRows = (label: string, samples: ReadonlyArray<LawSample>, swept: readonly [number, number] | undefined) => {
  const sorted = [...samples].filter((s) => s.compute > 0 && Number.isFinite(s.value)).sort((a, b) => a.compute - b.compute)
  const row = (sample: LawSample, piece: string) => ({ [experimentField]: label, piece: `${label}/${piece}`, compute: sample.compute, value: sample.value })
  if (swept === undefined) return { fitted: [], extrapolated: sorted.map((s) => row(s, "all")) }
  // A little slack so that a sample computed at the largest budget counts as inside.
  const inside = (s: LawSample) => s.compute >= swept[0] * (1 - 1e-9) && s.compute <= swept[1] * (1 + 1e-9)
  const fitted = sorted.filter(inside)
  const below = sorted.filter((s) => s.compute < swept[0] * (1 - 1e-9))
  const above = sorted.filter((s) => s.compute > swept[1] * (1 + 1e-9))
  const first = fitted[0]
  const last = fitted.at(-1)
  return {
    fitted: fitted.map((s) => row(s, "fitted")),
    extrapolated: [
      ...(below.length > 0 ? [...below, ...(first === undefined ? [] : [first])].map((s) => row(s, "below")) : []),
      ...(above.length > 0 ? [...(last === undefined ? [] : [last]), ...above].map((s) => row(s, "above")) : [])
    ]
  }
}

const bandRows = (label: string, samples: ReadonlyArray<LawSample>) => {
  const banded = samples.filter((s) => s.interval !== undefined && s.compute > 0)
  // One interval is a point, not a band.
  return banded.length < 2
    ? []
    : banded.map((s) => ({ [experimentField]: label, compute: s.compute, low: s.interval?.[0], high: s.interval?.[1] }))
}

/** The layers of one fitted law per experiment: its band, the solid line over the sweep and the dashed extrapolation. */
const lawLayers = (
  laws: ReadonlyArray<DrawnLaw>,
  encoding: SharedEncoding,
  suffix: string
): Array<DataLayer> => {
  const split = laws.map((law) => lawRows(law.label, law.samples, law.swept))
  const tooltip: Array<TooltipDef> = [
    { field: experimentField, type: "nominal", title: "Experiment" },
    { field: "compute", type: "quantitative", title: "C (FLOPs)", format: ".3~e" },
    { field: "value", type: "quantitative", title: "Fitted", format: ".4~g" }
  ]
  return [
    {
      name: `${compareMarkNames.band}${suffix}`,
      data: { values: laws.flatMap((law) => bandRows(law.label, law.samples)) },
      mark: { type: "area", opacity: 0.16, clip: true },
      encoding: { x: encoding.x, y: { ...encoding.y, field: "low" }, y2: { field: "high" }, color: encoding.color(true) }
    },
    {
      name: `${compareMarkNames.fitted}${suffix}`,
      data: { values: split.flatMap((rows) => rows.fitted) },
      mark: { type: "line", strokeWidth: 2.5, clip: true },
      encoding: { x: encoding.x, y: encoding.y, color: encoding.color(true), detail: { field: "piece" }, tooltip }
    },
    {
      name: `${compareMarkNames.extrapolated}${suffix}`,
      data: { values: split.flatMap((rows) => rows.extrapolated) },
      mark: { type: "line", strokeWidth: 2, strokeDash: [6, 4], clip: true },
      encoding: { x: encoding.x, y: encoding.y, color: encoding.color(true), detail: { field: "piece" }, tooltip }
    }
  ]
}

/**
 * Where every experiment's sweep has ended: a faint vertical rule and the word "forecast" beside
 * it, so the eye tells measured from extrapolated without reading the line styles. Nothing when
 * no law reaches past it.
 */
const boundaryLayers = (boundary: number | undefined, lawEnd: number, x: PositionDef, suffix: string): Array<DataLayer> =>
  boundary === undefined || !(lawEnd > boundary * 1.01)
    ? []
    : ([
      {
        name: `${compareMarkNames.boundary}${suffix}`,
        data: { values: [{ compute: boundary }] },
        mark: { type: "rule", color: "#888888", strokeDash: [2, 3], strokeWidth: 1.2 },
        encoding: { x }
      },
      {
        name: `${compareMarkNames.boundaryLabel}${suffix}`,
        data: { values: [{ compute: boundary, text: "forecast →" }] },
        mark: { type: "text", align: "left", baseline: "top", dx: 5, y: 6, color: "#666666", fontSize: 11 },
        encoding: { x, text: { field: "text" } }
      }
    ])

const minimumMarker = (minimum: ComparedMinimum) =>
  minimum.bracketed === false ? compareMarkerLabels.unbracketedMinimum : compareMarkerLabels.minimum

const markerShape = (kinds: ReadonlyArray<{ label: string; shape: string; hollow: boolean }>): NonNullable<Encoding["shape"]> => ({
  field: "marker",
  type: "nominal",
  title: null,
  scale: { domain: kinds.map((kind) => kind.label), range: kinds.map((kind) => kind.shape) },
  legend: {
    orient: "bottom",
    direction: "horizontal",
    labelLimit: 320,
    // Filled and hollow markers in one legend, in ink: the experiment's colour is in the other legend.
    encoding: {
      symbols: {
        fill: kinds.some((kind) => kind.hollow)
          ? { condition: { test: `indexof(${JSON.stringify(kinds.filter((kind) => kind.hollow).map((kind) => kind.label))}, datum.value) >= 0`, value: "white" }, value: inkColor }
          : { value: inkColor },
        stroke: { value: inkColor },
        strokeWidth: { value: 1.5 },
        fillOpacity: { value: 1 },
        size: { value: 80 }
      }
    }
  }
})

/** The minima as points in their experiment's colour, hollow where not bracketed. */
const minimumLayer = (
  rows: ReadonlyArray<Row>,
  encoding: SharedEncoding,
  suffix: string,
  tooltip: Array<TooltipDef>
): DataLayer => {
  const kinds = [
    ...(rows.some((row) => row.marker === compareMarkerLabels.minimum) ? [{ label: compareMarkerLabels.minimum, shape: "circle", hollow: false }] : []),
    ...(rows.some((row) => row.marker === compareMarkerLabels.unbracketedMinimum)
      ? [{ label: compareMarkerLabels.unbracketedMinimum, shape: "circle", hollow: true }]
      : [])
  ]
  return {
    name: `${compareMarkNames.minima}${suffix}`,
    data: { values: [...rows] },
    mark: { type: "point", size: 70, strokeWidth: 1.8, opacity: 1, filled: false },
    encoding: {
      x: encoding.x,
      y: encoding.y,
      shape: markerShape(kinds),
      stroke: encoding.color(true),
      fill: fillEncoding(encoding.color, `datum.marker === '${compareMarkerLabels.unbracketedMinimum}'`),
      tooltip
    }
  }
}

const nonEmpty = (layers: ReadonlyArray<DataLayer>): Array<DataLayer> =>
  // A layer without rows would leave Vega with an empty extent to warn about.
  layers.filter((layer) => layer.data.values.length > 0)

type DrawnLaw = { readonly label: string; readonly samples: ReadonlyArray<LawSample>; readonly swept: readonly [number, number] | undefined }

/** The lines under a title that say how the laws are drawn (nothing of them where no experiment has one), then the caller's note. */
const lawNotes = (input: ComparePlotInput, laws: ReadonlyArray<DrawnLaw>): Array<string> => {
  const drawn = laws.some((law) => law.samples.length > 0)
  const banded = laws.some((law) => bandRows(law.label, law.samples).length > 0)
  const extrapolated = laws.some((law) => lawRows(law.label, law.samples, law.swept).extrapolated.length > 0)
  return [
    ...(drawn ? [`Solid: over the budgets swept${extrapolated ? "; dashed: extrapolated" : ""}`] : []),
    ...(banded ? [`Shaded: ${levelPercent(input.intervalLevel)}% bootstrap interval`] : []),
    ...(input.note === undefined ? [] : wrapSubtitle(input.note))
  ]
}

const largestSwept = (experiments: ReadonlyArray<ComparedExperiment>): number | undefined => {
  const ends = experiments.flatMap((experiment) => {
    const range = sweptRange(experiment)
    return range === undefined ? [] : [range[1]]
  })
  return ends.length === 0 ? undefined : Math.max(...ends)
}

/**
 * The compute-optimal frontiers of several experiments overlaid (Hoffmann et al. 2022, fig. 3
 * right, one colour per experiment): N*(C) and D*(C) side by side on log-log axes, each
 * experiment's per-budget minima as points and its fitted law as a line with its band, solid over
 * its sweep and dashed beyond, and a rule where the sweeps end.
 */
export const compareFrontierPlotSpec = (input: ComparePlotInput): TopLevelSpec => {
  const colors = experimentColors(input.experiments)
  const labels = orderedLabels(input.experiments)
  const boundary = largestSwept(input.experiments)
  const samplesOf = (experiment: ComparedExperiment, quantity: "params" | "tokens") => experiment.frontier?.[quantity] ?? []
  const allSamples = input.experiments.flatMap((e) => [...samplesOf(e, "params"), ...samplesOf(e, "tokens")])
  const computeDomain = positiveExtent([
    ...input.experiments.flatMap((e) => e.minima.map((m) => m.compute)),
    ...allSamples.map((s) => s.compute)
  ])
  const x = { field: "compute", type: "quantitative", title: axisTitles.compute, ...logComputeScaleAxis(computeDomain) } as const
  const color = colorEncoding(colors, labels)
  const lawsOf = (quantity: "params" | "tokens"): Array<DrawnLaw> =>
    input.experiments.map((e) => ({ label: experimentLabel(e), samples: samplesOf(e, quantity), swept: sweptRange(e) }))

  const panel = (quantity: "params" | "tokens") => {
    const laws = lawsOf(quantity)
    const minimumRows = input.experiments.flatMap((e) =>
      e.minima.map((m) => ({
        [experimentField]: experimentLabel(e),
        marker: minimumMarker(m),
        budget_label: scientific(m.compute, 2),
        compute: m.compute,
        value: m[quantity],
        value_text: formatSi(m[quantity])
      }))
    )
    const valueDomain = positiveExtent([
      ...laws.flatMap((law) => law.samples.flatMap((s) => [s.value, ...(s.interval ?? [])])),
      ...minimumRows.map((row) => row.value)
    ])
    const title = quantity === "params" ? axisTitles.optimalParams : axisTitles.optimalTokens
    const y = { field: "value", type: "quantitative", title, ...logScaleAxis(valueDomain) } as const
    const suffix = `_${quantity}`
    const layers = nonEmpty([
      ...boundaryLayers(boundary, computeDomain[1], x, suffix),
      ...lawLayers(laws, { x, y, color }, suffix),
      minimumLayer(minimumRows, { x, y, color }, suffix, [
        { field: experimentField, type: "nominal", title: "Experiment" },
        { field: "budget_label", type: "nominal", title: "Budget C (FLOPs)" },
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

/**
 * Loss against compute for several experiments: each one's runs (faint, so that the spread of an
 * IsoFLOP budget reads as a column of dots), its per-budget minima and its fitted compute-optimal
 * loss L*(C) with its band. The lower an experiment's line, the less compute it needs for a loss.
 */
export const compareLossPlotSpec = (input: ComparePlotInput): TopLevelSpec => {
  const colors = experimentColors(input.experiments)
  const labels = orderedLabels(input.experiments)
  const boundary = largestSwept(input.experiments)
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
  const minimumRows = input.experiments.flatMap((e) =>
    e.minima.map((m) => ({
      [experimentField]: experimentLabel(e),
      marker: minimumMarker(m),
      budget_label: scientific(m.compute, 2),
      compute: m.compute,
      value: m.loss,
      params_text: formatSi(m.params)
    }))
  )
  const computeDomain = positiveExtent([...runRows, ...minimumRows].map((row) => row.compute).concat(laws.flatMap((law) => law.samples.map((s) => s.compute))))
  const x = { field: "compute", type: "quantitative", title: axisTitles.compute, ...logComputeScaleAxis(computeDomain) } as const
  const y = { field: "value", type: "quantitative", title: axisTitles.loss, scale: { zero: false, nice: true, padding: 10 }, axis: { tickCount: 8 } } as const
  const color = colorEncoding(colors, labels)
  const layers = nonEmpty([
    ...boundaryLayers(boundary, computeDomain[1], x, ""),
    {
      name: compareMarkNames.runs,
      data: { values: runRows },
      mark: { type: "point", filled: true, size: 22, opacity: 0.3, clip: true },
      encoding: {
        x,
        y,
        color: color(true),
        tooltip: [
          { field: experimentField, type: "nominal", title: "Experiment" },
          { field: "id", type: "nominal", title: "Run" },
          { field: "params_text", type: "nominal", title: "N (parameters)" },
          { field: "tokens_text", type: "nominal", title: "D (tokens)" },
          { field: "value", type: "quantitative", title: "Loss (nats/token)", format: ".4f" }
        ]
      }
    },
    ...lawLayers(laws, { x, y, color }, ""),
    minimumLayer(minimumRows, { x, y, color }, "", [
      { field: experimentField, type: "nominal", title: "Experiment" },
      { field: "budget_label", type: "nominal", title: "Budget C (FLOPs)" },
      { field: "params_text", type: "nominal", title: "N at minimum" },
      { field: "value", type: "quantitative", title: "Loss at minimum", format: ".4f" }
    ])
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
  const x = { field: "compute", type: "quantitative", title: axisTitles.compute, ...logComputeScaleAxis(computeDomain) } as const
  const y: PositionDef = {
    field: "value",
    type: "quantitative",
    title: "Compute multiplier (×)",
    scale: log ? { type: "log", domain: [...valueDomain], nice: false, padding: 10 } : { zero: false, nice: true, padding: 10 },
    axis: multiplierAxis(valueDomain, log)
  }
  const color = colorEncoding(colors, candidates, "Candidate")
  const kinds = [
    ...(budgetRows.some((row) => row.marker === compareMarkerLabels.sweptBudget) ? [{ label: compareMarkerLabels.sweptBudget, shape: "circle", hollow: false }] : []),
    ...(budgetRows.some((row) => row.marker === compareMarkerLabels.forecastBudget)
      ? [{ label: compareMarkerLabels.forecastBudget, shape: "diamond", hollow: true }]
      : [])
  ]
  const sweptEnds = laws.flatMap((law) => law.swept === undefined ? [] : [law.swept[1]])
  const banded = laws.some((law) => bandRows(law.label, law.samples).length > 0)
  const layers = nonEmpty([
    ...boundaryLayers(sweptEnds.length === 0 ? undefined : Math.max(...sweptEnds), computeDomain[1], x, ""),
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
          { field: experimentField, type: "nominal", title: "Candidate" },
          { field: "budget_label", type: "nominal", title: "Budget C (FLOPs)" },
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
          ...(banded ? [`shaded: ${levelPercent(input.intervalLevel)}% joint bootstrap`] : [])
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

const budgetShapes = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "triangle-right", "triangle-left"] as const

/**
 * Several experiments' IsoFLOP runs on one plot, for the dashboard: loss against model size, one
 * colour per experiment and one marker shape per budget, each experiment's fitted curves where it
 * has them and its minima as larger markers outlined in ink. Each budget's curves of the
 * experiments then sit side by side, and the lower one reaches a lower loss for that compute.
 */
export const overlayIsoflopPlotSpec = (input: ComparePlotInput): TopLevelSpec => {
  const colors = experimentColors(input.experiments)
  const labels = orderedLabels(input.experiments)
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
  const y = { field: "loss", type: "quantitative", title: axisTitles.finalLoss, scale: { zero: false, nice: true, padding: 10 }, axis: { tickCount: 8 } } as const
  const color = colorEncoding(colors, labels)
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
        tooltip: [
          { field: experimentField, type: "nominal", title: "Experiment" },
          { field: "id", type: "nominal", title: "Run" },
          { field: "budget_label", type: "nominal", title: "Budget (FLOPs)" },
          { field: "params_text", type: "nominal", title: "N (parameters)" },
          { field: "tokens_text", type: "nominal", title: "D (tokens)" },
          { field: "loss", type: "quantitative", title: "Loss (nats/token)", format: ".4f" }
        ]
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
        tooltip: [
          { field: experimentField, type: "nominal", title: "Experiment" },
          { field: "budget_label", type: "nominal", title: "Budget (FLOPs)" },
          { field: "params_text", type: "nominal", title: "N at minimum" },
          { field: "loss", type: "quantitative", title: "Loss at minimum", format: ".4f" }
        ]
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
