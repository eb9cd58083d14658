import type { CorpusSource, Experiment, ExperimentSpec, FittedLawReference, RunCorpus, RunSpec, TrainedSpec } from "@scalelab/spec"
import { evaluateExpression, logspace, memorizationWindow, moeShapeOf, tokenizerVocab, totalParams, trainerIdentity } from "@scalelab/spec"
import { Data, Result, Runtime } from "effect"
import {
  computeOptimal,
  countParams,
  effectiveTokens,
  flopsPerToken,
  lawByName,
  publishedHyperparameter,
  publishedLaws,
  reasonNumber,
  runStepwise,
  shapeForParams,
  type Stepwise,
  trainingFlops
} from "@scalelab/laws"
import { contentId } from "./contentId.ts"

/** A path into the spec as written in YAML, e.g. ["sweep", "budgets", 0]. */
export type SpecField = ReadonlyArray<string | number>

/**
 * The spec decoded, but some run cannot be planned from it (e.g. its lr expression fails at that
 * run's N, D, C, or a budget cannot pay for its runs). `fields` are the spec fields to point the
 * user at, the most specific first: a caller with the spec's text reports the first one written there.
 */
export class PlanError extends Data.TaggedError("PlanError")<{
  readonly message: string
  readonly fields?: ReadonlyArray<SpecField>
}> {
  override readonly [Runtime.errorExitCode] = 2
}

/** A size the plan trains other than the spec asked for (moved to another size, or merged with one), and why. */
export interface PlanNote {
  readonly budget: number
  /** The spec fields the note is about, the most specific first (as PlanError's). */
  readonly fields: ReadonlyArray<SpecField>
  readonly message: string
}

