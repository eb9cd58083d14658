import { existsSync } from "node:fs"
import * as path from "node:path"
import { Effect, Option } from "effect"
import { databasePath, RunStore, type SweepEvent, type SweepOutcome } from "@scalelab/runner"
import type { Experiment, RunSpec } from "@scalelab/spec"
import { sci, SweepIncomplete } from "@scalelab/sweep"
import type { BootstrapSettings } from "../reportWriter.ts"
import { BacktestNotPossible } from "./backtestError.ts"
import { type BacktestFiles, writeBacktestFiles } from "./backtestFiles.ts"
import { backtestResult, truthOutcome } from "./backtestResult.ts"
import { type CutoffSplit, defaultCutoff, splitAtCutoff } from "./cutoffSplit.ts"
import { loadFitSet } from "./fitSet.ts"
import { forecastHeldOut, type LossLaw, measuredOptimum } from "./heldOutForecast.ts"
import { rollingBacktestResult, rollingCutoffs, type RollingBacktestResult } from "./rollingBacktest.ts"
import { trainTruthRuns, truthRunsFor, unendedTruthRuns } from "./truthRuns.ts"

export interface BacktestOptions {
  /** The store holding the sweep; the truth runs are trained into it and the backtest recorded there. */
  readonly storeDir: string
  /** FLOPs: fit below it, forecast at and above it; none means a rolling backtest over every cutoff (rollingCutoffs). */
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
  readonly result: RollingBacktestResult
  readonly files: BacktestFiles
}

/** The cutoffs to backtest and their splits, or what is wrong with them. */
const splitsFor = (budgets: ReadonlyArray<number>, cutoff: Option.Option<number>) => {
  const rolling = rollingCutoffs(budgets)
  // Too few budgets to roll: the single default cutoff's split says why.
  const cutoffs = Option.match(cutoff, { onSome: (c) => [c], onNone: () => rolling.length > 0 ? rolling : [defaultCutoff(budgets)] })
  const splits = cutoffs.map((c) => splitAtCutoff(budgets, c))
  const problem = splits.find((split) => "problem" in split)
  return problem !== undefined && "problem" in problem
    ? { problem: problem.problem }
    : { splits: splits.filter((split): split is CutoffSplit => !("problem" in split)) }
}

/**
 * Does the forecast come true? For each cutoff (every one that leaves two budgets to fit, or the
 * one given): fits on the budgets below, forecasts those at and above. Then trains the forecast
 * optima the store lacks, all cutoffs' at once and each distinct run once (through `train`, called
 * only when there are any: it runs `TruthTraining.trainWith` with its executor and progress),
 * compares, writes backtest.json and the plots, and records the backtest in the store.
 */
export const backtestExperiment = <E, R>(
  experiment: Experiment,
  specPath: string,
  options: BacktestOptions,
  train: (training: TruthTraining) => Effect.Effect<SweepOutcome, E, R>
) =>
  Effect.gen(function*() {
    const { storeDir } = options
    const planned = splitsFor(experiment.sweep.budgets, options.cutoff)
    if ("problem" in planned) return yield* new BacktestNotPossible({ message: `${specPath}: ${planned.problem}` })
    if (!existsSync(databasePath(storeDir))) {
      return yield* new BacktestNotPossible({
        message: `${specPath}: no run store at ${storeDir}, so no sweep to backtest: run \`scalelab run ${specPath}\` first, or pass --store DIR`
      })
    }

    return yield* Effect.gen(function*() {
      const store = yield* RunStore
      const rolling = Option.isNone(options.cutoff)
      // The spec's own fit settings: a backtest forecasts as \`scalelab run\` would have.
      const fitSettings = { minimum: experiment.fit.isoflop_minimum, lawForm: experiment.fit.law_form }
      const attempts = yield* Effect.forEach(planned.splits, (split) =>
        Effect.gen(function*() {
          const fitSet = yield* loadFitSet(experiment, specPath, storeDir, split)
          const forecast = yield* forecastHeldOut(fitSet.points, split.heldOutBudgets, split.fitBudgets, options.bootstrap, options.lossLaw, fitSettings)
            .pipe(Effect.result)
          // A rolling backtest goes on past a cutoff whose budgets below give no power law (the
          // lowest budgets of a sweep are the likeliest not to bracket their minima), and says so.
          if (forecast._tag === "Failure") {
            if (!rolling || forecast.failure._tag !== "BacktestNotPossible") return yield* forecast.failure
            return { _tag: "Skipped", cutoff: split.cutoff, reason: forecast.failure.message } as const
          }
          const truth = yield* truthRunsFor(experiment, fitSet.corpus, forecast.success.budgets, split.fitBudgets)
          const optima = yield* Effect.forEach(fitSet.heldOut, (sweep) =>
            Effect.map(measuredOptimum(sweep, fitSettings.minimum), (optimum) => ({ budget: sweep.budget, optimum })))
          return { _tag: "Forecast", split, fitSet, forecast: forecast.success, truth, optima } as const
        }))
      const cutoffs = attempts.flatMap((attempt) => attempt._tag === "Forecast" ? [attempt] : [])
      const skipped = attempts.flatMap((attempt) => attempt._tag === "Skipped" ? [{ cutoff: attempt.cutoff, reason: attempt.reason }] : [])
      if (cutoffs.length === 0) {
        return yield* new BacktestNotPossible({
          message: `${specPath}: no cutoff gives a fit:\n${skipped.map(({ cutoff, reason }) => `cutoff ${sci(cutoff)}: ${reason}`).join("\n")}`
        })
      }
      const allTruth = cutoffs.flatMap(({ truth }) => truth)
      const { missing } = yield* unendedTruthRuns(experiment, allTruth)
      if (missing.length > 0) {
        const outcome = yield* train({
          runs: missing,
          trainWith: (onEvent) => trainTruthRuns(experiment, allTruth, missing, { storeDir, concurrency: options.concurrency, onEvent })
        })
        if (outcome.failed.length > 0) return yield* new SweepIncomplete({ failed: outcome.failed.map((f) => f.id), storeDir })
      }
      const trainedIds = new Set(missing.map((run) => run.id))
      const rows = new Map((yield* store.results(experiment.name)).map((row) => [row.run_id, row]))
      const backtests = cutoffs.map(({ split, fitSet, forecast, truth, optima }) =>
        backtestResult({
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
      )
      const result = rollingBacktestResult(experiment.name, rolling ? "rolling" : "single", backtests, skipped)
      // Absolute, so that the paths backtest.json and --json give can be opened from anywhere.
      const outDir = path.resolve(Option.getOrElse(options.out, () => path.join(storeDir, "reports", experiment.name, "backtest")))
      const files = yield* writeBacktestFiles(outDir, result)
      yield* store.recordBacktest(experiment.name, result)
      return { result, files } satisfies Backtest
    }).pipe(Effect.provide(RunStore.layer(storeDir)))
  })
