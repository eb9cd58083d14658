import type { BacktestResult } from "./backtestResult.ts"
import {
  backtestTargets,
  type Comparison,
  coverageByLevel,
  coverageByQuantity,
  coverageLevels,
  type LevelCoverage,
  type QuantityLevelCoverage
} from "./comparison.ts"

/**
 * Every cutoff of a rolling backtest: each budget that leaves at least two below it (a power law
 * needs two IsoFLOP minima), so that one sweep of B budgets gives B − 2 backtests, each holding out
 * every budget at or above its cutoff.
 */
export const rollingCutoffs = (budgets: ReadonlyArray<number>): ReadonlyArray<number> =>
  [...new Set(budgets)].sort((a, b) => a - b).slice(2)

export interface SkippedCutoff {
  readonly cutoff: number
  readonly reason: string
}

/** backtest.json: one backtest per cutoff, and the coverage over all of them. */
export interface RollingBacktestResult {
  readonly experiment: string
  /** `rolling`: every cutoff that leaves two budgets to fit; `single`: the one --cutoff. */
  readonly mode: "rolling" | "single"
  /** The cutoffs backtested. */
  readonly cutoffs: ReadonlyArray<number>
  /** Rolling cutoffs left out because the budgets below them give no power law, with why. */
  readonly skipped_cutoffs: ReadonlyArray<SkippedCutoff>
  readonly backtests: ReadonlyArray<BacktestResult>
  /** The report's interval level, which `coverage`, `interval` and `inside` of each comparison refer to. */
  readonly interval_level: number
  /** Over every (cutoff, held-out budget, quantity): the truths inside the intervals of each nominal level. */
  readonly coverage_by_level: ReadonlyArray<LevelCoverage>
  /** The same, per quantity. */
  readonly coverage_by_quantity: ReadonlyArray<QuantityLevelCoverage>
  /** Distinct truth runs trained by this backtest, and read from the store (one run can serve several cutoffs). */
  readonly runs_trained: number
  readonly runs_read: number
}

/** All comparisons of the backtests: each (cutoff, held-out budget, quantity) once. */
export const allComparisons = (backtests: ReadonlyArray<BacktestResult>): ReadonlyArray<Comparison> =>
  backtests.flatMap((backtest) => backtest.held_out.flatMap((heldOut) => heldOut.comparisons))

/** Puts the cutoffs' backtests together with their coverage at every level. */
export const rollingBacktestResult = (
  experiment: string,
  mode: RollingBacktestResult["mode"],
  backtests: ReadonlyArray<BacktestResult>,
  skipped: ReadonlyArray<SkippedCutoff> = []
): RollingBacktestResult => {
  const comparisons = allComparisons(backtests)
  const truthRuns = new Map(
    backtests.flatMap((backtest) => backtest.held_out.flatMap((heldOut) => heldOut.truth_runs)).map((run) => [run.id, run])
  )
  const runs = [...truthRuns.values()]
  return {
    experiment,
    mode,
    cutoffs: backtests.map((backtest) => backtest.cutoff),
    skipped_cutoffs: skipped,
    backtests,
    interval_level: backtestTargets.interval_level,
    coverage_by_level: coverageByLevel(comparisons, coverageLevels),
    coverage_by_quantity: coverageByQuantity(comparisons, coverageLevels),
    runs_trained: runs.filter((run) => run.trained).length,
    runs_read: runs.filter((run) => !run.trained).length
  }
}
