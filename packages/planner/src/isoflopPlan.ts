import type { CorpusSource, Experiment, RunCorpus, RunSpec } from "@scalelab/spec"
import { evaluateExpression, logspace, tokenizerVocab, trainerIdentity } from "@scalelab/spec"
import { Data, Result } from "effect"
import { computeOptimal, countParams, effectiveTokens, flopsPerToken, lawByName, shapeForParams, trainingFlops } from "@scalelab/laws"
import { contentId } from "./contentId.ts"
import { reasonNumber } from "./reasonNumber.ts"

/** The spec decoded, but some run cannot be planned from it (e.g. its lr expression fails at that run's N, D, C). */
export class PlanError extends Data.TaggedError("PlanError")<{ readonly message: string }> {}

/** Why a run is in the plan: shown by `scalelab plan`, kept for adaptive sweeps to explain themselves. */
export interface PlannedRun {
  readonly run: RunSpec
  readonly target_params: number
  readonly centre_params: number
  /** How the centre was found, in words: "N*(C)=… from …". */
  readonly centre_reason: string
  /** Where the centre comes from: the published law's name, or a short label of the adaptive rule. */
  readonly centre: string
  /** Why this size, in words: its place among the budget's sizes and where the centre comes from. */
  readonly reason: string
  /** Passes over the corpus's training tokens, when their number is known; above 1 the run repeats data. */
  readonly epochs?: number
  /** D' of Muennighoff et al. 2023: what the run's tokens are worth given the repetition (= tokens within one epoch). */
  readonly effective_tokens?: number
}

/** What the planner learns by loading the corpus (the trainer's `corpusFacts` gives it). */
export interface CorpusFacts {
  /** What each run reads, as RunSpec.data.corpus states it: files with their digests. */
  readonly corpus: RunCorpus
  /** Tokens of the training split under the experiment's tokenizer: one epoch. */
  readonly training_tokens: number
}

/** The N*(C) a budget's sizes are spread around, and why: `reason` reads "N*(C)=… from …". */
export interface Centre {
  readonly params: number
  readonly source: string
  readonly reason: string
}

export interface Plan {
  readonly experiment: string
  readonly runs: ReadonlyArray<PlannedRun>
}

/** A spec expression in N, D, C evaluated for one run; a failure names the field and the run. */
const evaluateRunExpression = (field: string, source: string, variables: { N: number; D: number; C: number }, budget: number): number => {
  const value = evaluateExpression(source, variables)
  if (Result.isFailure(value)) {
    throw new PlanError({
      message: `${field}: ${value.failure.message} (for the run at budget ${budget.toExponential(2)} with ` +
        `N = ${variables.N}, D = ${variables.D}, C = ${variables.C.toExponential(3)}); make the expression valid over the whole sweep`
    })
  }
  if (!(value.success > 0)) {
    throw new PlanError({
      message: `${field}: \`${source}\` = ${value.success} for the run at budget ${budget.toExponential(2)} ` +
        `(N = ${variables.N}, D = ${variables.D}); it must be positive over the whole sweep`
    })
  }
  return value.success
}

/**
 * What runs read. Built-in and synthetic corpora are fixed by the spec alone; files are fixed by
 * their content, so their digests (in `facts`) are part of every run's id.
 */
const plannedCorpus = (source: CorpusSource, facts: CorpusFacts | undefined): RunCorpus => {
  if (facts !== undefined) return facts.corpus
  if (typeof source === "string" || source.kind === "markov") return source
  throw new PlanError({
    message: "data.corpus names text files, whose digests are part of each run's id: plan with the corpus " +
      "loaded (the trainer's corpusFacts) to give the runs their ids"
  })
}

/** The centre the spec's published law (`sweep.centre`) predicts at `budget`. */
export const publishedCentre = (experiment: Experiment, budget: number): Centre => {
  const law = lawByName(experiment.sweep.centre)
  const params = computeOptimal(law, budget).params
  return { params, source: law.name, reason: `N*(C)=${reasonNumber(params)} from the published law ${law.name}` }
}

/** The runs of one model size at one budget: one per seed, all of the same shape. */
export interface SizedRuns {
  readonly shape: RunSpec["shape"]
  /** One run per seed (`sweep.seeds`), seed 0 first. */
  readonly runs: ReadonlyArray<RunSpec>
}

/**
 * The runs that train a model of about `targetParams` parameters on exactly `budget` FLOPs: the
 * shape the spec's model rules give for that size (shapeForParams), the tokens that spend the
 * budget, the learning rate and batch of the spec's expressions at that run's N, D and C, and the
 * trainer the experiment's executor implies (trainerIdentity). Every planned run comes from here,
 * and so does any run planned outside a sweep (a backtest's forecast optimum), so the two agree.
 * Throws PlanError, or the laws package's LawInputError.
 */
