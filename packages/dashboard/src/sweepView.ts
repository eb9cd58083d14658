// The panels of an experiment that the IsoFLOP fit panel does not show: a hyperparameter grid's
// loss against lr and lr*(C), B*(C); a data mixture's domain and target losses against the
// weights; annealing probes' changes against the control; the memorization rate when runs measured it. Each plot is the report's own section
// (the same functions draw both), fitted from the runs in the store with the spec the sweep recorded.
import { Effect, Option, Schema } from "effect"
import {
  annealingLines,
  annealingSections,
  fitHyperparameterRuns,
  hyperparameterPoints,
  hyperparameterSections,
  hyperparameterSummary,
  memorizationSections,
  mixtureFitLines,
  mixtureSections,
  specBootstrap,
  storedAnnealingSummary,
  storedMixtureFit
} from "@scalelab/analysis"
import type { ReportSection, TopLevelSpec } from "@scalelab/plots"
import { readRunSpec, type ResultRow, RunStore, runFolderPath } from "@scalelab/runner"
import { type AnnealingExperiment, ExperimentSchema, type HyperparameterExperiment, type MixtureExperiment, specOfKind } from "@scalelab/spec"

export interface SweepPanel {
  readonly title: string
  readonly name: string
  readonly caption: string
  readonly spec: TopLevelSpec
}

export interface SweepView {
  /** The sweep's kind when it has panels of its own; null for an IsoFLOP sweep (the fit panel shows it) or an unknown spec. */
  readonly kind: "hyperparameters" | "mixture" | "annealing" | null
  readonly title: string | null
  /** The fit in lines, as the terminal and the report say it. */
  readonly summary: ReadonlyArray<string>
  readonly panels: ReadonlyArray<SweepPanel>
  /** Why the sweep's own panels are missing (no finished runs yet, too few to fit). */
  readonly problem: string | null
}

// Every section these builders give is a plot; a table section would have no place here.
const panelOf = (section: ReportSection): Array<SweepPanel> =>
  "spec" in section ? [{ title: section.title, name: section.name ?? section.title, caption: section.caption ?? "", spec: section.spec }] : []

const decodeSpec = Schema.decodeUnknownOption(ExperimentSchema)

const hyperparameterView = (experiment: HyperparameterExperiment, storeDir: string, results: ReadonlyArray<ResultRow>) =>
  Effect.gen(function*() {
    const specs = yield* Effect.forEach(results, (row) =>
      Effect.map(Effect.option(readRunSpec(runFolderPath(storeDir, row.run_id))), (run) => Option.map(run, (spec) => [row.run_id, spec] as const)))
    const runs = hyperparameterPoints(results, new Map(specs.flatMap(Option.toArray)))
    const base = { kind: "hyperparameters", title: `Hyperparameter grid — ${experiment.name}` } as const
    if (runs.length === 0) return { ...base, summary: [], panels: [], problem: "no finished runs yet" }
    return yield* fitHyperparameterRuns(runs, specBootstrap(experiment)).pipe(
      Effect.map(({ fit, bootstrap }) => ({
        ...base,
        summary: hyperparameterSummary({ fit, bootstrap }),
        panels: hyperparameterSections(runs, fit, bootstrap).flatMap(panelOf),
        problem: null
      })),
      Effect.catchTag("UserInputError", (error) => Effect.succeed({ ...base, summary: [], panels: [], problem: error.message }))
    )
  })

const mixtureView = (experiment: MixtureExperiment, storeDir: string) =>
  Effect.gen(function*() {
    const runs = yield* (yield* RunStore).listRuns(experiment.name, ["completed"])
    const { fits, validation } = yield* storedMixtureFit(experiment, storeDir, runs)
    const base = { kind: "mixture", title: `Data mixture — ${experiment.name}` } as const
    if (fits.length === 0) return { ...base, summary: [], panels: [], problem: "no finished runs yet" }
    return {
      ...base,
      summary: mixtureFitLines(experiment, fits, validation),
      panels: mixtureSections(experiment, fits, validation).flatMap(panelOf),
      problem: null
    }
  })

const annealingView = (experiment: AnnealingExperiment, storeDir: string) => {
  const base = { kind: "annealing", title: `Annealing probes — ${experiment.name}` } as const
  return storedAnnealingSummary(experiment, storeDir).pipe(
    Effect.map((summary) =>
      summary.budgets.every((budget) => budget.seeds === 0)
        ? { ...base, summary: [], panels: [], problem: "no checkpoint has finished with its control anneal yet" }
        : { ...base, summary: annealingLines(experiment, summary), panels: annealingSections(summary).flatMap(panelOf), problem: null }
    ),
    // The recorded spec no longer plans (its corpus files moved, say): said in the panel, not a failed request.
    Effect.catchTag("UserInputError", (error) => Effect.succeed({ ...base, summary: [], panels: [], problem: error.message }))
  )
}

/** The experiment's own panels and its memorization panel, from the spec its sweep recorded and its runs in the store. */
export const sweepView = (storeDir: string, name: string) =>
  Effect.gen(function*() {
    const store = yield* RunStore
    const results = yield* store.results(name)
    const memorization = memorizationSections(
      name,
      results.map((row) => ({ id: row.run_id, params: row.params, tokens: row.tokens, budget: row.budget, ...(row.memorization === null ? {} : { memorization: row.memorization }) }))
    ).flatMap(panelOf)
    const spec = Option.flatMap(yield* store.experimentSpec(name), decodeSpec)
    const kind = Option.map(spec, specOfKind)
    const own: Omit<SweepView, "panels"> & { readonly panels: ReadonlyArray<SweepPanel> } = Option.isNone(kind)
      ? { kind: null, title: null, summary: [], panels: [], problem: null }
      : kind.value._tag === "Hyperparameters"
      ? yield* hyperparameterView(kind.value.experiment, storeDir, results)
      : kind.value._tag === "Mixture"
      ? yield* mixtureView(kind.value.mixture, storeDir)
      : kind.value._tag === "Annealing"
      ? yield* annealingView(kind.value.annealing, storeDir)
      : { kind: null, title: null, summary: [], panels: [], problem: null }
    return { ...own, panels: [...own.panels, ...memorization] } satisfies SweepView
  })

/**
 * sweepView by experiment, fitted again only when its completed runs changed: a bootstrap takes
 * seconds, and the page asks again whenever a run ends.
 */
export const makeSweepViewCache = (storeDir: string) => {
  const latest = new Map<string, { readonly key: string; readonly view: SweepView }>()
  return (name: string) =>
    Effect.gen(function*() {
      const results = yield* (yield* RunStore).results(name)
      const key = JSON.stringify(results.map((row) => [row.run_id, row.loss, row.memorization]))
      const cached = latest.get(name)
      if (cached?.key === key) return cached.view
      const view = yield* sweepView(storeDir, name)
      latest.set(name, { key, view })
      return view
    })
}
