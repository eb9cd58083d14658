import type { IsoflopFit, ParametricCoefficients } from "@scalelab/laws"
import type { ResultRow } from "@scalelab/runner"
import {
  backtestTargets,
  compare,
  type Comparison,
  type Coverage,
  coverageByLevel,
  coverageOf,
  type LevelCoverage,
  type LevelInterval,
  mean,
  type TargetsMet,
  targetsMet,
  truthUncertaintyNotMeasured
} from "./comparison.ts"
import type { CutoffBudgetForecast } from "./cutoffForecast.ts"
import type { BudgetForecast, HeldOutForecast, LossLaw, MeasuredOptimum } from "./heldOutForecast.ts"
import type { TruthRuns } from "./truthRuns.ts"

/** One truth run as the backtest read it back. */
export interface TruthRunOutcome {
  readonly id: string
  readonly seed: number
  readonly params: number
  readonly tokens: number
  readonly flops: number
  /** completed or diverged (a diverged run has no loss). */
  readonly status: "completed" | "diverged"
  readonly loss: number | null
  readonly cloze_accuracy: number | null
  /** Trained by this backtest, rather than read from the store. */
  readonly trained: boolean
}

export interface HeldOutResult {
  readonly budget: number
  readonly forecast: BudgetForecast
  readonly truth_runs: ReadonlyArray<TruthRunOutcome>
  /** The minimum of the budget's own sweep parabola, null when it could not be measured (see `measured_optimum_note`). */
  readonly measured_optimum:
    | { readonly params: number; readonly tokens: number; readonly loss: number; readonly runs: number; readonly log10_params_se: number | null }
    | null
  readonly measured_optimum_note: string | null
  readonly comparisons: ReadonlyArray<Comparison>
}

/** Everything a backtest found: backtest.json. */
export interface BacktestResult {
  readonly experiment: string
  readonly cutoff: number
  readonly fit_budgets: ReadonlyArray<number>
  readonly held_out_budgets: ReadonlyArray<number>
  /** The sweep runs the laws were fitted on. */
  readonly fit_runs: ReadonlyArray<string>
  readonly laws: {
    /** Which law gave the compute-optimal loss and its interval (`--loss-law`). */
    readonly loss_law: LossLaw
    /** L(N, D) = E + A/N^α + B/D^β fitted below the cutoff, when it forecast the loss. */
    readonly parametric: ParametricCoefficients | null
    readonly params_opt: IsoflopFit["params_opt"]
    readonly tokens_opt: IsoflopFit["tokens_opt"]
    readonly loss_opt: IsoflopFit["loss_opt"]
    readonly r2s: IsoflopFit["r2s"]
    readonly used_budgets: ReadonlyArray<number>
    /** The downstream law of the cloze task, when it could be fitted. */
    readonly cloze: { readonly nll: { readonly E: number; readonly A: number; readonly alpha: number }; readonly accuracy: unknown } | null
  }
  readonly bootstrap: {
    readonly resamples: number
    readonly seed: number
    readonly level: number
    /** Resamples that could be refitted for the IsoFLOP intervals; null when there are none. */
    readonly resamples_used: number | null
  }
  readonly held_out: ReadonlyArray<HeldOutResult>
  /** The truths inside their 80% intervals. */
  readonly coverage: Coverage
  /** The truths inside their intervals at each nominal level, at this cutoff. */
  readonly coverage_by_level: ReadonlyArray<LevelCoverage>
  readonly targets: typeof backtestTargets
  readonly targets_met: TargetsMet
  /** Why a quantity is missing (no intervals, no accuracy, no measured optimum). */
  readonly notes: ReadonlyArray<string>
  readonly runs_trained: number
  readonly runs_read: number
}

export const truthOutcome = (run: TruthRuns["runs"][number], row: ResultRow | undefined, trained: boolean): TruthRunOutcome => ({
  id: run.id,
  seed: run.seed,
  params: run.params,
  tokens: row?.tokens ?? run.tokens,
  flops: row?.flops ?? run.flops,
  status: row === undefined ? "diverged" : "completed",
  loss: row?.loss ?? null,
  cloze_accuracy: row?.cloze_accuracy ?? null,
  trained
})

/** One quantity's intervals at every level the forecast has one at. */
export const leveled = (
  forecast: CutoffBudgetForecast,
  quantity: "params" | "tokens" | "loss"
): ReadonlyArray<LevelInterval> =>
  forecast.intervals_by_level.flatMap((at) => {
    const interval = at[quantity]
    return interval === null ? [] : [{ level: at.level, interval }]
  })

/**
 * The comparisons at one held-out budget. The truth run's loss is checked against L* (the run is
 * at the forecast N*, so a correct law puts its loss at L*); its cloze accuracy against the
 * downstream forecast (at 80% only: the downstream bootstrap gives one level); and where the
 * budget's own sweep found its minimum, N*, D* and L* against it, N* accounting for that minimum's
 * own standard error when the fit measured it. Several seeds are averaged: the forecast is of the
 * expected loss, not of one seed's.
 */
