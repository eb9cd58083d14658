// What a comparison of experiments is asked, and what it answers: the request, the floor choice,
// and the result every output of a comparison (text, JSON, plots, the dashboard) reads.
import type {
  BootstrapHealth,
  Interval,
  IsoflopBudgetFit,
  LawFormParameters,
  MultiplierEstimate,
  MultiplierTrend
} from "@scalelab/laws"
import type { ResultPoint } from "../resultsInput.ts"

export interface CompareRequest {
  /** Specs (their stores' finished runs) or results tables, as given on the command line. */
  readonly inputs: ReadonlyArray<string>
  /** The name of the experiment the others are measured against; the first input's when undefined. */
  readonly baseline: string | undefined
  /** Bootstrap resamples of every fit, 0 for no intervals. */
  readonly resamples: number
  readonly seed: number
  /** Budgets to forecast at; empty: the baseline spec's forecast budgets, else 10× and 100× the largest budget swept. */
  readonly computes: ReadonlyArray<number>
  /** One irreducible loss for every experiment's law, or one each; undefined: shared unless specs say their data differ. */
  readonly floor: FloorMode | undefined
}

export const FLOOR_MODES = ["shared", "separate"] as const
export type FloorMode = (typeof FLOOR_MODES)[number]

/** Whether the experiments' loss laws share one irreducible loss, and why. */
export interface FloorChoice {
  readonly mode: FloorMode
  /** What was asked for (`--floor`); undefined when the mode was decided from the inputs. */
  readonly requested: FloorMode | undefined
  readonly reason: string
  /** The shared irreducible loss E, when shared. */
  readonly value: number | undefined
}

/** A quantity at a budget, with its interval when a bootstrap gave one. */
export interface Estimate {
  readonly value: number
  readonly interval: Interval | undefined
}

/** An experiment's compute-optimal allocation and loss at one budget. */
export interface ExperimentAtBudget {
  readonly compute: number
  /** N*(C) and D*(C) from the IsoFLOP power laws. */
  readonly params: Estimate
  readonly tokens: Estimate
  /** L*(C) from the loss forecaster (the parametric law), as `forecast` gives it. */
  readonly loss: Estimate
}

/** One budget's IsoFLOP minimum, as the frontier plot marks it. */
export interface IsoflopMinimumPoint {
  readonly budget: number
  readonly params: number
  readonly tokens: number
  readonly loss: number
}

export interface ComparedExperiment {
  readonly name: string
  readonly input: string
  readonly runs: number
  /** The runs compared, for the plots. */
  readonly points: ReadonlyArray<ResultPoint>
  /** The budgets its runs were swept at. */
  readonly budgets: ReadonlyArray<number>
  /** N*(C) = k·C^a and D*(C) = k·C^b, with the exponents' intervals. */
  readonly params_opt: { readonly k: number; readonly a: number; readonly a_interval: Interval | undefined }
  readonly tokens_opt: { readonly k: number; readonly b: number; readonly b_interval: Interval | undefined }
  readonly isoflopHealth: BootstrapHealth | undefined
  /** Each budget's IsoFLOP minimum, where its curve has one. */
  readonly minima: ReadonlyArray<IsoflopMinimumPoint>
  /** Each budget's fitted IsoFLOP curve, for the plots. */
  readonly isoflopBudgets: ReadonlyArray<IsoflopBudgetFit>
  /** The loss law L*(C) is read from. */
  readonly lossLaw: { readonly form: string; readonly parameters: LawFormParameters; readonly floor: number }
  readonly lossHealth: BootstrapHealth | undefined
  /** Whether L*(C)'s intervals are widened by a measured extrapolation error. */
  readonly lossCalibrated: boolean
  /** N*, D* and L* at every budget of the comparison, swept and forecast. */
  readonly atBudgets: ReadonlyArray<ExperimentAtBudget>
  /** L*(C) sampled over the comparison's compute span, for a plot. */
  readonly lossCurve: ReadonlyArray<{ readonly compute: number; readonly loss: Estimate }>
  /** What the experiment's intervals lack, and why. */
  readonly notes: ReadonlyArray<string>
}

export interface BudgetMultiplier extends MultiplierEstimate {
  /** A budget some experiment swept (true), or one forecast beyond them (false). */
  readonly swept: boolean
}

export interface ExperimentComparison {
  readonly baseline: string
  readonly candidate: string
  /** The multiplier at every budget swept and forecast. */
  readonly budgets: ReadonlyArray<BudgetMultiplier>
  /** The multiplier at the largest forecast budget: the comparison's headline. */
  readonly atLargest: MultiplierEstimate
  readonly trend: MultiplierTrend
  /** The multiplier sampled over the compute span, with its band, for a plot. */
  readonly curve: ReadonlyArray<MultiplierEstimate>
}

export interface CompareResult {
  readonly baseline: string
  /** Whether the loss laws were fitted jointly with one irreducible loss, or each alone. */
  readonly floor: FloorChoice
  /** Central coverage of every interval. */
  readonly level: number
  readonly resamples: number
  /** Every budget any experiment swept, ascending. */
  readonly sweptBudgets: ReadonlyArray<number>
  readonly forecastBudgets: ReadonlyArray<number>
  /** The baseline first, then the candidates in the order given. */
  readonly experiments: ReadonlyArray<ComparedExperiment>
  readonly comparisons: ReadonlyArray<ExperimentComparison>
}
