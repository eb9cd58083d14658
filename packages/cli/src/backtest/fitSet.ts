import { Effect } from "effect"
import type { CorpusFacts, Plan } from "@scalelab/planner"
import { RunStore } from "@scalelab/runner"
import type { Experiment } from "@scalelab/spec"
import { sci } from "@scalelab/laws"
import { endedRuns, loadCorpusFacts, settledPlan } from "../planExperiment.ts"
import { type ResultPoint, storedResultPoint } from "../resultsInput.ts"
import { BacktestNotPossible } from "./backtestError.ts"
import type { CutoffSplit } from "./cutoffSplit.ts"

/** A held-out budget's own sweep runs: how many the plan has there, and those that finished. */
export interface HeldOutSweep {
  readonly budget: number
  readonly planned: number
  /** Planned runs that ended (completed or diverged). */
  readonly ended: number
  readonly points: ReadonlyArray<ResultPoint>
}

export interface FitSet {
  readonly plan: Plan
  readonly corpus: CorpusFacts
  /** The completed sweep runs below the cutoff: what the laws are fitted on. */
  readonly points: ReadonlyArray<ResultPoint>
  readonly heldOut: ReadonlyArray<HeldOutSweep>
}

/**
 * The runs the backtest fits, from the store: the current plan's completed runs at budgets below
 * the cutoff (as `scalelab run` fits them: runs of an earlier version of the spec are not this
 * sweep's; diverged runs have no loss to fit). Every planned run below the cutoff must have ended,
 * or the fit would silently use part of a budget; an adaptive sweep must have planned them all.
 */
export const loadFitSet = (experiment: Experiment, specPath: string, storeDir: string, split: CutoffSplit) =>
  Effect.gen(function*() {
    const store = yield* RunStore
    const corpus = yield* loadCorpusFacts(experiment, storeDir)
    const ended = yield* endedRuns(experiment.name)
    const plan = yield* settledPlan(experiment, corpus, ended)
    const results = new Map((yield* store.results(experiment.name)).map((row) => [row.run_id, row]))
    const below = plan.runs.filter(({ run }) => split.fitBudgets.includes(run.budget))
    const unplanned = split.fitBudgets.filter((budget) => !below.some(({ run }) => run.budget === budget))
    const unfinished = below.filter(({ run }) => !ended.has(run.id))
    if (unplanned.length > 0 || unfinished.length > 0) {
      const what = unfinished.length > 0
        ? `${unfinished.length} of the ${below.length} sweep runs at budgets below the cutoff have not finished`
        : `the adaptive sweep has not reached budget${unplanned.length === 1 ? "" : "s"} ${unplanned.map((b) => sci(b)).join(", ")}`
      return yield* new BacktestNotPossible({
        message: `${specPath}: ${what} (store ${storeDir}); run \`scalelab run ${specPath}\` first, ` +
          `or lower --cutoff to fit on the budgets that are done`
      })
    }
    const points = below.flatMap(({ run }) => {
      const row = results.get(run.id)
      return row === undefined ? [] : [storedResultPoint(row)]
    })
    const heldOut = split.heldOutBudgets.map((budget): HeldOutSweep => {
      const runs = plan.runs.filter(({ run }) => run.budget === budget)
      return {
        budget,
        planned: runs.length,
        ended: runs.filter(({ run }) => ended.has(run.id)).length,
        points: runs.flatMap(({ run }) => {
          const row = results.get(run.id)
          return row === undefined ? [] : [storedResultPoint(row)]
        })
      }
    })
    return { plan, corpus, points, heldOut } satisfies FitSet
  })
