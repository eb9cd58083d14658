import type { TopLevelSpec } from "vega-lite"
import { budgetColor, budgetField, budgetLabel, panelSize, plotTitle, themeConfig, vegaLiteSchema } from "./theme.ts"

/** One trained run of a mixture sweep: its weights and its loss on each domain (domain order), and its target loss. */
export interface MixtureRunMark {
  readonly id: string
  readonly budget: number
  readonly weights: ReadonlyArray<number>
  readonly losses: ReadonlyArray<number>
  readonly target: number
}

/** A point of a fitted slice: as domain `domain`'s weight varies, what the law predicts. */
export interface MixtureSlicePoint {
  readonly budget: number
  readonly domain: number
  readonly weight: number
  /** The domain's own predicted loss there. */
  readonly loss: number
  /** The target's predicted value there. */
  readonly target: number
}

/** A budget's predicted best mixture, with its intervals where the bootstrap gave them. */
export interface MixtureOptimumMark {
  readonly budget: number
  readonly weights: ReadonlyArray<number>
  readonly weightIntervals?: ReadonlyArray<readonly [number, number]>
  readonly target: number
  readonly targetInterval?: readonly [number, number]
}

export interface MixturePlotInput {
  readonly domains: ReadonlyArray<string>
  readonly runs: ReadonlyArray<MixtureRunMark>
  readonly slices: ReadonlyArray<MixtureSlicePoint>
  readonly optima: ReadonlyArray<MixtureOptimumMark>
  /** The run trained at the predicted best mixture, if any. */
  readonly validation?: MixtureRunMark
}

/** Names of the Vega marks, so tests and callers can find each layer in the rendered scene. */
export const mixtureMarkNames = {
  runs: "mixture_runs",
  curves: "mixture_curves",
  optimum: "mixture_optimum",
  weightInterval: "mixture_weight_interval",
  targetInterval: "mixture_target_interval",
  validation: "mixture_validation"
} as const

type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number]


interface Row {
  readonly kind: "run" | "curve" | "optimum" | "validation"
  readonly domain: string
  readonly weight: number
  readonly y: number
  readonly budget_label: string
  readonly id?: string
  readonly low_weight?: number
  readonly high_weight?: number
  readonly low_y?: number
  readonly high_y?: number
}

const rowsOf = (input: MixturePlotInput, quantity: "loss" | "target"): Array<Row> => {
  const runRows = (run: MixtureRunMark, kind: "run" | "validation") =>
    input.domains.map((domain, j): Row => ({
      kind,
      domain,
      id: run.id,
      weight: run.weights[j] ?? 0,
      y: quantity === "loss" ? (run.losses[j] ?? Number.NaN) : run.target,
      [budgetField]: budgetLabel(run.budget)
    }))
  return [
    ...input.runs.flatMap((run) => runRows(run, "run")),
    ...input.slices.map((point): Row => ({
      kind: "curve",
      domain: input.domains[point.domain] ?? "",
      weight: point.weight,
      y: quantity === "loss" ? point.loss : point.target,
      [budgetField]: budgetLabel(point.budget)
    })),
    // The optimum is a point of the target, not of any one domain's loss.
    ...(quantity === "target"
      ? input.optima.flatMap((optimum) =>
        input.domains.map((domain, j): Row => ({
          kind: "optimum",
          domain,
          weight: optimum.weights[j] ?? 0,
          y: optimum.target,
          [budgetField]: budgetLabel(optimum.budget),
          ...(optimum.weightIntervals === undefined ? {} : { low_weight: optimum.weightIntervals[j]?.[0] ?? 0, high_weight: optimum.weightIntervals[j]?.[1] ?? 0 }),
          ...(optimum.targetInterval === undefined ? {} : { low_y: optimum.targetInterval[0], high_y: optimum.targetInterval[1] })
        }))
      )
      : []),
    ...(input.validation === undefined ? [] : runRows(input.validation, "validation"))
  ]
}

/**
 * The loss axis's top: a domain left out of a run's mixture can cost several nats (bytes it never
 * saw), which would flatten everything else; points above this are drawn on the top edge as
 * triangles, their values in the tooltip.
 */
export const mixtureAxisTop = (rows: ReadonlyArray<{ readonly kind: string; readonly y: number; readonly high_y?: number }>): number => {
  const ys = rows.filter((row) => row.kind !== "curve").map((row) => row.y).filter(Number.isFinite).sort((a, b) => a - b)
  const median = ys[Math.floor(ys.length / 2)] ?? 1
  const kept = rows.flatMap((row) => [row.y, row.high_y ?? Number.NEGATIVE_INFINITY]).filter((y) => Number.isFinite(y) && y <= 1.6 * median)
  return 1.05 * Math.max(...kept, median)
}