/** Why a run is in the plan: shown by `scalelab plan`, kept for adaptive sweeps to explain themselves. */
export interface PlannedRun {
  readonly run: RunSpec
  /** Every parameter of the run's model beside its N (run.params, the active ones): the same for a dense model. */
  readonly params_total: number
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
  /** Sizes planned other than asked: moved off their target, or merged into another size's shape. */
  readonly notes: ReadonlyArray<PlanNote>
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
 * A run's learning rate or batch: a published law's value at the run's C when the field names one
 * (`lr: deepseek-llm`), else the field's expression in N, D, C. A law fitted by another spec
 * (`{ from: <spec> }`) is read, and written as its expression in C, when the spec is loaded from
 * its file; one still unread here was decoded from text alone.
 */
const evaluateRunHyperparameter = (
  field: "lr" | "batch_tokens",
  value: string | FittedLawReference,
  variables: { N: number; D: number; C: number },
  budget: number
): number => {
  const name = `training.${field}`
  if (typeof value !== "string") {
    throw new PlanError({
      message: `${name}: the law fitted by ${value.from} is read when the spec is loaded from its file; load it that way to plan it`,
      fields: [["training", field]]
    })
  }
  const law = publishedLaws.find((candidate) => candidate.name === value)
  if (law === undefined) return evaluateRunExpression(name, value, variables, budget)
  const lawValue = publishedHyperparameter(law, field === "lr" ? "learning_rate" : "batch_tokens", variables.C)
  if (lawValue === undefined) {
    throw new PlanError({ message: `${name}: the published law ${law.name} gives no ${field === "lr" ? "learning rate" : "batch size"}`, fields: [["training", field]] })
  }
  return lawValue
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
export const publishedCentre = (experiment: Experiment, budget: number): Centre => centreOfLaw(experiment.sweep.centre, budget)

/** The N*(C) the published law `name` predicts at `budget`. */
export const centreOfLaw = (name: string, budget: number): Centre => {
  const law = lawByName(name)
  const params = computeOptimal(law, budget).params
  return { params, source: law.name, reason: `N*(C)=${reasonNumber(params)} from the published law ${law.name}` }
}

/**
 * A run planned at the size its centre gives (a hyperparameter grid point, a data mixture): the
 * centre is its target, with no window of sizes around it.
 */
export const plannedAtCentre = (run: RunSpec, centre: Centre, reason: string): PlannedRun => ({
  run,
  params_total: totalParams(run),
  target_params: centre.params,
  centre_params: centre.params,
  centre_reason: centre.reason,
  centre: centre.source,
  reason
})

/** The runs of one model size at one budget: one per seed, all of the same shape. */
export interface SizedRuns {
  readonly shape: RunSpec["shape"]
  /** One run per seed (`sweep.seeds`), seed 0 first. */
  readonly runs: ReadonlyArray<RunSpec>
}

/** A spec whose runs are sized at budgets: an IsoFLOP or a data-mixture sweep. */
export type SizedExperiment = ExperimentSpec & { readonly sweep: { readonly budgets: ReadonlyArray<number> } }

/** What the spec alone decides about one model size at one budget: everything of its runs but the data and the seed. */
export interface Sizing {
  readonly shape: RunSpec["shape"]
  /** Active parameters: N of the run (all of them for a dense model). */
  readonly params: number
  /** Every parameter, all experts counted (= params for a dense model). */
  readonly params_total: number
  readonly params_non_embedding: number
  readonly tokens: number
  readonly flops: number
  readonly lr: number
  readonly batch_tokens: number
}

// A run may spend its budget this far off (rounding the tokens to whole sequences) and still sit
// on its budget's IsoFLOP curve; rounding to the nearest sequence keeps within it from
// `minimumSequences` sequences on.
const budgetTolerance = 0.05
const minimumSequences = Math.ceil(0.5 / budgetTolerance)

// Above this the planner shapes no model: it is beyond any dense model trained, and the shape
// search grows with the size (about a second at 1e13), so a mistyped budget would plan for minutes.
export const MAX_PLANNED_PARAMS = 1e12

/**
 * The spec fields behind a budget: the budget list as written (decoded budgets are sorted and
 * distinct, so a budget's place in them is not its place in the file), then `extra`; none for a
 * budget from elsewhere (a backtest's forecast).
 */
export const budgetFields = (experiment: SizedExperiment, budget: number, ...extra: ReadonlyArray<SpecField>): ReadonlyArray<SpecField> =>
  experiment.sweep.budgets.includes(budget) ? [["sweep", "budgets"], ...extra] : extra

/**
 * One model size of about `targetParams` at `budget` (see runsAtSize). `label` names the size in
 * messages ("size 2 of 5"). Throws PlanError, located at the budget, when the size cannot honour
 * the budget: its FLOPs off the budget by more than budgetTolerance (too few whole sequences),
 * fewer tokens than one batch, tokens past exact integers, or a model larger than MAX_PLANNED_PARAMS.
 */
export const sizeAtBudget = (
  experiment: SizedExperiment,
  budget: number,
  targetParams: number,
  label: string,
  grid?: { readonly lr: number; readonly batch_tokens: number }
): Sizing => {
  const { model, training, data } = experiment
  const at = `budget ${reasonNumber(budget, 3)}: ${label}`
  if (targetParams > MAX_PLANNED_PARAMS) {
    throw new PlanError({
      message: `${at} asks for a model of ${reasonNumber(targetParams)} parameters, more than the ${reasonNumber(MAX_PLANNED_PARAMS)} ` +
        "this planner shapes; lower the budget",
      fields: budgetFields(experiment, budget)
    })
  }
  const moe = moeShapeOf(model)
  const { moe: _routing, ...sized } = shapeForParams(targetParams, {
    aspect: model.aspect,
    head_dim: model.head_dim,
    kv_heads: model.kv_heads,
    context: model.context,
    vocab: tokenizerVocab(data),
    ffn_multiplier: model.ffn_multiplier,
    tied_embeddings: model.tied_embeddings,
    ...(model.layers > 0 ? { layers: model.layers } : {}),
    ...(moe === undefined ? {} : { moe })
  })
  // The shape carries the routing with its training settings (the load-balancing weight), as the run builds it.
  const shape: RunSpec["shape"] = moe === undefined ? sized : { ...sized, moe }
  const counts = countParams(shape)
  const perToken = flopsPerToken(shape, experiment.flops)
  const sequenceFlops = perToken * model.context
  const sizeText = shape.moe === undefined
    ? `${reasonNumber(counts.active)} params`
    : `${reasonNumber(counts.active)} active params of ${reasonNumber(counts.total)}`
  // Whole sequences only, so every step sees full contexts; the budget is met to within one sequence.
  const sequences = Math.max(1, Math.round(budget / sequenceFlops))
  const tokens = sequences * model.context
  if (!Number.isSafeInteger(tokens)) {
    throw new PlanError({
      message: `${at} (${sizeText}) would train on ${reasonNumber(tokens)} tokens, more than can be counted exactly; lower the budget`,
      fields: budgetFields(experiment, budget)
    })
  }
  const flops = trainingFlops(shape, tokens, experiment.flops)
  if (Math.abs(flops / budget - 1) > budgetTolerance) {
    throw new PlanError({
      message: `${at} (${sizeText}) cannot spend it: it trains on whole sequences of model.context = ${model.context} tokens, ` +
        `${reasonNumber(sequenceFlops)} FLOPs each under \`flops: ${experiment.flops}\`, so it would spend ` +
        `${reasonNumber(flops)} FLOPs (×${reasonNumber(flops / budget)} the budget); raise the budget to at least ` +
        `${reasonNumber(minimumSequences * sequenceFlops)} (${minimumSequences} sequences), or shorten model.context`,
      fields: budgetFields(experiment, budget, ["model", "context"])
    })
  }
  const runVariables = { N: counts.active, D: tokens, C: flops }
  // A hyperparameter grid sets both; otherwise the spec's training section does.
  const lr = grid?.lr ?? evaluateRunHyperparameter("lr", training.lr, runVariables, budget)
  const askedBatch = grid?.batch_tokens ?? evaluateRunHyperparameter("batch_tokens", training.batch_tokens, runVariables, budget)
  // Whole sequences per step, at least one.
  const batchSequences = Math.round(askedBatch / model.context)
  const batchTokens = Math.max(1, batchSequences) * model.context
  const batchField = grid === undefined ? "training.batch_tokens" : "sweep.batch_tokens"
  if (batchTokens > tokens) {
    throw new PlanError({
      message: `${at} (${sizeText}) trains on ${tokens} tokens, fewer than one batch of ${batchField} = ${batchTokens}; ` +
        `raise the budget to at least ${reasonNumber(batchTokens * perToken)} (one batch), or lower ${batchField}`,
      fields: budgetFields(experiment, budget, [batchField.split(".")[0]!, "batch_tokens"])
    })
  }
  return {
    shape,
    params: counts.active,
    params_total: counts.total,
    params_non_embedding: counts.nonEmbedding,
    tokens,
    flops,
    lr,
    batch_tokens: batchTokens
  }
}

/** The runs of a sized model, one per seed. */
export const runsOfSizing = (experiment: TrainedSpec, budget: number, sizing: Sizing, corpus: CorpusFacts | undefined): ReadonlyArray<RunSpec> => {
  const runCorpus = plannedCorpus(experiment.data.corpus, corpus)
  return Array.from({ length: experiment.sweep.seeds }, (_, seed) => runOfSizing(experiment, budget, sizing, runCorpus, seed))
}

/** The run of a sized model on a corpus with one seed, its id the hash of its content. */
export const runOfSizing = (experiment: SizedExperiment, budget: number, sizing: Sizing, runCorpus: RunCorpus, seed: number): RunSpec => {
  const { training, data } = experiment
  const { memorization } = experiment.eval
  const withoutId: Omit<RunSpec, "id"> = {
    experiment: experiment.name,
    budget,
    params: sizing.params,
    params_non_embedding: sizing.params_non_embedding,
    // Recorded for mixtures of experts only: a dense run's content, and so its id, stays as it was.
    ...(sizing.shape.moe === undefined ? {} : { params_total: sizing.params_total }),
    tokens: sizing.tokens,
    flops: sizing.flops,
    flops_convention: experiment.flops,
    shape: sizing.shape,
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
      lr: sizing.lr,
      schedule: training.schedule,
      warmup: training.warmup,
      min_lr_fraction: training.min_lr_fraction,
      batch_tokens: sizing.batch_tokens,
      grad_clip: training.grad_clip
    },
    eval: {
      every: experiment.eval.every,
      cloze: experiment.eval.cloze,
      // Recorded only when on: a run without it keeps the content, and so the id, it had before.
      ...(memorization.prompts === 0
        ? {}
        : { memorization: { prompts: memorization.prompts, ...memorizationWindow(memorization, sizing.shape.context) } })
    },
    seed,
    backend: experiment.execution.backend,
    trainer: trainerIdentity(experiment.execution)
  }
  return { id: contentId(withoutId), ...withoutId }
}

/**
 * The runs that train a model of about `targetParams` parameters on exactly `budget` FLOPs: the
 * shape the spec's model rules give for that size (shapeForParams), the tokens that spend the
 * budget, the learning rate and batch of the spec's expressions at that run's N, D and C, and the
 * trainer the experiment's executor implies (trainerIdentity). Every planned run comes from here,
 * and so does any run planned outside a sweep (a backtest's forecast optimum), so the two agree.
 * Throws PlanError (also when the size cannot honour the budget), or the laws package's LawInputError.
 */
export const runsAtSize = (
  experiment: Experiment,
  budget: number,
  targetParams: number,
  corpus?: CorpusFacts
): SizedRuns => {
  const sizing = sizeAtBudget(experiment, budget, targetParams, `a model of ${reasonNumber(targetParams)} params`)
  return { shape: sizing.shape, runs: runsOfSizing(experiment, budget, sizing, corpus) }
}

/** A model size to train at a budget, and why, in words. */
export interface SizeChoice {
  readonly target: number
  /** Names the size in notes and errors, e.g. "size 2 of 5". */
  readonly label: string
  readonly reason: string
}

/** Planned runs and the notes on sizes planned other than asked. */
export interface PlannedSizes {
  readonly runs: ReadonlyArray<PlannedRun>
  readonly notes: ReadonlyArray<PlanNote>
}


/** The chosen sizes sized, those landing on a shape already planned left out, with a note on each moved or merged one. */
const sizeChoices = (
  experiment: Experiment,
  budget: number,
  choices: ReadonlyArray<SizeChoice>,
  plannedShapes: ReadonlySet<string>
): { readonly sized: ReadonlyArray<{ readonly choice: SizeChoice; readonly sizing: Sizing }>; readonly notes: ReadonlyArray<PlanNote> } => {
  const sized: Array<{ choice: SizeChoice; sizing: Sizing }> = []
  const notes: Array<PlanNote> = []
  // A size more than half a step of the budget's log spacing off its target sits nearer a neighbour's place than its own.
  const movedBeyond = Math.sqrt(sizeStep(experiment))
  const seenShapes = new Map([...plannedShapes].map((key) => [key, "an earlier round"]))
  const note = (message: string) => notes.push({ budget, fields: budgetFields(experiment, budget), message: `budget ${reasonNumber(budget, 3)}: ${message}` })
  for (const choice of choices) {
    const sizing = sizeAtBudget(experiment, budget, choice.target, choice.label)
    const key = shapeKey(sizing.shape)
    const asked = `${choice.label} (${reasonNumber(choice.target)} params asked)`
    const shapeText = `${sizing.shape.layers} layer${sizing.shape.layers === 1 ? "" : "s"} × d_model ${sizing.shape.d_model}, ${reasonNumber(sizing.params)} params`
    const earlier = seenShapes.get(key)
    if (earlier !== undefined) {
      // Tiny models have coarse shapes: a target landing on a shape already planned is trained once.
      note(`${asked} lands on the shape of ${earlier} (${shapeText}), so it is trained once; tiny models have coarse ` +
        "shapes (one layer or head is a large step); raise the budget or lower model.head_dim to tell them apart")
      continue
    }
    seenShapes.set(key, choice.label)
    if (Math.abs(Math.log(sizing.params / choice.target)) > Math.log(movedBeyond)) {
      note(`${asked} is planned as ${shapeText}, the nearest shape these model settings allow: more than half a ` +
        "step of the budget's log spacing off its place (tiny models have coarse shapes)")
    }
    sized.push({ choice, sizing })
  }
  return { sized, notes }
}

/**
 * The planned runs of chosen sizes at one budget (runsAtSize), with their reasons. Tiny models have
 * coarse shapes: a target landing on a shape already planned (earlier in `choices`, or in
 * `plannedShapes`) is trained once, and a note says so.
 */
export const planSizes = (
  experiment: Experiment,
  budget: number,
  centre: Centre,
  choices: ReadonlyArray<SizeChoice>,
  corpus?: CorpusFacts,
  plannedShapes: ReadonlySet<string> = new Set()
): PlannedSizes => {
  const { sized, notes } = sizeChoices(experiment, budget, choices, plannedShapes)
  const runs = sized.flatMap(({ choice, sizing }) =>
    runsOfSizing(experiment, budget, sizing, corpus).map((run): PlannedRun => ({
      run,
      params_total: totalParams(run),
      target_params: choice.target,
      centre_params: centre.params,
      centre_reason: centre.reason,
      centre: centre.source,
      reason: choice.reason,
      ...(corpus === undefined
        ? {}
        : { epochs: run.tokens / corpus.training_tokens, effective_tokens: effectiveTokens(run.tokens, corpus.training_tokens) })
    }))
  )
  return { runs, notes }
}

/** Identifies a model shape, so that two targets landing on one shape are told apart from two shapes. */
export const shapeKey = (shape: RunSpec["shape"]): string => JSON.stringify(shape)

/** The ratio between neighbouring sizes of a budget's window: span^(1/(sizes − 1)). */
export const sizeStep = (experiment: Experiment): number =>
  experiment.sweep.span ** (1 / (experiment.sweep.sizes_per_budget - 1))

/** The sizes of one IsoFLOP budget's window: `sizes_per_budget` spaced evenly in log N over the span around `centre`. */
const windowChoices = (experiment: Experiment, budget: number, centre: Centre): ReadonlyArray<SizeChoice> => {
  const { sweep } = experiment
  const targets = logspace(centre.params / Math.sqrt(sweep.span), centre.params * Math.sqrt(sweep.span), sweep.sizes_per_budget)
  return targets.map((target, index) => {
    const label = `size ${index + 1} of ${targets.length}`
    return {
      target,
      label,
      reason: `${label} at C=${reasonNumber(budget, 3)}: ${centre.reason}, ` +
        `×${reasonNumber(target / centre.params)} in log spacing over span ${reasonNumber(sweep.span, 3)}`
    }
  })
}

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
): PlannedSizes => planSizes(experiment, budget, centre, windowChoices(experiment, budget, centre), corpus)

