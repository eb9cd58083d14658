import { existsSync } from "node:fs"
import * as path from "node:path"
import { Effect, Option } from "effect"
import { databasePath, RunStore, type SweepEvent, type SweepOutcome } from "@scalelab/runner"
import type { Experiment, RunSpec } from "@scalelab/spec"
import { SweepIncomplete } from "@scalelab/sweep"
import type { BootstrapSettings } from "../reportWriter.ts"
import { BacktestNotPossible } from "./backtestError.ts"
import { type BacktestFiles, writeBacktestFiles } from "./backtestFiles.ts"
import { type BacktestResult, backtestResult, truthOutcome } from "./backtestResult.ts"
import { defaultCutoff, splitAtCutoff } from "./cutoffSplit.ts"
import { loadFitSet } from "./fitSet.ts"
import { forecastHeldOut, type LossLaw, measuredOptimum } from "./heldOutForecast.ts"
import { trainTruthRuns, truthRunsFor, unendedTruthRuns } from "./truthRuns.ts"

export interface BacktestOptions {
  /** The store holding the sweep; the truth runs are trained into it and the backtest recorded there. */
  readonly storeDir: string
  /** FLOPs: fit below it, forecast at and above it; none means the largest budget. */
  readonly cutoff: Option.Option<number>
  readonly bootstrap: BootstrapSettings
  readonly lossLaw: LossLaw
  /** The folder for backtest.json and the plots; none means `<store>/reports/<experiment>/backtest`. */
  readonly out: Option.Option<string>
  /** Truth runs trained at once; none means the spec's. */
  readonly concurrency: Option.Option<number>
}

/**
 * The truth runs the store lacks, and the sweep that trains them (the store's lock, attempts,
 * retries, the divergence policy, each run recorded with why it is there). That sweep reports
 * progress to `onEvent` and needs an Executor, which the caller chooses.
 */
export interface TruthTraining {
  readonly runs: ReadonlyArray<RunSpec>
  readonly trainWith: (onEvent: (event: SweepEvent) => Effect.Effect<void>) => ReturnType<typeof trainTruthRuns>
}

export interface Backtest {
  readonly result: BacktestResult
  readonly files: BacktestFiles
}

/**
 * Does the forecast come true? Splits the sweep budgets at the cutoff, fits on the budgets below,
 * forecasts those at and above, trains the forecast optima the store lacks (through `train`, called
 * only when there are any: it runs `TruthTraining.trainWith` with its executor and progress), compares,
 * writes backtest.json and the plots, and records the backtest in the store.
 */
export const backtestExperiment = <E, R>(
  experiment: Experiment,
  specPath: string,
  options: BacktestOptions,
  train: (training: TruthTraining) => Effect.Effect<SweepOutcome, E, R>
) =>
  Effect.gen(function*() {
    const { storeDir } = options
    const budgets = experiment.sweep.budgets
    const split = splitAtCutoff(budgets, Option.getOrElse(options.cutoff, () => defaultCutoff(budgets)))
    if ("problem" in split) return yield* new BacktestNotPossible({ message: `${specPath}: ${split.problem}` })
    if (!existsSync(databasePath(storeDir))) {
      return yield* new BacktestNotPossible({
        message: `${specPath}: no run store at ${storeDir}, so no sweep to backtest: run \`scalelab run ${specPath}\` first, or pass --store DIR`
      })
    }

    return yield* Effect.gen(function*() {
      const store = yield* RunStore
      const fitSet = yield* loadFitSet(experiment, specPath, storeDir, split)
      const minimum = experiment.fit.isoflop_minimum
      const forecast = yield* forecastHeldOut(fitSet.points, split.heldOutBudgets, split.fitBudgets, options.bootstrap, options.lossLaw, minimum)
      const truth = yield* truthRunsFor(experiment, fitSet.corpus, forecast.budgets, split.fitBudgets)
      const { missing } = yield* unendedTruthRuns(experiment, truth)
      if (missing.length > 0) {
        const outcome = yield* train({
          runs: missing,
          trainWith: (onEvent) => trainTruthRuns(experiment, truth, missing, { storeDir, concurrency: options.concurrency, onEvent })
        })
        if (outcome.failed.length > 0) return yield* new SweepIncomplete({ failed: outcome.failed.map((f) => f.id), storeDir })
      }
      const trainedIds = new Set(missing.map((run) => run.id))
      const rows = new Map((yield* store.results(experiment.name)).map((row) => [row.run_id, row]))
      const optima = yield* Effect.forEach(fitSet.heldOut, (sweep) =>
        Effect.map(measuredOptimum(sweep, minimum), (optimum) => ({ budget: sweep.budget, optimum })))
      const result = backtestResult({
        experiment: experiment.name,
        cutoff: split.cutoff,
        fitBudgets: split.fitBudgets,
        fitRuns: fitSet.points.map((point) => point.id),
        forecast,
        bootstrap: options.bootstrap,
        truth: truth.map(({ budget, runs }) => ({
          budget,
          runs: runs.map((run) => truthOutcome(run, rows.get(run.id), trainedIds.has(run.id)))
        })),
        optima
      })
      // Absolute, so that the paths backtest.json and --json give can be opened from anywhere.
      const outDir = path.resolve(Option.getOrElse(options.out, () => path.join(storeDir, "reports", experiment.name, "backtest")))
      const files = yield* writeBacktestFiles(outDir, result)
      yield* store.recordBacktest(experiment.name, result)
      return { result, files } satisfies Backtest
    }).pipe(Effect.provide(RunStore.layer(storeDir)))
  })
