// The columns that tell a hyperparameter grid's or a data mixture's runs apart, beside the columns
// every run has (N, D, loss): read from each run's folder (run.json, result.json), since the
// store's run rows hold only what every sweep has.
import { Effect } from "effect"
import { readRunResult, readRunSpec, runFolderPath } from "@scalelab/runner"
import { annealingCorpora, type SpecOfKind } from "@scalelab/spec"
import { runWeights } from "./mixtureFit.ts"

/** Extra columns by name, in order, and each run's values (absent where a run has none yet). */
export interface SweepRunColumns {
  readonly columns: ReadonlyArray<string>
  readonly values: ReadonlyMap<string, Readonly<Record<string, number | undefined>>>
}

const noColumns: SweepRunColumns = { columns: [], values: new Map() }

/**
 * A hyperparameter grid's runs: `lr` and `batch_tokens`. A data mixture's and annealing probes': each
 * domain's weight (`weight.<domain>`) and the validation loss on it (`val_loss.<domain>`, once the
 * run completed). Other sweeps have none.
 */
export const sweepRunColumns = (kind: SpecOfKind, storeDir: string, ids: ReadonlyArray<string>): Effect.Effect<SweepRunColumns> => {
  if (kind._tag !== "Hyperparameters" && kind._tag !== "Mixture" && kind._tag !== "Annealing") return Effect.succeed(noColumns)
  const domains = kind._tag === "Mixture"
    ? Object.keys(kind.mixture.sweep.corpora)
    : kind._tag === "Annealing"
    ? Object.keys(annealingCorpora(kind.annealing.sweep))
    : []
  const columns = kind._tag === "Hyperparameters"
    ? ["lr", "batch_tokens"]
    : [...domains.map((domain) => `weight.${domain}`), ...domains.map((domain) => `val_loss.${domain}`)]
  const valuesOf = (id: string) =>
    Effect.gen(function*() {
      const folder = runFolderPath(storeDir, id)
      const run = yield* Effect.option(readRunSpec(folder))
      if (run._tag === "None") return {}
      if (kind._tag === "Hyperparameters") return { lr: run.value.training.lr, batch_tokens: run.value.training.batch_tokens }
      const weights = runWeights(run.value) ?? []
      const result = yield* Effect.option(readRunResult(folder))
      const byDomain = result._tag === "Some" ? result.value.val_loss_by_domain ?? {} : {}
      return Object.fromEntries(domains.flatMap((domain, i) => [[`weight.${domain}`, weights[i]], [`val_loss.${domain}`, byDomain[domain]]]))
    })
  return Effect.map(Effect.forEach(ids, (id) => Effect.map(valuesOf(id), (values) => [id, values] as const)), (entries) => ({ columns, values: new Map(entries) }))
}
