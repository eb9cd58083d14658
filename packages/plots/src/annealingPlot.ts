// Annealing probes (Llama 3 §3.1.3): what each candidate dataset, mixed into an anneal, changes
// against the control anneal, domain by domain; and the losses themselves, before and after.
import { scientific } from "@scalelab/laws"
import type { TopLevelSpec } from "vega-lite"
import { categoricalPalette, inkColor, panelSize, plotTitle, themeConfig, vegaLiteSchema } from "./theme.ts"

/** A candidate's change against the control on one column (a domain, or the target): mean and interval over seeds. */
export interface AnnealingChangeMark {
  readonly budget: number
  readonly candidate: string
  readonly column: string
  readonly mean: number
  readonly interval?: readonly [number, number]
  readonly seeds: number
}

/** One run's loss on one column: the checkpoint, the control anneal, or a candidate's anneal. */
export interface AnnealingLossMark {
  readonly budget: number
  /** `checkpoint`, `control`, or the candidate's name. */
  readonly role: string
  readonly column: string
  readonly loss: number
  readonly seed: number
  readonly id: string
}

export interface AnnealingPlotInput {
  /** The domains, then `target`: the columns every mark belongs to. */
  readonly columns: ReadonlyArray<string>
  readonly candidates: ReadonlyArray<string>
  readonly changes: ReadonlyArray<AnnealingChangeMark>
  readonly losses: ReadonlyArray<AnnealingLossMark>
}

/** Names of the Vega marks, so tests and callers can find each layer in the rendered scene. */
export const annealingMarkNames = {
  change: "annealing_change",
  interval: "annealing_change_interval",
  zero: "annealing_zero",
  loss: "annealing_loss",
  seedLine: "annealing_seed_line",
  lossMean: "annealing_loss_mean"
} as const

type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number]

const budgetLabel = (budget: number) => `C = ${scientific(budget, 2)}`

const candidateColor = (candidates: ReadonlyArray<string>) => ({
  field: "candidate",
  type: "nominal",
  title: "Candidate",
  scale: { domain: [...candidates], range: categoricalPalette.slice(0, candidates.length) }
}) as const

/** Facets by column (and by budget when there are several), each panel with its own y scale. */
const facetOf = (columns: ReadonlyArray<string>, budgets: ReadonlyArray<string>) => ({
  column: { field: "column", type: "nominal", title: null, sort: [...columns], header: { labelFontSize: 13 } },
  ...(budgets.length > 1 ? { row: { field: "budget_label", type: "ordinal", title: null, sort: [...budgets] } } : {})
}) as const

const budgetsOf = (budgets: ReadonlyArray<number>) => [...new Set([...budgets].sort((a, b) => a - b))].map(budgetLabel)

/**
 * Each candidate's loss change against the control anneal (candidate − control, nats/token), per
 * domain and for the target: the mean over seeds with its 80% t interval, and the zero line. Below
 * zero the candidate helped.
 */
