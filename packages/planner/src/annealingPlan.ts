// Annealing probes (Llama 3 §3.1.3): at each budget and seed, a checkpoint trained on the default
// data at a constant learning rate after warmup (the stable phase of a warmup-stable-decay run),
// then annealed linearly to zero, once on the default data alone (the control) and once per
// candidate mixed in at the sweep's weight. Every run is scored on every domain's held-out text.
import type { AnnealingExperiment, DomainCorpus, RunSpec } from "@scalelab/spec"
import { ANNEALING_BASE, annealingCorpora, runSteps } from "@scalelab/spec"
import { reasonNumber, trainingFlops } from "@scalelab/laws"
import { contentId } from "./contentId.ts"
import { type Plan, type PlannedRun, plannedAtCentre, runOfSizing, sizeAtBudget } from "./isoflopPlan.ts"
import { describeWeights, domainMixture, mixtureCentre } from "./mixturePlan.ts"

/** One checkpoint and its anneals: the control, and one per candidate in the order of `candidates`. */
export interface AnnealingProbes {
  readonly budget: number
  readonly seed: number
  readonly checkpoint: RunSpec
  readonly control: RunSpec
  readonly candidates: ReadonlyArray<{ readonly name: string; readonly run: RunSpec }>
}

export interface AnnealingPlan extends Plan {
  /** Checkpoint by checkpoint, in budget then seed order. */
  readonly probes: ReadonlyArray<AnnealingProbes>
}

/** A run with some of its content replaced, and its id made again from the new content. */
const withContent = (run: RunSpec, changes: Partial<Omit<RunSpec, "id">>): RunSpec => {
  const { id: _previous, ...content } = run
  const changed = { ...content, ...changes }
  return { id: contentId(changed), ...changed }
}

/** Tokens of an anneal: `fraction` of the checkpoint's, in whole batches, at least one. */
const annealTokens = (checkpoint: RunSpec, fraction: number): number => {
  const batch = checkpoint.training.batch_tokens
  return Math.max(1, Math.round((fraction * checkpoint.tokens) / batch)) * batch
}

/**
 * The anneal of `checkpoint` on `weights` (one per domain, the default data first): its weights,
 * AdamW moments and data position carried over (`init`), the learning rate decayed linearly from
 * the checkpoint's to zero over `anneal` of its tokens.
 */
const annealOf = (
  experiment: AnnealingExperiment,
  checkpoint: RunSpec,
  weights: ReadonlyArray<number>,
  loaded: Readonly<Record<string, DomainCorpus>>
): RunSpec => {
  const tokens = annealTokens(checkpoint, experiment.sweep.anneal)
  const { save_final: _saved, ...fromCheckpoint } = checkpoint
  return withContent(fromCheckpoint as RunSpec, {
    tokens,
    flops: trainingFlops(checkpoint.shape, tokens, checkpoint.flops_convention),
    data: { ...checkpoint.data, corpus: domainMixture(annealingCorpora(experiment.sweep), weights, loaded) },
    training: { ...checkpoint.training, schedule: "linear", warmup: 0, min_lr_fraction: 0 },
    init: { run: checkpoint.id, steps: runSteps(checkpoint) }
  })
}

/**
 * The runs of an annealing sweep: per budget (one model size, mixtureCentre) and seed, the
 * checkpoint, then its control anneal and its candidates' anneals. `loaded` gives file domains'
 * digests (the trainer's runCorpus of each domain). Throws PlanError, or the laws package's LawInputError.
 */
export const planAnnealing = (experiment: AnnealingExperiment, loaded: Readonly<Record<string, DomainCorpus>> = {}): AnnealingPlan => {
  const { sweep } = experiment
  const names = Object.keys(annealingCorpora(sweep))
  const candidateNames = names.slice(1)
  // The checkpoint trains at the peak learning rate after warmup, so that every anneal decays from the same point.
  const stable = { ...experiment, training: { ...experiment.training, schedule: "constant" as const } }
  const probes: Array<AnnealingProbes> = []
  const runs: Array<PlannedRun> = []
  for (const budget of sweep.budgets) {
    const centre = mixtureCentre(experiment, budget)
    const sizing = sizeAtBudget(experiment, budget, centre.params, `the checkpoint of ${reasonNumber(centre.params)} params`)
    const defaultOnly = names.map((_, index) => index === 0 ? 1 : 0)
    for (let seed = 0; seed < sweep.seeds; seed++) {
      const fresh = runOfSizing(stable, budget, sizing, domainMixture(annealingCorpora(sweep), defaultOnly, loaded), seed)
      const checkpoint = withContent(fresh, { save_final: true })
      const control = annealOf(experiment, checkpoint, defaultOnly, loaded)
      const candidates = candidateNames.map((name, index) => {
        const weights = names.map((_, domain) => domain === 0 ? 1 - sweep.weight : domain === index + 1 ? sweep.weight : 0)
        return { name, weights, run: annealOf(experiment, checkpoint, weights, loaded) }
      })
      probes.push({ budget, seed, checkpoint, control, candidates: candidates.map(({ name, run }) => ({ name, run })) })
      const at = `at C=${reasonNumber(budget, 3)}, seed ${seed}`
      const short = checkpoint.id.slice(0, 8)
      runs.push(
        plannedAtCentre(checkpoint, centre, `checkpoint ${at}: ${ANNEALING_BASE} data only, constant lr after warmup; ${centre.reason}`),
        plannedAtCentre(control, centre, `control anneal of checkpoint ${short}: ${ANNEALING_BASE} data only, lr linearly to 0`),
        ...candidates.map(({ name, weights, run }) =>
          plannedAtCentre(run, centre, `anneal of checkpoint ${short} with ${name} (${describeWeights(names, weights)}), lr linearly to 0`)
        )
      )
    }
  }
  return { experiment: experiment.name, runs, notes: [], probes }
}
