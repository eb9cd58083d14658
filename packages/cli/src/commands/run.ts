import * as path from "node:path"
import { Console, Effect, Layer, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { RunStore, type SweepEvent, type SweepOutcome } from "@scalelab/runner"
import { type Plan } from "@scalelab/planner"
import {
  type AnnealingExperiment,
  type Experiment,
  type ExperimentSpec,
  type HyperparameterExperiment,
  type MixtureExperiment,
  specOfKind,
  type TrainedSpec
} from "@scalelab/spec"
import {
  concurrencyFor,
  isAdaptive,
  loadSpecOfAnyKind,
  prepareSweep,
  seconds,
  storeDirFor,
  type SweepChoices,
  SweepIncomplete,
  trainSweep,
  UserInputError
} from "@scalelab/sweep"
import { concurrencyFlag, executorFlag, jsonFlag, storeFlag } from "../commonFlags.ts"
import { executorLayer, withExecutor } from "../executorChoice.ts"
import { chooseProgressMode, makeProgressReporter, type ProgressMode } from "../progress/progressReporter.ts"
import {
  annealingSweepReport,
  fitAndReport,
  fitAndReportHyperparameters,
  fitSummary,
  hyperparameterReportLines,
  mixtureSweepFitReport,
  otherFitLines,
  runTableSpec,
  whereToLook,
  writtenFileLines
} from "@scalelab/analysis"
import { specArgument } from "./validate.ts"

interface RunChoices extends SweepChoices {
  readonly mode: ProgressMode
}

/** An IsoFLOP sweep's fits: the laws, the forecasts and the report. */
const isoflopFitReport = (experiment: Experiment, plan: Plan, storeDir: string, specPath: string) =>
  Effect.map(fitAndReport(experiment, plan, storeDir), (fitted) => ({
    lines: [...fitSummary(fitted.isoflop, fitted.intervals, fitted.lossForecasts), ...otherFitLines(fitted), "", ...whereToLook(fitted.report, specPath, storeDir)],
    report: fitted.report.indexPath,
    fit: fitted.report.fitJson as unknown,
    failure: fitted.powerLawFailure
  }))

/** A hyperparameter sweep's fits: lr*(C), B*(C) and the report. */
const hyperparameterFitReport = (experiment: HyperparameterExperiment, plan: Plan, storeDir: string) =>
  Effect.map(fitAndReportHyperparameters(experiment, plan, storeDir), (report) => ({
    lines: hyperparameterReportLines(report),
    report: report.indexPath,
    fit: report.record as unknown,
    failure: undefined
  }))

const fitReportOf = (experiment: TrainedSpec, plan: Plan, storeDir: string, specPath: string) => {
  const { sweep } = experiment
  return sweep.kind === "hyperparameters"
    ? hyperparameterFitReport({ ...experiment, sweep }, plan, storeDir)
    : isoflopFitReport({ ...experiment, sweep }, plan, storeDir, specPath)
}

interface EndedSweep {
  readonly completed: ReadonlyArray<unknown>
  readonly skipped: number
  readonly failed: ReadonlyArray<{ readonly id: string }>
}

/** How a sweep of any kind ended: one JSON event, or its fit's lines and a summary line. */
const printSweepEnd = (
  mode: ProgressMode,
  outcome: EndedSweep,
  startedAt: number,
  fitted: { readonly lines: ReadonlyArray<string>; readonly report: string; readonly fit: unknown }
) =>
  mode === "json"
    ? Console.log(JSON.stringify({
      event: "SweepEnded",
      time: new Date().toISOString(),
      trained: outcome.completed.length,
      skipped: outcome.skipped,
      failed: outcome.failed.map((failure) => failure.id),
      report: fitted.report,
      fit: fitted.fit
    }))
    : Console.log(["", ...fitted.lines, "", `${outcome.completed.length} runs trained, ${outcome.skipped} already complete, ` +
      `${outcome.failed.length} failed; ${seconds((Date.now() - startedAt) / 1000)} wall`].join("\n"))

const sweepFitReport = (experiment: TrainedSpec, choices: RunChoices, rerun: ReadonlyArray<string>, specPath: string) =>
  Effect.gen(function*() {
    const startedAt = Date.now()
    const prepared = yield* prepareSweep(experiment, choices, rerun)
    const { firstPlan } = prepared
    const say = (text: string) => choices.mode === "json" ? Effect.void : Console.log(text)
    yield* say(
      `${experiment.name}: ${isAdaptive(experiment) ? "adaptive sweep, " : ""}${firstPlan.runs.length} runs planned` +
        `${isAdaptive(experiment) ? " so far" : ""} over ${experiment.sweep.budgets.length} budgets on ` +
        `${experiment.execution.executor}; store ${choices.storeDir}`
    )
    const { plan, outcome } = yield* Effect.scoped(Effect.gen(function*() {
      const reporter = yield* makeProgressReporter({
        mode: choices.mode,
        experiment: experiment.name,
        runs: new Map(firstPlan.runs.map(({ run }) => [run.id, { budget: run.budget, params: run.params, tokens: run.tokens }])),
        concurrency: concurrencyFor(experiment, choices.concurrency, firstPlan.runs.length),
        out: process.stdout
      })
      return yield* trainSweep(experiment, prepared, reporter.onEvent)
    }))
    const fitted = yield* fitReportOf(experiment, plan, choices.storeDir, specPath)
    yield* printSweepEnd(choices.mode, outcome, startedAt, fitted)
    if (fitted.failure !== undefined) return yield* fitted.failure
    if (outcome.failed.length > 0) {
      return yield* new SweepIncomplete({ failed: outcome.failed.map((f) => f.id), storeDir: choices.storeDir })
    }
  })

/** What a sweep that writes its own report (a data mixture, annealing probes) gives back to `run`. */
interface SweepWithReport {
  readonly lines: ReadonlyArray<string>
  readonly outcome: SweepOutcome
  readonly indexPath: string
  readonly fitPath: string
  readonly plotPaths: ReadonlyArray<string>
}

/** Trains such a sweep with progress shown, then prints its summary and where its report is. */
const sweepWithReportRun = <E, R>(
  experiment: ExperimentSpec,
  choices: RunChoices,
  intro: string,
  train: (emit: (event: SweepEvent) => Effect.Effect<void>) => Effect.Effect<SweepWithReport, E, R>
) =>
  Effect.gen(function*() {
    const startedAt = Date.now()
    if (choices.mode !== "json") yield* Console.log(`${intro}; store ${choices.storeDir}`)
    const report = yield* Effect.scoped(Effect.gen(function*() {
      const reporter = yield* makeProgressReporter({
        mode: choices.mode,
        experiment: experiment.name,
        runs: new Map(),
        concurrency: concurrencyFor(experiment, choices.concurrency, 1),
        out: process.stdout
      })
      return yield* train(reporter.onEvent)
    }))
    const { outcome } = report
    yield* printSweepEnd(choices.mode, outcome, startedAt, {
      lines: [...report.lines, "", ...writtenFileLines(report)],
      report: report.indexPath,
      fit: report.fitPath
    })
    if (outcome.failed.length > 0) {
      return yield* new SweepIncomplete({ failed: outcome.failed.map((f) => f.id), storeDir: choices.storeDir })
    }
  })

/** A data-mixture sweep: its runs, the law's fit and predicted best mixture, and the run trained there. */
const mixtureRun = (experiment: MixtureExperiment, choices: RunChoices, rerun: ReadonlyArray<string>) =>
  sweepWithReportRun(
    experiment,
    choices,
    `${experiment.name}: data mixture of ${Object.keys(experiment.sweep.corpora).join(", ")} over ` +
      `${experiment.sweep.budgets.length} budgets on ${experiment.execution.executor}`,
    (emit) => mixtureSweepFitReport(experiment, choices, emit, rerun)
  )

/** Annealing probes: the checkpoints, their control and candidate anneals, and each candidate's change. */
const annealingRun = (experiment: AnnealingExperiment, choices: RunChoices) =>
  sweepWithReportRun(
    experiment,
    choices,
    `${experiment.name}: annealing probes of ${Object.keys(experiment.sweep.candidates).join(", ")} over ` +
      `${experiment.sweep.budgets.length} budgets × ${experiment.sweep.seeds} seeds on ${experiment.execution.executor}`,
    (emit) => annealingSweepReport(experiment, choices, emit)
  )

export const runCommand = Command.make(
  "run",
  {
    spec: specArgument,
    store: storeFlag,
    concurrency: concurrencyFlag,
    executor: executorFlag("runs"),
    force: Flag.Boolean("force").pipe(Flag.withDescription("retrain every run, complete or not"), Flag.withDefault(false)),
    rerun: Flag.String("rerun").pipe(
      Flag.withDescription("retrain this run (an id or a unique prefix of one); repeat the flag for more"),
      Flag.atLeast(0)
    ),
    quiet: Flag.Boolean("quiet").pipe(Flag.withDescription("print only failures and the final summary"), Flag.withDefault(false)),
    json: jsonFlag
  },
  ({ spec, store, concurrency, executor, force, rerun, quiet, json }) =>
    Effect.gen(function*() {
      const loaded = specOfKind(yield* loadSpecOfAnyKind(spec))
      if (loaded._tag === "Table") return yield* runTableSpec(spec, loaded.table, store, json)
      // The store and the executor's services, once the spec's executor is settled: a bad --executor writes nothing.
      const trainIn = <A, E, R>(experiment: ExperimentSpec, train: (choices: RunChoices) => Effect.Effect<A, E, R>) =>
        Effect.gen(function*() {
          const storeDir = yield* storeDirFor(spec, Option.getOrUndefined(store), "write")
          const mode = chooseProgressMode({ json, quiet, isTTY: process.stdout.isTTY === true && process.env["TERM"] !== "dumb" })
          return yield* train({ storeDir, concurrency, force: force ? true : undefined, mode }).pipe(
            Effect.provide(Layer.merge(RunStore.layer(storeDir), executorLayer(experiment, storeDir, path.dirname(path.resolve(spec)))))
          )
        })
      if (loaded._tag === "Mixture") {
        const mixture = yield* withExecutor(loaded.mixture, executor)
        return yield* trainIn(mixture, (choices) => mixtureRun(mixture, choices, rerun))
      }
      if (loaded._tag === "Annealing") {
        if (rerun.length > 0) {
          return yield* new UserInputError({ message: "--rerun does not take annealing probes' runs; --force retrains all of them" })
        }
        const annealing = yield* withExecutor(loaded.annealing, executor)
        return yield* trainIn(annealing, (choices) => annealingRun(annealing, choices))
      }
      const experiment = yield* withExecutor(loaded.experiment, executor)
      yield* trainIn(experiment, (choices) => sweepFitReport(experiment, choices, rerun, spec))
    })
).pipe(Command.withDescription(
  "Plan, train, fit and report a spec's sweep. Resumable: finished runs are kept, interrupted ones resume from " +
    "their checkpoints, failed ones are retried. A data-mixture spec (sweep.kind: mixture) fits the data-mixing law " +
    "instead and trains its predicted best mix (docs/mixtures.md); an annealing spec (sweep.kind: annealing) trains " +
    "its checkpoints, then their anneals, and reports each candidate's loss change against the control (docs/annealing.md)"
))
