import { existsSync } from "node:fs"
import * as path from "node:path"
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { databasePath, RunStore } from "@scalelab/runner"
import { DEFAULT_BOOTSTRAP_RESAMPLES, type Experiment } from "@scalelab/spec"
import {
  BacktestNotPossible,
  backtestResult,
  defaultCutoff,
  forecastHeldOut,
  loadFitSet,
  LOSS_LAWS,
  type LossLaw,
  measuredOptimum,
  splitAtCutoff,
  trainTruthRuns,
  truthOutcome,
  truthRunsFor,
  unendedTruthRuns,
  writeBacktestFiles
} from "@scalelab/analysis"
import { backtestText } from "../backtest/backtestText.ts"
import { concurrencyFlag, executorFlag, jsonFlag, storeFlag } from "../commonFlags.ts"
import { bounded, flagRanges, withShownDefault } from "../flagRanges.ts"
import { executorLayer, withExecutor } from "../executorChoice.ts"
import { chooseProgressMode, makeProgressReporter, type ProgressMode } from "../progress/progressReporter.ts"
import { concurrencyFor, loadSpec, storeDirFor, SweepIncomplete } from "@scalelab/sweep"
import { seedFlag } from "./fit.ts"
import { specArgument } from "./validate.ts"

interface BacktestChoices {
  readonly specPath: string
  readonly storeDir: string
  readonly cutoff: Option.Option<number>
  readonly bootstrap: number
  readonly seed: number
  readonly lossLaw: LossLaw
  readonly out: Option.Option<string>
  readonly concurrency: Option.Option<number>
  readonly mode: ProgressMode
  readonly json: boolean
}

const backtest = (experiment: Experiment, choices: BacktestChoices) =>
  Effect.gen(function*() {
    const { specPath, storeDir } = choices
    const split = splitAtCutoff(experiment.sweep.budgets, Option.getOrElse(choices.cutoff, () => defaultCutoff(experiment.sweep.budgets)))
    if ("problem" in split) return yield* new BacktestNotPossible({ message: `${specPath}: ${split.problem}` })
    if (!existsSync(databasePath(storeDir))) {
      return yield* new BacktestNotPossible({
        message: `${specPath}: no run store at ${storeDir}, so no sweep to backtest: run \`scalelab run ${specPath}\` first, or pass --store DIR`
      })
    }
    const storeLayer = RunStore.layer(storeDir)
    const bootstrap = { resamples: choices.bootstrap, seed: choices.seed }

    return yield* Effect.gen(function*() {
      const store = yield* RunStore
      const fitSet = yield* loadFitSet(experiment, specPath, storeDir, split)
      const forecast = yield* forecastHeldOut(fitSet.points, split.heldOutBudgets, split.fitBudgets, bootstrap, choices.lossLaw)
      const truth = yield* truthRunsFor(experiment, fitSet.corpus, forecast.budgets, split.fitBudgets)
      const { missing } = yield* unendedTruthRuns(experiment, truth)
      if (missing.length > 0) {
        if (choices.mode !== "quiet" && !choices.json) {
          yield* Console.log(`${experiment.name}: training ${missing.length} run(s) at the forecast optima on ${experiment.execution.executor}; store ${storeDir}`)
        }
        const outcome = yield* Effect.scoped(Effect.gen(function*() {
          const reporter = yield* makeProgressReporter({
            mode: choices.mode,
            experiment: experiment.name,
            runs: new Map(missing.map((run) => [run.id, { budget: run.budget, params: run.params, tokens: run.tokens }])),
            concurrency: concurrencyFor(experiment, choices.concurrency, missing.length),
            // --json keeps stdout for the one result object: progress goes to stderr.
            out: choices.json ? process.stderr : process.stdout
          })
          return yield* trainTruthRuns(experiment, truth, missing, { storeDir, concurrency: choices.concurrency, onEvent: reporter.onEvent })
        })).pipe(Effect.provide(executorLayer(experiment, storeDir, path.dirname(path.resolve(specPath)))))
        if (outcome.failed.length > 0) return yield* new SweepIncomplete({ failed: outcome.failed.map((f) => f.id), storeDir })
      }
      const trainedIds = new Set(missing.map((run) => run.id))
      const rows = new Map((yield* store.results(experiment.name)).map((row) => [row.run_id, row]))
      const optima = yield* Effect.forEach(fitSet.heldOut, (sweep) =>
        Effect.map(measuredOptimum(sweep), (optimum) => ({ budget: sweep.budget, optimum })))
      const result = backtestResult({
        experiment: experiment.name,
        cutoff: split.cutoff,
        fitBudgets: split.fitBudgets,
        fitRuns: fitSet.points.map((point) => point.id),
        forecast,
        bootstrap,
        truth: truth.map(({ budget, runs }) => ({
          budget,
          runs: runs.map((run) => truthOutcome(run, rows.get(run.id), trainedIds.has(run.id)))
        })),
        optima
      })
      // Absolute, so that the paths backtest.json and --json give can be opened from anywhere.
      const outDir = path.resolve(Option.getOrElse(choices.out, () => path.join(storeDir, "reports", experiment.name, "backtest")))
      const files = yield* writeBacktestFiles(outDir, result)
      yield* store.recordBacktest(experiment.name, result)
      yield* Console.log(choices.json
        ? JSON.stringify({ ...result, files: { json: files.jsonPath, plots: files.plotPaths } })
        : backtestText(result, files))
    }).pipe(Effect.provide(storeLayer))
  })