const panelSpec = (input: MixturePlotInput, quantity: "loss" | "target", yTitle: string, title: string, subtitle: string): TopLevelSpec => {
  const color = budgetColor(input.runs.map((run) => run.budget), "Budget (FLOPs)")
  const weightDomain: [number, number] = [0, 1]
  const x = { field: "weight", type: "quantitative" as const, title: "Weight of the panel's domain", scale: { domain: weightDomain } }
  const rows = rowsOf(input, quantity)
  const top = mixtureAxisTop(rows)
  const shown = rows.map((row) => ({ ...row, y_shown: Math.min(row.y, top), off_scale: row.y > top }))
  const yDomain: [number, number] = [Math.min(...rows.map((row) => row.y).filter(Number.isFinite)) * 0.97, top]
  const y = { field: "y_shown", type: "quantitative" as const, title: yTitle, scale: { domain: yDomain, nice: false } }
  const only = (kind: Row["kind"]) => [{ filter: `datum.kind === '${kind}'` }]
  const tooltip = [
    { field: "id", type: "nominal", title: "Run" },
    { field: budgetField, type: "nominal", title: "Budget (FLOPs)" },
    { field: "weight", type: "quantitative", title: "Weight", format: ".3f" },
    { field: "y", type: "quantitative", title: yTitle, format: ".4f" }
  ] as const
  const shape = { condition: { test: "datum.off_scale", value: "triangle-up" }, value: "circle" } as const
  const layers: Array<Layer> = [
    { name: mixtureMarkNames.curves, transform: only("curve"), mark: { type: "line", strokeWidth: 2, opacity: 0.8, clip: true }, encoding: { x, y, color, order: { field: "weight", type: "quantitative" } } },
    { name: mixtureMarkNames.runs, transform: only("run"), mark: { type: "point", filled: true, size: 55, stroke: "white", strokeWidth: 0.8 }, encoding: { x, y, color, shape, tooltip: [...tooltip] } }
  ]
  if (quantity === "target") {
    layers.push(
      { name: mixtureMarkNames.weightInterval, transform: [...only("optimum"), { filter: "isValid(datum.low_weight)" }], mark: { type: "rule", strokeWidth: 2 }, encoding: { x: { ...x, field: "low_weight" }, x2: { field: "high_weight" }, y, color } },
      { name: mixtureMarkNames.targetInterval, transform: [...only("optimum"), { filter: "isValid(datum.low_y)" }], mark: { type: "rule", strokeWidth: 2 }, encoding: { x, y: { ...y, field: "low_y" }, y2: { field: "high_y" }, color } },
      { name: mixtureMarkNames.optimum, transform: only("optimum"), mark: { type: "point", shape: "cross", filled: true, size: 160 }, encoding: { x, y, color } }
    )
  }
  layers.push({ name: mixtureMarkNames.validation, transform: only("validation"), mark: { type: "point", shape: "diamond", filled: false, size: 180, strokeWidth: 2, color: "#d62728" }, encoding: { x, y, tooltip: [...tooltip] } })
  return {
    $schema: vegaLiteSchema,
    title: plotTitle(title, subtitle),
    config: themeConfig,
    data: { values: shown },
    facet: { column: { field: "domain", type: "nominal", title: null, sort: [...input.domains] } },
    spec: { width: Math.round(panelSize.width * 0.75), height: panelSize.height, layer: layers }
  } as TopLevelSpec
}

/**
 * Each domain's validation loss against that domain's weight in the mixture, one panel per domain:
 * the runs as points, and the fitted law as a curve through the predicted best mixture (the
 * domain's weight varies, the other domains keep their shares of the rest as at the optimum).
 */
export const mixtureDomainPlotSpec = (input: MixturePlotInput): TopLevelSpec =>
  panelSpec(input, "loss", "Domain's validation loss (nats/token)", "Domain losses against mixture weights",
    "Points: runs (triangles: above the axis, value in the tooltip). Curves: the fitted law through the predicted best mixture")

/**
 * The target (weighted domain losses) against each domain's weight: runs, the fitted target through
 * the predicted best mixture, the optimum (cross) with its 80% intervals on weight and target loss,
 * and the run trained at the predicted mixture (red diamond) when there is one.
 */
export const mixtureTargetPlotSpec = (input: MixturePlotInput): TopLevelSpec =>
  panelSpec(input, "target", "Target loss (nats/token)", "Target loss against mixture weights",
    "Cross: predicted best mixture with 80% intervals. Red diamond: the run trained at it. Triangles: runs above the axis")
