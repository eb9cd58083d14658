// What the comparison plots draw of each experiment, and how they name and colour it. Every plot
// colours an experiment the same way (experimentColors), so a reader who learnt that orange is the
// mixture-of-experts run in one plot can trust it in the next.
import type { CurvePoint } from "../parabola.ts"
import { experimentPalette, inkColor } from "../theme.ts"

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

export const experimentField = "experiment"

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
