import { Clock, Console, Effect, Option, Result } from "effect"
import { Command, Flag } from "effect/cli"
import { annealingCorpora, effectiveSpec, type ExperimentSpec, specOfKind, type TableExperiment } from "@scalelab/spec"
import type { Plan } from "@scalelab/planner"
import { stringify } from "yaml"
import { estimateLines } from "../estimate/estimateSummary.ts"
import {
  estimateRunSeconds,
  formatPlanNotes,
  loadSpecOfAnyKind,
  planAnnealingExperiment,
  planExperiment,
  planMixtureExperiment,
  type RunTimeEstimate,
  sci,
  seconds,
  storeDirFor,
  table
} from "@scalelab/sweep"
import { loadTableRows, runWeights, tableRowsTable, tableSource } from "@scalelab/analysis"
import { jsonFlag, storeFlag } from "../commonFlags.ts"
import { specArgument } from "./validate.ts"

const estimateFlag = Flag.Boolean("estimate").pipe(
  Flag.withDescription(
    "estimate each run's training time from this machine's measured speed (the first plan on a machine times a " +
      "few steps of some runs; later ones read <store>/cache/); --no-estimate skips it"
  ),
  Flag.withDefault(true)
)

/** A mixture of experts' plan shows its total parameters beside params (the active ones), a dense plan only params. */
const planTable = (plan: Plan, estimate: RunTimeEstimate | undefined): string => {
  const experts = plan.runs.some(({ run }) => run.shape.moe !== undefined)
  return table(
    ["id", "budget", "params", ...(experts ? ["params_total"] : []), "tokens", "flops", "layers", "d_model", "heads/kv", "lr", "batch", "steps", "epochs", "est. time"],
    plan.runs.map(({ run, params_total, epochs }, index) => [
      run.id,
      sci(run.budget),
      sci(run.params),
      ...(experts ? [sci(params_total)] : []),
      sci(run.tokens),
      sci(run.flops),
      String(run.shape.layers),
      String(run.shape.d_model),
      `${run.shape.heads}/${run.shape.kv_heads}`,
      sci(run.training.lr),
      String(run.training.batch_tokens),
      String(Math.ceil(run.tokens / run.training.batch_tokens)),
      epochs === undefined ? "" : epochs.toFixed(2),
      estimate === undefined ? "" : seconds(estimate.runs[index]?.seconds ?? Number.NaN)
    ])
  )
}

/** `plan --json`'s estimate: the sweep's times and where the speeds come from (each run carries its own). */
const estimateJson = (estimate: RunTimeEstimate) => ({
  basis: "training steps on an otherwise idle machine; each run's start-up and evaluations come on top",
  concurrency: estimate.concurrency,
  sweep_seconds: estimate.sweep_seconds,
  remaining_seconds: estimate.remaining_seconds,
  ...(estimate.probe === undefined ? {} : { probe: estimate.probe })
})

/** A table spec's plan: no runs to train, and the table's runs, which `scalelab run` fits. */
const tableSpecPlan = (spec: string, experiment: TableExperiment, json: boolean) =>
  Effect.gen(function* () {
    const results = yield* loadTableRows(spec)
    if (json) {
      const rows = results.points.map(({ id, params, tokens, flops, budget, loss }) => ({ id, params, tokens, flops, budget, loss }))
      return yield* Console.log(JSON.stringify({ spec: effectiveSpec(experiment), runs: [], table: { file: experiment.sweep.file, dataset: experiment.sweep.dataset, rows } }, null, 2))
    }
    yield* Console.log(`# effective spec (defaults filled in)\n${stringify(effectiveSpec(experiment)).trimEnd()}\n`)
    yield* Console.log(`No runs to train: ${tableSource(spec, experiment, results)}. \`scalelab run\` fits these runs:\n`)
    yield* Console.log(tableRowsTable(results))
  })

/**
 * The plan of a spec whose runs mix domains (a data mixture, annealing probes): each run's weights
 * and, for an anneal, the checkpoint it starts from.
 */
