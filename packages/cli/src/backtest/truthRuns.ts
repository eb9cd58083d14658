import { Effect, Option } from "effect"
import { type CorpusFacts, runsAtSize } from "@scalelab/planner"
import { RunStore, runSweep, type SweepEvent } from "@scalelab/runner"
import { effectiveSpec, type Experiment, type RunSpec } from "@scalelab/spec"
import { concurrencyFor } from "../executorChoice.ts"
import { sci } from "@scalelab/laws"
import { attempt } from "../pureInput.ts"
import type { BudgetForecast } from "./heldOutForecast.ts"

/** The runs that check one held-out budget's forecast: the forecast optimum, one run per seed. */
export interface TruthRuns {
  readonly budget: number
  readonly runs: ReadonlyArray<RunSpec>
  /** Why they are in the store (plan_reason). */
  readonly reason: string
}

/**
 * The compute-optimal runs the forecast predicts: at each held-out budget, the model the planner
 * would build for N* (runsAtSize: the spec's shape rules, tokens that spend the budget, the spec's
 * lr and batch expressions, trainer and seeds), so that their ids are content addresses like any
 * sweep run's and a second backtest finds them in the store.
 */
export const truthRunsFor = (
  experiment: Experiment,
  corpus: CorpusFacts,
  forecasts: ReadonlyArray<BudgetForecast>,
  fitBudgets: ReadonlyArray<number>
) =>
  attempt(() =>
    forecasts.map((forecast): TruthRuns => ({
      budget: forecast.budget,
      runs: runsAtSize(experiment, forecast.budget, forecast.params, corpus).runs,
      reason: `backtest forecast optimum at C=${sci(forecast.budget)}: N*=${sci(forecast.params)} from the IsoFLOP fit on ` +
        `budgets ${fitBudgets.map((b) => sci(b)).join(", ")}`
    }))
  )

export interface TruthTrainingOptions {
  readonly storeDir: string
  readonly concurrency: Option.Option<number>
  readonly onEvent: (event: SweepEvent) => Effect.Effect<void>
}

/**
 * The truth runs that have not ended yet, which need training. A run that has ended (a truth run of
 * an earlier backtest, or a sweep run of the same shape: ids are content addresses) is read.
 */
export const unendedTruthRuns = (experiment: Experiment, truth: ReadonlyArray<TruthRuns>) =>
  Effect.gen(function*() {
    const store = yield* RunStore
    const endedIds = new Set(
      (yield* store.listRuns(experiment.name)).filter((row) => row.status === "completed" || row.status === "diverged").map((row) => row.id)
    )
    const all = [...new Map(truth.flatMap(({ runs }) => runs).map((run) => [run.id, run])).values()]
    return { missing: all.filter((run) => !endedIds.has(run.id)) }
  })

/**
 * Trains the truth runs through the same sweep machinery as `scalelab run` (runSweep: the store's
 * lock, attempts, retries, checkpoints and resumption, the divergence policy), each recorded with
 * its reason. Needs the Executor only when `missing` is not empty.
 */
export const trainTruthRuns = (
  experiment: Experiment,
  truth: ReadonlyArray<TruthRuns>,
  missing: ReadonlyArray<RunSpec>,
  options: TruthTrainingOptions
) =>
  Effect.gen(function*() {
    const reasons = new Map(truth.flatMap(({ runs, reason }) => runs.map((run) => [run.id, reason] as const)))
    const outcome = yield* runSweep(experiment.name, missing, {
      storeDir: options.storeDir,
      concurrency: concurrencyFor(experiment, options.concurrency, missing.length),
      retries: experiment.execution.retries,
      divergence: { retries: experiment.execution.divergence.retries, lrFactor: experiment.execution.divergence.lr_factor },
      experimentSpec: effectiveSpec(experiment),
      planReasons: new Map(missing.map((run) => [run.id, reasons.get(run.id) ?? ""])),
      onEvent: options.onEvent
    })
    return outcome
  })
