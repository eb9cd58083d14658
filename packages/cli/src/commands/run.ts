import { availableParallelism } from "node:os"
import * as path from "node:path"
import { Console, Data, Effect, Layer, Option, Result } from "effect"
import { Command, Flag } from "effect/cli"
import { fitIsoflop, fitIsoflopCurves, forecastIsoflop } from "@scalelab/laws"
import type { Plan, PlannedRun } from "@scalelab/planner"
import { LocalExecutor, RunStore, runSweep, type SweepEvent } from "@scalelab/runner"
import { effectiveSpec, type Experiment } from "@scalelab/spec"
import { seconds, sci } from "../format.ts"
import { type IsoflopOutcome, writeIsoflopReport } from "../isoflopReport.ts"
import { attempt } from "../pureInput.ts"
import { loadSpec } from "../specInput.ts"
import { storeDirFor } from "../storeLocation.ts"
import { builtinWorkerCommand } from "../workerCommand.ts"
import { planExperiment } from "../planExperiment.ts"
import { specArgument } from "./validate.ts"

export const storeFlag = Flag.String("store").pipe(
  Flag.withDescription("store folder (default: .scalelab/ beside the spec)"),
  Flag.optional
)

/** Some runs failed every attempt: what finished is kept, and `scalelab run` again retries the rest. */
export class SweepIncomplete extends Data.TaggedError("SweepIncomplete")<{
  readonly failed: ReadonlyArray<string>
  readonly storeDir: string
}> {
  override get message() {
    return `${this.failed.length} run(s) failed: ${this.failed.join(", ")}. Their logs are in ` +
      `${path.join(this.storeDir, "runs", "<id>", "worker.log")}; run the same command again to retry them.`
  }
}

const forecastTargets = (experiment: Experiment): ReadonlyArray<number> =>
  experiment.forecast.compute.length > 0 ? experiment.forecast.compute : [10 * Math.max(...experiment.sweep.budgets)]

const fitSummary = (isoflop: IsoflopOutcome): ReadonlyArray<string> => {
  if (isoflop._tag === "CurvesOnly") return ["IsoFLOP curves fitted per budget; no power law (see below)."]
  const { fit, forecasts } = isoflop
  const unbracketed = fit.budgets.filter((b) => !b.bracketed).map((b) => sci(b.budget))
  return [
    `IsoFLOP fit over ${fit.used_budgets.length} of ${fit.budgets.length} budgets` +
    (unbracketed.length > 0 ? ` (minimum not bracketed at ${unbracketed.join(", ")}: widen span or move the centre)` : ""),
    `  N*(C) = ${sci(fit.params_opt.k)} · C^${fit.params_opt.a.toFixed(3)}   (R² ${fit.r2s.params.toFixed(3)})`,
    `  D*(C) = ${sci(fit.tokens_opt.k)} · C^${fit.tokens_opt.b.toFixed(3)}   (R² ${fit.r2s.tokens.toFixed(3)})`,
    ...forecasts.map((f) =>
      `forecast at C = ${sci(f.compute)} FLOPs: N* = ${sci(f.params)} params, D* = ${sci(f.tokens)} tokens, loss ≈ ${f.loss.toFixed(3)}`)
  ]
}

const concurrencyFor = (experiment: Experiment, flag: Option.Option<number>): number =>
  Option.getOrElse(flag, () =>
    experiment.execution.concurrency === "auto" ? availableParallelism() : experiment.execution.concurrency)

/** One line per event: readable in a terminal and in a CI log alike. */
const eventLine = (runs: ReadonlyMap<string, PlannedRun>, total: number) => {
  let finished = 0
  return (event: SweepEvent): string => {
    const run = runs.get(event.id)?.run
    const what = run === undefined ? event.id : `${event.id} (C=${sci(run.budget)}, N=${sci(run.params)}, D=${sci(run.tokens)})`
    switch (event._tag) {
      case "RunStarted":
        return `start   ${what}${event.attempt > 1 ? ` attempt ${event.attempt}` : ""}`
      case "RunFinished":
        finished++
        return `done    ${what} [${finished}/${total}] in ${seconds(event.seconds)}: val_loss ${event.result.val_loss.toFixed(4)}, ` +
          `${sci(event.result.tokens_per_s)} tokens/s on ${event.result.backend}` +
          (event.result.status === "diverged" ? " — DIVERGED" : "")
      case "RunAttemptFailed":
        return `failed  ${what} attempt ${event.attempt} after ${seconds(event.seconds)}${event.willRetry ? ", will retry" : ""}: ${event.reason}`
      case "RunSkipped":
        finished++
        return `skip    ${what} [${finished}/${total}]: already complete${event.healed ? " (store updated from its folder)" : ""}`
    }
  }
}

