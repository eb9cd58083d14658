import * as path from "node:path"
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { DEFAULT_BOOTSTRAP_RESAMPLES, type Experiment, specOfKind } from "@scalelab/spec"
import { type BacktestOptions, backtestExperiment, LOSS_LAWS, type LossLaw, type TruthTraining } from "@scalelab/analysis"
import { backtestText } from "../backtest/backtestText.ts"
import { concurrencyFlag, executorFlag, jsonFlag, storeFlag } from "../commonFlags.ts"
import { bounded, flagRanges, withShownDefault } from "../flagRanges.ts"
import { executorLayer, withExecutor } from "../executorChoice.ts"
import { chooseProgressMode, makeProgressReporter, type ProgressMode } from "../progress/progressReporter.ts"
import { concurrencyFor, loadSpec, loadSpecOfAnyKind, storeDirFor, UserInputError } from "@scalelab/sweep"
import { seedFlag } from "./fit.ts"
import { specArgument } from "./validate.ts"

interface Display {
  readonly mode: ProgressMode
  readonly json: boolean
}

/** Trains the truth runs on the experiment's executor, showing their progress as `scalelab run` does. */
const trainOnExecutor = (experiment: Experiment, specPath: string, options: BacktestOptions, display: Display) =>
({ runs, trainWith }: TruthTraining) =>
  Effect.gen(function*() {
    if (display.mode !== "quiet" && !display.json) {
      yield* Console.log(`${experiment.name}: training ${runs.length} run(s) at the forecast optima on ${experiment.execution.executor}; store ${options.storeDir}`)
    }
    return yield* Effect.scoped(Effect.gen(function*() {
      const reporter = yield* makeProgressReporter({
        mode: display.mode,
        experiment: experiment.name,
        runs: new Map(runs.map((run) => [run.id, { budget: run.budget, params: run.params, tokens: run.tokens }])),
        concurrency: concurrencyFor(experiment, options.concurrency, runs.length),
        // --json keeps stdout for the one result object: progress goes to stderr.
        out: display.json ? process.stderr : process.stdout
      })
      return yield* trainWith(reporter.onEvent)
    })).pipe(Effect.provide(executorLayer(experiment, options.storeDir, path.dirname(path.resolve(specPath)))))
  })

export const backtestCommand = Command.make(
  "backtest",
  {
    spec: specArgument,
    cutoff: bounded(
      Flag.Finite("cutoff"),
      flagRanges.quantity,
      "FLOPs: fit on the sweep budgets below it, forecast and train the budgets at or above it; " +
        "without it, a rolling backtest over every cutoff that leaves two budgets below it"
    ).pipe(Flag.optional),
    store: storeFlag,
    bootstrap: bounded(
      Flag.Int("bootstrap"),
      flagRanges.bootstrap,
      "bootstrap resamples for the intervals (at 50, 80, 90 and 95%, from the same resamples), 0 for none (so no coverage)",
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
      const kind = specOfKind(yield* loadSpecOfAnyKind(spec))
      if (kind._tag === "Hyperparameters" || kind._tag === "Mixture") {
        return yield* new UserInputError({
          message: `${spec}: a backtest is defined for IsoFLOP sweeps only (it forecasts N*, D* and the loss at held-out ` +
            `budgets from a scaling law); a ${kind._tag === "Mixture" ? "data-mixture sweep's check is its predicted mix's run, which " +
            "`scalelab run` trains and `scalelab report` compares with the prediction" : "hyperparameter grid's fit is lr*(C) and B*(C): " +
            "`scalelab report` shows it"}`
        })
      }
      const experiment = yield* withExecutor(yield* loadSpec(spec), executor)
      const storeDir = yield* storeDirFor(spec, Option.getOrUndefined(store), "write")
      const isTTY = process.stdout.isTTY === true && process.env["TERM"] !== "dumb"
      // Under --json the progress is for a person watching stderr: lines, not JSON or a redrawn view.
      const mode = json ? (quiet ? "quiet" : "lines") : chooseProgressMode({ json: false, quiet, isTTY })
      const options: BacktestOptions = { storeDir, cutoff, bootstrap: { resamples: bootstrap, seed }, lossLaw, out, concurrency }
      const { result, files } = yield* backtestExperiment(experiment, spec, options, trainOnExecutor(experiment, spec, options, { mode, json }))
      yield* Console.log(json
        ? JSON.stringify({ ...result, files: { json: files.jsonPath, plots: files.plotPaths } })
        : backtestText(result, files))
    })
).pipe(Command.withDescription(
  "Do the forecasts come true? For every cutoff that leaves two sweep budgets below it (or the one --cutoff), fits the " +
    "scaling laws on the budgets below, forecasts N*, D*, the compute-optimal loss (--loss-law) and (when runs have cloze " +
    "scores) cloze accuracy at the budgets held out, trains the forecast compute-optimal run at each (each distinct run " +
    "once, or reads it from the store), and reports each error, whether the truth lies inside the interval, the targets met " +
    "(loss within 2%, accuracy within 3 points), and the coverage at nominal 50, 80, 90 and 95% over every cutoff: a table, " +
    "or --json; backtest.json, the backtest plots and the calibration plot (SVG, PNG) go to --out"
))