/**
 * A static IsoFLOP sweep: every budget centred on the published law (`sweep.centre`), all planned
 * at once.
 * Throws PlanError, or the laws package's LawInputError (e.g. an unknown centre law).
 */
export const planIsoflop = (experiment: Experiment, corpus?: CorpusFacts): Plan => runStepwise(planIsoflopSteps(experiment, corpus))

/**
 * planIsoflop, pausing after each budget: a sweep of hundreds of budgets takes minutes to shape,
 * and a caller on an event loop must be able to stop it part way (Ctrl-C).
 */
export function* planIsoflopSteps(experiment: Experiment, corpus?: CorpusFacts): Stepwise<Plan> {
  const budgets: Array<PlannedSizes> = []
  for (const budget of experiment.sweep.budgets) {
    budgets.push(planBudget(experiment, budget, publishedCentre(experiment, budget), corpus))
    yield
  }
  return { experiment: experiment.name, runs: budgets.flatMap(({ runs }) => runs), notes: budgets.flatMap(({ notes }) => notes) }
}

/** What can be known of a plan before any run: each budget's problem, if any, and the notes on sizes planned other than asked. */
export interface PlanPreview {
  readonly problems: ReadonlyArray<PlanError>
  readonly notes: ReadonlyArray<PlanNote>
}