/** Train what is not yet trained, then fit every finished run of the plan and write the report. */
const sweepFitReport = (experiment: Experiment, plan: Plan, storeDir: string, workers: number, force: boolean) =>
  Effect.gen(function* () {
    const startedAt = Date.now()
    const runsById = new Map(plan.runs.map((planned) => [planned.run.id, planned]))
    yield* Console.log(
      `${experiment.name}: ${plan.runs.length} runs over ${experiment.sweep.budgets.length} budgets, ` +
        `${workers} at a time; store ${storeDir}`
    )
    const toLine = eventLine(runsById, plan.runs.length)
    const outcome = yield* runSweep(experiment.name, plan.runs.map((p) => p.run), {
      storeDir,
      concurrency: workers,
      retries: experiment.execution.retries,
      force,
      experimentSpec: effectiveSpec(experiment),
      onEvent: (event) => Console.log(toLine(event))
    })
    // Only this plan's runs: results of runs from an earlier version of the spec stay in the
    // store but do not belong to this sweep.
    const rows = (yield* (yield* RunStore).results(experiment.name)).filter((row) => runsById.has(row.run_id))
    const points = rows.map((row) => ({ id: row.run_id, params: row.params, tokens: row.tokens, budget: row.budget, loss: row.loss }))
    const curves = yield* attempt(() => fitIsoflopCurves(points))
    const powerLaws = yield* Effect.result(attempt(() => {
      const fit = fitIsoflop(points)
      return { _tag: "Fitted", fit, forecasts: forecastTargets(experiment).map((compute) => forecastIsoflop(fit, compute)) } as const
    }))
    const isoflop: IsoflopOutcome = Result.isSuccess(powerLaws)
      ? powerLaws.success
      : { _tag: "CurvesOnly", budgets: curves, reason: powerLaws.failure.message }
    const report = yield* writeIsoflopReport(path.join(storeDir, "reports", experiment.name), experiment.name, points, isoflop)
    yield* Console.log(["", ...fitSummary(isoflop), `report: ${report.indexPath}`, ...report.plotPaths.map((p) => `        ${p}`),
      `fit:    ${report.fitPath}`,
      `${outcome.completed.length} runs trained, ${outcome.skipped} already complete, ${outcome.failed.length} failed; ` +
      `${seconds((Date.now() - startedAt) / 1000)} wall`].join("\n"))
    if (Result.isFailure(powerLaws)) return yield* powerLaws.failure
    if (outcome.failed.length > 0) {
      return yield* Effect.fail(new SweepIncomplete({ failed: outcome.failed.map((f) => f.id), storeDir }))
    }
  })

export const runCommand = Command.make(
  "run",
  {
    spec: specArgument,
    store: storeFlag,
    concurrency: Flag.Int("concurrency").pipe(
      Flag.withDescription("runs training at once (default: the spec's execution.concurrency; auto = CPU cores)"),
      Flag.optional
    ),
    executor: Flag.Literals("executor", ["local"]).pipe(
      Flag.withDescription("where runs execute: local worker processes"),
      Flag.withDefault("local")
    ),
    force: Flag.Boolean("force").pipe(Flag.withDescription("rerun runs that are already complete"), Flag.withDefault(false))
  },
  ({ spec, store, concurrency, force }) =>
    Effect.gen(function* () {
      const experiment = yield* loadSpec(spec)
      const storeDir = storeDirFor(spec, Option.getOrUndefined(store))
      const plan = yield* planExperiment(experiment, storeDir)
      yield* sweepFitReport(experiment, plan, storeDir, concurrencyFor(experiment, concurrency), force).pipe(
        Effect.provide(Layer.merge(RunStore.layer(storeDir), LocalExecutor.layer({ workerCommand: builtinWorkerCommand(storeDir) })))
      )
    })
).pipe(Command.withDescription("Plan, train, fit and report a spec's sweep; resumable (finished runs are not redone)"))