export const backtestCommand = Command.make(
  "backtest",
  {
    spec: specArgument,
    cutoff: bounded(
      Flag.Finite("cutoff"),
      flagRanges.quantity,
      "FLOPs: fit on the sweep budgets below it, forecast and train the budgets at or above it " +
        "(default: the largest budget, so all but the top one are fitted)"
    ).pipe(Flag.optional),
    store: storeFlag,
    bootstrap: bounded(
      Flag.Int("bootstrap"),
      flagRanges.bootstrap,
      "bootstrap resamples for the 80% intervals, 0 for none (so no coverage)",
      DEFAULT_BOOTSTRAP_RESAMPLES
    ),
    seed: seedFlag,
    lossLaw: Flag.Literals("loss-law", LOSS_LAWS).pipe(
      withShownDefault<LossLaw>(
        "parametric",
        "the law that forecasts the compute-optimal loss: parametric L(N, D) = E + A/N^α + B/D^β over " +
          "every run below the cutoff, or isoflop, the power law L*(C) through the budgets' minima (no irreducible term)"
      )
    ),
    out: Flag.String("out").pipe(
      Flag.withDescription("folder for backtest.json and the plots (default: <store>/reports/<experiment>/backtest)"),
      Flag.optional
    ),
    concurrency: concurrencyFlag,
    executor: executorFlag("the forecast-optimum runs"),
    quiet: Flag.Boolean("quiet").pipe(Flag.withDescription("no training progress, only failed runs and the result (under --json, progress goes to stderr)"), Flag.withDefault(false)),
    json: jsonFlag
  },
  ({ spec, cutoff, store, bootstrap, seed, lossLaw, out, concurrency, executor, quiet, json }) =>
    Effect.gen(function*() {
      const experiment = yield* withExecutor(yield* loadSpec(spec), executor)
      const storeDir = yield* storeDirFor(spec, Option.getOrUndefined(store), "write")
      const isTTY = process.stdout.isTTY === true && process.env["TERM"] !== "dumb"
      // Under --json the progress is for a person watching stderr: lines, not JSON or a redrawn view.
      const mode = json ? (quiet ? "quiet" : "lines") : chooseProgressMode({ json: false, quiet, isTTY })
      yield* backtest(experiment, { specPath: spec, storeDir, cutoff, bootstrap, seed, lossLaw, out, concurrency, mode, json })
    })
).pipe(Command.withDescription(
  "Do the forecasts come true? Fits the scaling laws on a spec's sweep budgets below --cutoff, forecasts N*, D*, the " +
    "compute-optimal loss (--loss-law) and (when runs have cloze scores) cloze accuracy at the budgets held out, trains the forecast " +
    "compute-optimal run at each (or reads it from the store), and reports each error, whether the truth lies inside the " +
    "80% interval, the coverage and the targets met (loss within 2%, accuracy within 3 points): a table, or --json; " +
    "backtest.json and the backtest plots (SVG, PNG) go to --out"
))