export const compareAtBudget = (
  forecast: BudgetForecast,
  truth: ReadonlyArray<TruthRunOutcome>,
  optimum: MeasuredOptimum
): ReadonlyArray<Comparison> => {
  const losses = truth.flatMap((run) => run.loss === null ? [] : [run.loss])
  const accuracies = truth.flatMap((run) => run.cloze_accuracy === null ? [] : [run.cloze_accuracy])
  const clozeInterval = forecast.cloze?.interval ?? null
  return [
    ...(losses.length === 0 ? [] : [compare("loss", forecast.loss, leveled(forecast, "loss"), mean(losses))]),
    ...(forecast.cloze === null || accuracies.length === 0
      ? []
      : [compare(
        "cloze_accuracy",
        forecast.cloze.accuracy,
        clozeInterval === null ? [] : [{ level: backtestTargets.interval_level, interval: clozeInterval }],
        mean(accuracies)
      )]),
    ...(optimum._tag === "Unmeasured" ? [] : compareWithOptimum(forecast, optimum))
  ]
}

/** The forecast N*, D*, L* against a budget's measured (or, in a synthetic study, known) optimum. */
export const compareWithOptimum = (
  forecast: CutoffBudgetForecast,
  optimum: { readonly params: number; readonly tokens: number; readonly loss: number; readonly log10_params_se: number | null }
): ReadonlyArray<Comparison> => [
  compare("params_opt", forecast.params, leveled(forecast, "params"), optimum.params, optimum.log10_params_se),
  compare("tokens_opt", forecast.tokens, leveled(forecast, "tokens"), optimum.tokens),
  compare("loss_opt", forecast.loss, leveled(forecast, "loss"), optimum.loss)
]

export interface BacktestInputs {
  readonly experiment: string
  readonly cutoff: number
  readonly fitBudgets: ReadonlyArray<number>
  readonly fitRuns: ReadonlyArray<string>
  readonly forecast: HeldOutForecast
  readonly bootstrap: { readonly resamples: number; readonly seed: number }
  readonly truth: ReadonlyArray<{ readonly budget: number; readonly runs: ReadonlyArray<TruthRunOutcome> }>
  readonly optima: ReadonlyArray<{ readonly budget: number; readonly optimum: MeasuredOptimum }>
}

/** Puts the backtest together: per held-out budget the forecast, the truth and their comparison; coverage and targets over all. */
export const backtestResult = (inputs: BacktestInputs): BacktestResult => {
  const { forecast } = inputs
  const heldOut = forecast.budgets.map((budgetForecast): HeldOutResult => {
    const truthRuns = inputs.truth.find((t) => t.budget === budgetForecast.budget)?.runs ?? []
    const optimum = inputs.optima.find((o) => o.budget === budgetForecast.budget)?.optimum ?? { _tag: "Unmeasured", reason: "not measured" }
    return {
      budget: budgetForecast.budget,
      forecast: budgetForecast,
      truth_runs: truthRuns,
      measured_optimum: optimum._tag === "Measured"
        ? { params: optimum.params, tokens: optimum.tokens, loss: optimum.loss, runs: optimum.runs, log10_params_se: optimum.log10_params_se }
        : null,
      measured_optimum_note: optimum._tag === "Unmeasured" ? optimum.reason : null,
      comparisons: compareAtBudget(budgetForecast, truthRuns, optimum)
    }
  })
  const comparisons = heldOut.flatMap((h) => h.comparisons)
  const allTruth = heldOut.flatMap((h) => h.truth_runs)
  const diverged = allTruth.filter((run) => run.status === "diverged").map((run) => run.id)
  const notes = [
    ...(forecast.intervalsNote === null ? [] : [`no N* or D* intervals${forecast.parametric === null ? " (nor loss intervals: --loss-law isoflop)" : ""}: ${forecast.intervalsNote}`]),
    ...(forecast.accuracyNote === null ? [] : [`no accuracy forecast: ${forecast.accuracyNote}`]),
    ...heldOut.flatMap((h) =>
      h.measured_optimum_note === null ? [] : [`no measured optimum at C=${h.budget.toExponential(2)}: ${h.measured_optimum_note}`]
    ),
    ...(diverged.length === 0 ? [] : [`truth run(s) diverged, so have no loss: ${diverged.join(", ")}`]),
    ...(comparisons.some((c) => c.truth_uncertainty?.measured === false) ? [`N*: ${truthUncertaintyNotMeasured}`] : [])
  ]
  const downstream = forecast.downstream
  return {
    experiment: inputs.experiment,
    cutoff: inputs.cutoff,
    fit_budgets: inputs.fitBudgets,
    held_out_budgets: heldOut.map((h) => h.budget),
    fit_runs: inputs.fitRuns,
    laws: {
      loss_law: forecast.lossLaw,
      parametric: forecast.parametric,
      params_opt: forecast.fit.params_opt,
      tokens_opt: forecast.fit.tokens_opt,
      loss_opt: forecast.fit.loss_opt,
      r2s: forecast.fit.r2s,
      used_budgets: forecast.fit.used_budgets,
      cloze: downstream === null
        ? null
        : { nll: { E: downstream.fit.nll.E, A: downstream.fit.nll.A, alpha: downstream.fit.nll.alpha }, accuracy: downstream.fit.accuracy }
    },
    bootstrap: {
      resamples: inputs.bootstrap.resamples,
      seed: inputs.bootstrap.seed,
      level: backtestTargets.interval_level,
      resamples_used: forecast.bootstrap?.resamples_used ?? null
    },
    held_out: heldOut,
    coverage: coverageOf(comparisons),
    coverage_by_level: coverageByLevel(comparisons),
    targets: backtestTargets,
    targets_met: targetsMet(comparisons),
    notes,
    runs_trained: allTruth.filter((run) => run.trained).length,
    runs_read: allTruth.filter((run) => !run.trained).length
  }
}
