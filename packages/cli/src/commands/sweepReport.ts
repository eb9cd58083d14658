import * as path from "node:path"
import { Console, Effect, Option } from "effect"
import { RunStore } from "@scalelab/runner"
import { type AnnealingExperiment, type HyperparameterExperiment, type MixtureExperiment, specOfKind } from "@scalelab/spec"
import { existingStoreFor, loadSpecOfAnyKind, planExperiment, planMixtureExperiment } from "@scalelab/sweep"
import {
  annealingReportFromStore,
  fitAndReportHyperparameters,
  fitAndReportMixture,
  hyperparameterReportLines,
  storedPredictedMix,
  writtenFileLines
} from "@scalelab/analysis"

/** What `fit` and `report` take from their flags for a sweep whose fit is not a loss law. */
export interface SweepReportFlags {
  readonly out: Option.Option<string>
  readonly store: Option.Option<string>
  /** Resamples instead of the spec's fit.bootstrap. */
  readonly bootstrap: Option.Option<number>
  readonly seed: number
  /** The fit.json record instead of the summary. */
  readonly json: boolean
}

const storeOf = (input: string, flags: SweepReportFlags) =>
  existingStoreFor(input, Option.getOrUndefined(flags.store), `run \`scalelab run ${input}\` first, or pass --store DIR`)

const outDirOf = (flags: SweepReportFlags) => Option.isSome(flags.out) ? { outDir: flags.out.value } : {}

const print = (flags: SweepReportFlags, record: unknown, lines: ReadonlyArray<string>) =>
  Console.log(flags.json ? JSON.stringify(record, null, 2) : lines.join("\n"))

/** A hyperparameter sweep: lr*(C) and B*(C) from its finished runs, fit.json and the report, as `run` ends. */
const hyperparameterSweepReport = (input: string, experiment: HyperparameterExperiment, flags: SweepReportFlags) =>
  Effect.gen(function*() {
    const storeDir = yield* storeOf(input, flags)
    const plan = yield* planExperiment(experiment, storeDir).pipe(Effect.provide(RunStore.layer(storeDir)))
    const report = yield* fitAndReportHyperparameters(experiment, plan, storeDir, {
      ...outDirOf(flags),
      bootstrap: { resamples: Option.getOrElse(flags.bootstrap, () => experiment.fit.bootstrap), seed: flags.seed }
    })
    yield* print(flags, report.record, hyperparameterReportLines(report))
  })

/** A data-mixture sweep: the data-mixing law from its finished runs (nothing trained), fit.json and the report, as `run` ends. */
const mixtureSweepReport = (input: string, experiment: MixtureExperiment, flags: SweepReportFlags) =>
  Effect.gen(function*() {
    const storeDir = yield* storeOf(input, flags)
    const resampled = Option.match(flags.bootstrap, {
      onNone: () => experiment,
      onSome: (bootstrap) => ({ ...experiment, fit: { ...experiment.fit, bootstrap } })
    })
    const report = yield* fitAndReportMixture(resampled, yield* planMixtureExperiment(resampled), storeDir, {
      ...outDirOf(flags),
      trainPredicted: storedPredictedMix
    })
    yield* print(flags, report.record, [...report.lines, "", ...writtenFileLines(report)])
  })

/** Annealing probes: each candidate's change against the control from the runs in the store (nothing trained), fit.json and the report. */
const annealingSweepReport = (input: string, experiment: AnnealingExperiment, flags: SweepReportFlags) =>
  Effect.gen(function*() {
    const storeDir = yield* storeOf(input, flags)
    const report = yield* annealingReportFromStore(experiment, storeDir, Option.getOrUndefined(flags.out))
    yield* print(flags, report.record, [...report.lines, "", ...writtenFileLines(report)])
  })

/**
 * `fit` and `report` of a spec fitted otherwise than by a loss law (a hyperparameter grid, a data
 * mixture, annealing probes): fits its finished runs, writes fit.json and the report as `run` does at its end, and
 * prints the fit. Returns false for any other input, which the command reads as results.
 */
export const sweepSpecReport = (input: string, flags: SweepReportFlags) =>
  Effect.gen(function*() {
    if (![".yaml", ".yml"].includes(path.extname(input).toLowerCase())) return false
    const kind = specOfKind(yield* loadSpecOfAnyKind(input))
    if (kind._tag === "Hyperparameters") yield* hyperparameterSweepReport(input, kind.experiment, flags)
    else if (kind._tag === "Mixture") yield* mixtureSweepReport(input, kind.mixture, flags)
    else if (kind._tag === "Annealing") yield* annealingSweepReport(input, kind.annealing, flags)
    else return false
    return true
  })