const domainSpecPlan = (experiment: ExperimentSpec, plan: Plan, names: ReadonlyArray<string>, json: boolean) =>
  Effect.gen(function* () {
    if (json) return yield* Console.log(JSON.stringify({ spec: effectiveSpec(experiment), runs: plan.runs, notes: [] }, null, 2))
    yield* Console.log(`# effective spec (defaults filled in)\n${stringify(effectiveSpec(experiment)).trimEnd()}\n`)
    const anneals = plan.runs.some(({ run }) => run.init !== undefined)
    yield* Console.log(table(
      ["id", "budget", "params", "tokens", ...names.map((name) => `w.${name}`), "seed", "lr", "batch", ...(anneals ? ["from"] : [])],
      plan.runs.map(({ run }) => [
        run.id,
        sci(run.budget),
        String(run.params),
        String(run.tokens),
        ...(runWeights(run)?.map((weight) => weight.toFixed(3)) ?? names.map(() => "")),
        String(run.seed),
        run.training.lr.toPrecision(3),
        String(run.training.batch_tokens),
        ...(anneals ? [run.init === undefined ? "—" : run.init.run] : [])
      ])
    ))
    const totalFlops = plan.runs.reduce((sum, { run }) => sum + run.flops, 0)
    yield* Console.log(`\n${plan.runs.length} runs, ${sci(totalFlops)} training FLOPs in all`)
  })

export const planCommand = Command.make(
  "plan",
  { spec: specArgument, json: jsonFlag, store: storeFlag, estimate: estimateFlag },
  ({ spec, json, store, estimate: wantEstimate }) =>
    Effect.gen(function* () {
      const loaded = specOfKind(yield* loadSpecOfAnyKind(spec))
      if (loaded._tag === "Table") return yield* tableSpecPlan(spec, loaded.table, json)
      if (loaded._tag === "Mixture") {
        return yield* domainSpecPlan(loaded.mixture, yield* planMixtureExperiment(loaded.mixture), Object.keys(loaded.mixture.sweep.corpora), json)
      }
      if (loaded._tag === "Annealing") {
        const { annealing } = loaded
        return yield* domainSpecPlan(annealing, yield* planAnnealingExperiment(annealing), Object.keys(annealingCorpora(annealing.sweep)), json)
      }
      const { experiment } = loaded
      const storeDir = yield* storeDirFor(spec, Option.getOrUndefined(store), "write")
      // The store's tokenizer cache: a BPE trained to plan is the one its runs then load.
      const plan = yield* planExperiment(experiment, storeDir)
      // A plan is worth showing without its estimate: a failed estimate is reported, not fatal.
      const outcome = wantEstimate ? yield* Effect.result(estimateRunSeconds(experiment, plan, storeDir)) : undefined
      const estimate = outcome !== undefined && Result.isSuccess(outcome) ? outcome.success : undefined
      const estimateFailure = outcome !== undefined && Result.isFailure(outcome) ? outcome.failure : undefined
      const notes = yield* formatPlanNotes(spec, plan.notes)
      if (json) {
        const runs = plan.runs.map((planned, index) => {
          const run = estimate?.runs[index]
          return run === undefined ? planned : { ...planned, estimated_seconds: run.seconds, estimate_source: run.source }
        })
        const estimateField = estimate !== undefined
          ? { estimate: estimateJson(estimate) }
          : estimateFailure !== undefined
          ? { estimate: { error: estimateFailure.message } }
          : {}
        yield* Console.log(JSON.stringify({ spec: effectiveSpec(experiment), runs, notes, ...estimateField }, null, 2))
        return
      }
      yield* Console.log(`# effective spec (defaults filled in)\n${stringify(effectiveSpec(experiment)).trimEnd()}\n`)
      yield* Console.log(planTable(plan, estimate))
      const totalFlops = plan.runs.reduce((sum, { run }) => sum + run.flops, 0)
      yield* Console.log(`\n${plan.runs.length} runs, ${sci(totalFlops)} training FLOPs in all`)
      if (notes.length > 0) yield* Console.log(notes.join("\n"))
      if (estimate !== undefined) yield* Console.log(estimateLines(estimate, yield* Clock.currentTimeMillis).join("\n"))
      if (estimateFailure !== undefined) yield* Console.log(`not estimated: ${estimateFailure.message}`)
      const repeating = plan.runs.filter((p) => (p.epochs ?? 0) > 1)
      if (repeating.length > 0) {
        const most = Math.max(...repeating.map((p) => p.epochs ?? 0))
        yield* Console.log(
          `${repeating.length} runs see the corpus more than once (up to ${most.toFixed(2)} epochs); ` +
            "their effective tokens D' (Muennighoff et al. 2023) are in `plan --json` as effective_tokens"
        )
      }
    })
).pipe(Command.withDescription("List the runs a spec plans: id, N (a mixture of experts' active parameters, with params_total beside it), D, FLOPs, shape, learning rate, batch, estimated time"))