export const annealingChangePlotSpec = (input: AnnealingPlotInput): TopLevelSpec => {
  const budgets = budgetsOf(input.changes.map((mark) => mark.budget))
  const values = input.changes.map((mark) => ({
    candidate: mark.candidate,
    column: mark.column,
    budget_label: budgetLabel(mark.budget),
    mean: mark.mean,
    seeds: mark.seeds,
    // Without an interval (one seed) the rule has no length: every panel keeps data for its scale.
    low: mark.interval?.[0] ?? mark.mean,
    high: mark.interval?.[1] ?? mark.mean,
    interval_text: mark.interval === undefined
      ? "none (one seed)"
      : `[${mark.interval[0].toFixed(4)}, ${mark.interval[1].toFixed(4)}]`
  }))
  const x = { field: "candidate", type: "nominal", title: null, sort: [...input.candidates], axis: { labelAngle: 0 } } as const
  // Short enough to fit beside a panel: a longer title would stretch the facet's rows.
  const y = { field: "mean", type: "quantitative", title: "Change vs control (nats/token)", scale: { zero: true } } as const
  const color = candidateColor(input.candidates)
  const tooltip = [
    { field: "candidate", type: "nominal", title: "Candidate" },
    { field: "column", type: "nominal", title: "Measured on" },
    { field: "mean", type: "quantitative", title: "Change (mean)", format: "+.4f" },
    { field: "interval_text", type: "nominal", title: "80% interval" },
    { field: "seeds", type: "quantitative", title: "Seeds" }
  ] as const
  const layers: Array<Layer> = [
    { name: annealingMarkNames.zero, mark: { type: "rule", color: inkColor, strokeDash: [4, 3] }, encoding: { y: { datum: 0, type: "quantitative" } } },
    {
      name: annealingMarkNames.interval,
      mark: { type: "rule", strokeWidth: 2.5 },
      encoding: { x, y: { ...y, field: "low" }, y2: { field: "high" }, color }
    },
    {
      name: annealingMarkNames.change,
      mark: { type: "point", filled: true, size: 110, stroke: "white", strokeWidth: 1 },
      encoding: { x, y, color, tooltip: [...tooltip] }
    }
  ]
  return {
    $schema: vegaLiteSchema,
    title: plotTitle("What each candidate changes, against the control anneal",
      "Loss after annealing with the candidate minus after the control anneal; mean over seeds with 80% t intervals. Below 0: it helped"),
    config: themeConfig,
    data: { values },
    facet: facetOf(input.columns, budgets),
    spec: { width: Math.max(140, 70 * input.candidates.length), height: panelSize.height, layer: layers },
    resolve: { scale: { y: "independent" } }
  } as TopLevelSpec
}

/**
 * Each run's loss per domain and on the target: the checkpoint, the control anneal and each
 * candidate's anneal, one point per seed and a bar at their mean.
 */
export const annealingLossPlotSpec = (input: AnnealingPlotInput): TopLevelSpec => {
  const roles = ["checkpoint", "control", ...input.candidates]
  const budgets = budgetsOf(input.losses.map((mark) => mark.budget))
  const values = input.losses.map((mark) => ({
    role: mark.role,
    column: mark.column,
    budget_label: budgetLabel(mark.budget),
    loss: mark.loss,
    seed: mark.seed,
    id: mark.id,
    role_order: roles.indexOf(mark.role)
  }))
  const x = { field: "role", type: "nominal", title: null, sort: roles, axis: { labelAngle: -30 } } as const
  const y = { field: "loss", type: "quantitative", title: "Validation loss (nats/token)", scale: { zero: false } } as const
  const color = {
    field: "role",
    type: "nominal",
    title: "Run",
    scale: { domain: roles, range: ["#9a9a9a", inkColor, ...categoricalPalette.slice(0, input.candidates.length)] }
  } as const
  const layers: Array<Layer> = [
    {
      // The runs of one seed share their checkpoint: a line through them shows the pairing the changes use.
      name: annealingMarkNames.seedLine,
      mark: { type: "line", color: "#b5b5b5", strokeWidth: 1 },
      encoding: { x, y, detail: { field: "seed", type: "nominal" }, order: { field: "role_order", type: "quantitative" } }
    },
    {
      name: annealingMarkNames.lossMean,
      mark: { type: "tick", thickness: 2.5, size: 26 },
      encoding: { x, y: { ...y, aggregate: "mean" }, color }
    },
    {
      name: annealingMarkNames.loss,
      mark: { type: "point", filled: true, size: 45, opacity: 0.75 },
      encoding: {
        x,
        y,
        color,
        tooltip: [
          { field: "id", type: "nominal", title: "Run" },
          { field: "role", type: "nominal", title: "Run kind" },
          { field: "seed", type: "quantitative", title: "Seed" },
          { field: "loss", type: "quantitative", title: "Loss", format: ".4f" }
        ]
      }
    }
  ]
  return {
    $schema: vegaLiteSchema,
    title: plotTitle("Losses before and after annealing",
      "Points: runs; grey lines join the runs of one checkpoint (seed); bars: their mean. Each panel has its own scale"),
    config: themeConfig,
    data: { values },
    facet: facetOf(input.columns, budgets),
    spec: { width: Math.max(150, 42 * roles.length), height: panelSize.height, layer: layers },
    resolve: { scale: { y: "independent" } }
  } as TopLevelSpec
}
