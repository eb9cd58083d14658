import { existsSync } from "node:fs"
import { Effect } from "effect"
import type { IsoflopPoint, Stepwise } from "@scalelab/laws"
import { type CorpusFacts, type Plan, planAdaptive, planHyperparametersSteps, planIsoflopSteps, planMixture } from "@scalelab/planner"
import { databasePath, RunStore } from "@scalelab/runner"
import type { CorpusSource, MixtureExperiment, TrainedSpec } from "@scalelab/spec"
import { corpusFacts, mixtureDomainCorpora } from "@scalelab/train/training-data"
import { attempt, attemptStepwise } from "./pureInput.ts"
import { tokenizerCacheDir } from "./workerCommand.ts"

/** Whether the sweep plans each budget on the results of those below it (an adaptive IsoFLOP sweep). */
export const isAdaptive = (spec: TrainedSpec): boolean => spec.sweep.kind === "isoflop" && spec.sweep.adaptive

/** How a run ended, as far as planning cares: its point, or `diverged` (an end with no point). */
export type RunEnding = IsoflopPoint | "diverged"

/**
 * What the corpus is (file digests go into run ids) and its size, so that the planner can tell
 * which runs repeat their data (and what those tokens are worth: Muennighoff et al. 2023).
 */
export const loadCorpusFacts = (experiment: TrainedSpec, storeDir: string) =>
  attempt(() => corpusFacts(experiment.data, { cacheDirectory: tokenizerCacheDir(storeDir) }))

/** Domains as runs read them: file domains by their digests. */
export const loadDomainCorpora = (corpora: Readonly<Record<string, CorpusSource>>) => attempt(() => mixtureDomainCorpora(corpora))

/** A data-mixture sweep's domains as its runs read them. */
export const loadMixtureDomains = (experiment: MixtureExperiment) => loadDomainCorpora(experiment.sweep.corpora)

/** A data-mixture sweep's plan, its file domains read for their digests. */
export const planMixtureExperiment = (experiment: MixtureExperiment) =>
  Effect.flatMap(loadMixtureDomains(experiment), (domains) => attempt(() => planMixture(experiment, domains)))

/**
 * The plan as far as the ended runs settle it. A static sweep is planned whole. An adaptive one is
 * planned round by round (a budget's window, then any sizes added past its edge, then the next
 * budget): while every planned run has ended, the plan is made again with their results; so the
 * same store always gives the same plan, and a sweep killed at any point resumes onto the very
 * runs it had started.
 */
export const settledPlan = (spec: TrainedSpec, corpus: CorpusFacts, ended: ReadonlyMap<string, RunEnding>) =>
  attemptStepwise(function*(): Stepwise<Plan> {
    const { sweep } = spec
    // A hyperparameter grid is planned whole, as a static IsoFLOP sweep is.
    if (sweep.kind === "hyperparameters") return yield* planHyperparametersSteps({ ...spec, sweep }, corpus)
    const experiment = { ...spec, sweep }
    if (!sweep.adaptive) return yield* planIsoflopSteps(experiment, corpus)
    const finished: Array<IsoflopPoint> = []
    const counted = new Set<string>()
    for (;;) {
      const plan = planAdaptive(experiment, finished, corpus)
      if (!plan.runs.every(({ run }) => ended.has(run.id))) return plan
      const fresh = plan.runs.filter(({ run }) => !counted.has(run.id))
      for (const { run } of fresh) counted.add(run.id)
      const points = fresh.flatMap(({ run }) => {
        const ending = ended.get(run.id)
        return ending === undefined || ending === "diverged" ? [] : [ending]
      })
      // Every round planned and trained, or a round whose runs all diverged: nothing more to plan on.
      if (points.length === 0) return plan
      finished.push(...points)
      yield
    }
  })

/** The experiment's runs that have ended, from the store. */
export const endedRuns = (experiment: string) =>
  Effect.gen(function*() {
    const store = yield* RunStore
    const points = new Map((yield* store.results(experiment)).map((row) => [row.run_id, row]))
    const ended = new Map<string, RunEnding>()
    for (const row of yield* store.listRuns(experiment)) {
      const point = points.get(row.id)
      if (row.status === "diverged") ended.set(row.id, "diverged")
      else if (row.status === "completed" && point !== undefined) {
        ended.set(row.id, { budget: point.budget, params: point.params, tokens: point.tokens, loss: point.loss })
      }
    }
    return ended as ReadonlyMap<string, RunEnding>
  })

/**
 * The plan of an experiment for commands that read a store but do not train (`plan`, `fit`): an
 * adaptive sweep's later budgets depend on the results it holds. Opening a store creates it, so a
 * store that does not exist yet counts as empty.
 */
export const planExperiment = (experiment: TrainedSpec, storeDir: string) =>
  Effect.gen(function*() {
    const corpus = yield* loadCorpusFacts(experiment, storeDir)
    const ended = isAdaptive(experiment) && existsSync(databasePath(storeDir))
      ? yield* endedRuns(experiment.name).pipe(Effect.provide(RunStore.layer(storeDir)))
      : new Map<string, RunEnding>()
    return yield* settledPlan(experiment, corpus, ended)
  })