/**
 * The plan's problems and notes as far as the spec alone settles them, without its corpus, every
 * budget checked so that all are reported at once. A static sweep is checked whole, as planIsoflop
 * plans it; an adaptive one, whose later windows follow results, has its first budget's window
 * checked and every other budget checked for its smallest model (if that cannot honour a budget,
 * no size can).
 * Throws the laws package's LawInputError (e.g. an unknown centre law).
 */
export const previewPlan = (experiment: Experiment): PlanPreview => runStepwise(previewPlanSteps(experiment))

/** previewPlan, pausing after each budget (as planIsoflopSteps). */
export function* previewPlanSteps(experiment: Experiment): Stepwise<PlanPreview> {
  const budgets = [...experiment.sweep.budgets].sort((a, b) => a - b)
  const windowed = experiment.sweep.adaptive ? budgets.slice(0, 1) : budgets
  const smallest: SizeChoice = { target: Number.MIN_VALUE, label: "the smallest model", reason: "" }
  const problems: Array<PlanError> = []
  const notes: Array<PlanNote> = []
  for (const [index, budget] of budgets.entries()) {
    const choices = index < windowed.length ? windowChoices(experiment, budget, publishedCentre(experiment, budget)) : [smallest]
    try {
      const checked = sizeChoices(experiment, budget, choices, new Set())
      if (index < windowed.length) notes.push(...checked.notes)
    } catch (error) {
      if (!(error instanceof PlanError)) throw error
      problems.push(error)
    }
    yield
  }
  return { problems, notes }
}