export const runsAtSize = (
  experiment: Experiment,
  budget: number,
  targetParams: number,
  corpus?: CorpusFacts
): SizedRuns => {
  const { model, sweep, training, data } = experiment
  const runCorpus = plannedCorpus(data.corpus, corpus)
  const shape = shapeForParams(targetParams, {
    aspect: model.aspect,
    head_dim: model.head_dim,
    kv_heads: model.kv_heads,
    context: model.context,
    vocab: tokenizerVocab(data),
    ffn_multiplier: model.ffn_multiplier,
    tied_embeddings: model.tied_embeddings,
    ...(model.layers > 0 ? { layers: model.layers } : {})
  })
  const counts = countParams(shape)
  // Whole sequences only, so every step sees full contexts; the budget is met to within one sequence.
  const sequences = Math.max(1, Math.round(budget / flopsPerToken(shape, experiment.flops) / model.context))
  const tokens = sequences * model.context
  const flops = trainingFlops(shape, tokens, experiment.flops)
  const runVariables = { N: counts.total, D: tokens, C: flops }
  const lr = evaluateRunExpression("training.lr", training.lr, runVariables, budget)
  // Whole sequences per step, at least one and at most the whole run.
  const batchSequences = Math.round(evaluateRunExpression("training.batch_tokens", training.batch_tokens, runVariables, budget) / model.context)
  const batchTokens = Math.min(tokens, Math.max(1, batchSequences) * model.context)
  const runs = Array.from({ length: sweep.seeds }, (_, seed): RunSpec => {
    const withoutId: Omit<RunSpec, "id"> = {
      experiment: experiment.name,
      budget,
      params: counts.total,
      params_non_embedding: counts.nonEmbedding,
      tokens,
      flops,
      flops_convention: experiment.flops,
      shape,
      data: {
        corpus: runCorpus,
        tokenizer: data.tokenizer,
        validation: data.validation,
        val_tokens: data.val_tokens,
        document_masking: data.document_masking,
        ...(data.max_train_tokens > 0 ? { train_tokens: data.max_train_tokens } : {})
      },
      training: {
        optimizer: training.optimizer,
        lr,
        schedule: training.schedule,
        warmup: training.warmup,
        min_lr_fraction: training.min_lr_fraction,
        batch_tokens: batchTokens,
        grad_clip: training.grad_clip
      },
      eval: { every: experiment.eval.every, cloze: experiment.eval.cloze },
      seed,
      backend: experiment.execution.backend,
      trainer: trainerIdentity(experiment.execution)
    }
    return { id: contentId(withoutId), ...withoutId }
  })
  return { shape, runs }
}

/** A model size to train at a budget, and why, in words. */
export interface SizeChoice {
  readonly target: number
  readonly reason: string
}

/**
 * The planned runs of chosen sizes at one budget (runsAtSize), with their reasons. Tiny models have
 * coarse shapes: a target landing on a shape already planned (earlier in `choices`, or in
 * `plannedShapes`) is trained once.
 */
export const planSizes = (
  experiment: Experiment,
  budget: number,
  centre: Centre,
  choices: ReadonlyArray<SizeChoice>,
  corpus?: CorpusFacts,
  plannedShapes: ReadonlySet<string> = new Set()
): ReadonlyArray<PlannedRun> => {
  const runs: PlannedRun[] = []
  const seenShapes = new Set(plannedShapes)
  for (const { target, reason } of choices) {
    const sized = runsAtSize(experiment, budget, target, corpus)
    const key = shapeKey(sized.shape)
    if (seenShapes.has(key)) continue
    seenShapes.add(key)
    for (const run of sized.runs) {
      const repetition = corpus === undefined
        ? {}
        : { epochs: run.tokens / corpus.training_tokens, effective_tokens: effectiveTokens(run.tokens, corpus.training_tokens) }
      runs.push({
        run,
        target_params: target,
        centre_params: centre.params,
        centre_reason: centre.reason,
        centre: centre.source,
        reason,
        ...repetition
      })
    }
  }
  return runs
}

/** Identifies a model shape, so that two targets landing on one shape are told apart from two shapes. */
export const shapeKey = (shape: RunSpec["shape"]): string => JSON.stringify(shape)

/** The ratio between neighbouring sizes of a budget's window: span^(1/(sizes − 1)). */
export const sizeStep = (experiment: Experiment): number =>
  experiment.sweep.span ** (1 / (experiment.sweep.sizes_per_budget - 1))

/**
 * The runs of one IsoFLOP budget (Chinchilla approach 2, Llama 3 §3.2.1): `sizes_per_budget`
 * model sizes spaced evenly in log N over [N* ÷ sqrt(span), N* × sqrt(span)] around `centre`, each
 * trained on the tokens that spend exactly `budget` (runsAtSize). The static and the adaptive plan
 * differ only in the centre they pass.
 * Throws PlanError, or the laws package's LawInputError.
 */
export const planBudget = (
  experiment: Experiment,
  budget: number,
  centre: Centre,
  corpus?: CorpusFacts
): ReadonlyArray<PlannedRun> => {
  const { sweep } = experiment
  const targets = logspace(centre.params / Math.sqrt(sweep.span), centre.params * Math.sqrt(sweep.span), sweep.sizes_per_budget)
  return planSizes(
    experiment,
    budget,
    centre,
    targets.map((target, index) => ({
      target,
      reason: `size ${index + 1} of ${targets.length} at C=${reasonNumber(budget, 3)}: ${centre.reason}, ` +
        `×${reasonNumber(target / centre.params)} in log spacing over span ${reasonNumber(sweep.span, 3)}`
    })),
    corpus
  )
}

/**
 * A static IsoFLOP sweep: every budget centred on the published law (`sweep.centre`), all planned
 * at once.
 * Throws PlanError, or the laws package's LawInputError (e.g. an unknown centre law).
 */
export const planIsoflop = (experiment: Experiment, corpus?: CorpusFacts): Plan => ({
  experiment: experiment.name,
  runs: experiment.sweep.budgets.flatMap((budget) =>
    planBudget(experiment, budget, publishedCentre(experiment, budget), corpus)
  )
})
