// Data-mixture sweeps (Llama 3 §3.1.2, Ye et al. 2024): at each budget one model size, trained on
// every weighting of the domains, so that each domain's loss can be fitted as a law of the weights.
import type { CorpusSource, DomainCorpus, MixtureExperiment, MixtureRunCorpus } from "@scalelab/spec"
import { mixtureWeights } from "@scalelab/spec"
import { reasonNumber } from "@scalelab/laws"
import { type Centre, centreOfLaw, type Plan, PlanError, type PlannedRun, plannedAtCentre, runOfSizing, sizeAtBudget } from "./isoflopPlan.ts"

/** A domain's corpus as runs read it: built-in and synthetic ones from the spec, files from their digests in `loaded`. */
const plannedDomain = (name: string, source: CorpusSource, loaded: DomainCorpus | undefined): DomainCorpus => {
  if (loaded !== undefined) return loaded
  if (typeof source === "string" || source.kind === "markov") return source
  throw new PlanError({
    message: `sweep.corpora.${name} names text files, whose digests are part of each run's id: plan with the ` +
      "corpora loaded (the trainer's runCorpus) to give the runs their ids",
    fields: [["sweep", "corpora", name]]
  })
}

/** A sweep sized by one model per budget: `params` in budget order, else the `centre` law's N*(C). */
interface OneSizePerBudget {
  readonly sweep: { readonly budgets: ReadonlyArray<number>; readonly params?: ReadonlyArray<number>; readonly centre: string }
}

/** The model size at each budget of a mixture or annealing sweep: the one given in `params`, else the `centre` law's N*(C). */
export const mixtureCentre = (experiment: OneSizePerBudget, budget: number): Centre => {
  const { sweep } = experiment
  const given = sweep.params?.[sweep.budgets.indexOf(budget)]
  if (given !== undefined) return { params: given, source: "params", reason: `N=${reasonNumber(given)} given in sweep.params` }
  return centreOfLaw(sweep.centre, budget)
}

/** A weight vector in words: `a=0.25, b=0.75`. */
export const describeWeights = (names: ReadonlyArray<string>, weights: ReadonlyArray<number>): string =>
  names.map((name, index) => `${name}=${reasonNumber(weights[index] ?? 0, 3)}`).join(", ")

/** The corpus of a run at one weight vector: every domain, in the order of `corpora`, with its weight. */
export const domainMixture = (
  corpora: Readonly<Record<string, CorpusSource>>,
  weights: ReadonlyArray<number>,
  loaded: Readonly<Record<string, DomainCorpus>> = {}
): MixtureRunCorpus => ({
  kind: "mixture",
  domains: Object.entries(corpora).map(([name, source], index) => ({
    name,
    corpus: plannedDomain(name, source, loaded[name]),
    weight: weights[index] ?? 0
  }))
})

/** A mixture sweep's run corpus at one weight vector. */
export const mixtureCorpus = (
  experiment: MixtureExperiment,
  weights: ReadonlyArray<number>,
  loaded: Readonly<Record<string, DomainCorpus>> = {}
): MixtureRunCorpus => domainMixture(experiment.sweep.corpora, weights, loaded)

/** The runs (one per seed) of one weight vector at one budget, with `why` leading their reason. */
export const planMixtureRuns = (
  experiment: MixtureExperiment,
  budget: number,
  weights: ReadonlyArray<number>,
  why: string,
  loaded: Readonly<Record<string, DomainCorpus>> = {}
): ReadonlyArray<PlannedRun> => {
  const centre = mixtureCentre(experiment, budget)
  const sizing = sizeAtBudget(experiment, budget, centre.params, `the model of ${reasonNumber(centre.params)} params`)
  const corpus = mixtureCorpus(experiment, weights, loaded)
  const names = Object.keys(experiment.sweep.corpora)
  return Array.from({ length: experiment.sweep.seeds }, (_, seed): PlannedRun => {
    const run = runOfSizing(experiment, budget, sizing, corpus, seed)
    return plannedAtCentre(run, centre, `${why} (${describeWeights(names, weights)}) at C=${reasonNumber(budget, 3)}: ${centre.reason}`)
  })
}

/**
 * The runs of a data-mixture sweep: at each budget one model (mixtureCentre), trained once per
 * weight vector and seed on the tokens that spend the budget. `loaded` gives file domains'
 * digests (the trainer's runCorpus of each domain).
 * Throws PlanError, or the laws package's LawInputError.
 */
export const planMixture = (experiment: MixtureExperiment, loaded: Readonly<Record<string, DomainCorpus>> = {}): Plan => {
  const vectors = mixtureWeights(experiment.sweep)
  const runs = experiment.sweep.budgets.flatMap((budget) =>
    vectors.flatMap((weights, index) => planMixtureRuns(experiment, budget, weights, `mixture ${index + 1} of ${vectors.length}`, loaded))
  )
  return { experiment: experiment.name, runs, notes: [] }
}
