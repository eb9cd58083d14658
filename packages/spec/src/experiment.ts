// The experiment format: what a researcher writes in YAML, decoded into an Experiment with every
// default filled in. Field names are snake_case as written in YAML.
import { Schema } from "effect"
import {
  choiceField,
  textField,
  choiceListField,
  flagField,
  numberField,
  numberListField,
  optionalNumberField,
  lawOrExpressionField,
  sectionWithDefaults,
  withDefault
} from "./fields.ts"
import { DATASET_NAMES } from "@scalelab/datasets"
import { publishedLaws, simplexLattice } from "@scalelab/laws"
import { corpusField, type CorpusSource, corpusSourceField } from "./corpusSource.ts"
import {
  DEFAULT_BOOTSTRAP_RESAMPLES,
  DEFAULT_LAW_FORM,
  defaultIsoflopMinimum,
  describeFitMethods,
  describeIsoflopMinima,
  describeLawForms,
  FIT_METHODS,
  isoflopMinimumEstimators,
  LAW_FORM_CHOICES,
  MAX_BOOTSTRAP_RESAMPLES
} from "./fitMethods.ts"
import { Backend, BYTE_VOCABULARY, FlopConvention, type MoeShape, MODEL_FAMILIES, type ModelFamily, Tokenizer } from "./runContract.ts"

const CENTRE_LAWS = publishedLaws.map((law) => law.name)

const { isGreaterThan, isGreaterThanOrEqualTo, isInt, isLessThan, isLessThanOrEqualTo, isPattern } = Schema

const positiveInteger = (description: string, value: number) =>
  numberField({ expected: "a positive integer", checks: [isInt(), isGreaterThan(0)], description, default: value })

const nonNegativeInteger = (description: string, value: number) =>
  numberField({ expected: "an integer >= 0", checks: [isInt(), isGreaterThanOrEqualTo(0)], description, default: value })

const positiveNumber = (description: string, value: number) =>
  numberField({ expected: "a positive number", checks: [isGreaterThan(0)], description, default: value })

const nonNegativeNumber = (description: string, value: number) =>
  numberField({ expected: "a number >= 0", checks: [isGreaterThanOrEqualTo(0)], description, default: value })

/** A fraction states its interval in messages, e.g. "a fraction in [0, 1)". */
const fraction = (interval: "(0, 1)" | "[0, 1)" | "(0, 1]" | "[0, 1]", description: string, value: number) =>
  numberField({
    expected: `a fraction in ${interval}`,
    checks: [
      interval.startsWith("[") ? isGreaterThanOrEqualTo(0) : isGreaterThan(0),
      interval.endsWith("]") ? isLessThanOrEqualTo(1) : isLessThan(1)
    ],
    description,
    default: value
  })

/** The vocabulary must be what the tokenizer makes: 256 for bytes, more for BPE (its merges). */
const vocabularyRule = Schema.makeFilter((data: { readonly tokenizer: Tokenizer; readonly vocab: number }) => {
  if (data.tokenizer === "bytes" && data.vocab !== BYTE_VOCABULARY) {
    return {
      path: ["vocab"],
      issue: `expected ${BYTE_VOCABULARY} with \`tokenizer: bytes\` (one token per byte), got ${data.vocab}; ` +
        "for a larger vocabulary use `tokenizer: bpe`"
    }
  }
  if (data.tokenizer === "bpe" && data.vocab <= BYTE_VOCABULARY) {
    return {
      path: ["vocab"],
      issue: `expected more than ${BYTE_VOCABULARY} with \`tokenizer: bpe\` (the 256 bytes plus its merges), ` +
        `got ${data.vocab}; set e.g. \`vocab: 1024\``
    }
  }
  return undefined
})

export const DataSettings = Schema.Struct({
  corpus: corpusField,
  tokenizer: choiceField(Tokenizer.literals, {
    description: "How text becomes tokens. `bytes`: one token per UTF-8 byte (vocabulary 256). `bpe`: byte-level " +
      "byte-pair encoding with `vocab` tokens, learnt from the training documents (never the validation ones).",
    default: "bytes"
  }),
  vocab: numberField({
    expected: "a positive integer",
    checks: [isInt(), isGreaterThan(0)],
    description: "Vocabulary size: 256 with `bytes`; with `bpe` more than 256 (the 256 bytes plus one token per merge).",
    default: BYTE_VOCABULARY
  }),
  validation: fraction("(0, 1)", "Fraction of documents held out for validation. Unit: fraction of documents.", 0.05),
  val_tokens: positiveInteger("Tokens in the fixed validation set behind val_loss. Unit: tokens.", 16384),
  max_train_tokens: nonNegativeInteger(
    "Cut the training split to its first this many tokens: a small corpus that long runs repeat for several " +
      "epochs; 0 keeps all of it. The validation documents are held out of the whole corpus first (the split is " +
      "by document, as without a cut), so the cut never reaches them; a BPE tokenizer still learns its merges " +
      "from all the training documents. Unit: tokens.",
    0
  ),
  document_masking: flagField({
    description: "Documents are packed end to end into each context; with this on, attention never crosses from " +
      "one document into another (as in Llama 3), so every token is predicted from its own document alone.",
    default: true
  })
}).annotate({ description: "The training data." }).check(vocabularyRule)

/** Switch Transformer's load-balancing weight α (Fedus et al. 2021, §2.2), used when `aux_loss_weight` is left out. */
export const DEFAULT_AUX_LOSS_WEIGHT = 0.01

/** Experts per token when `top_k` is left out: Switch routing. */
export const DEFAULT_TOP_K = 1

const MOE_FIELDS = ["experts", "top_k", "aux_loss_weight"] as const

interface ModelFamilyFields {
  readonly family: ModelFamily
  readonly experts?: number
  readonly top_k?: number
  readonly aux_loss_weight?: number
}

/** The mixture-of-experts fields belong to `family: moe`, which needs `experts`, and routes at most every expert. */
const moeFieldsRule = Schema.makeFilter((model: ModelFamilyFields) => {
  if (model.family === "llama") {
    const stray = MOE_FIELDS.find((field) => model[field] !== undefined)
    return stray === undefined ? undefined : {
      path: [stray],
      issue: `\`${stray}\` is a mixture-of-experts setting, but \`family\` is \`llama\` (dense): set \`family: moe\` or remove \`${stray}\``
    }
  }
  if (model.experts === undefined) {
    return { path: ["experts"], issue: "expected `experts` (the number of experts per layer, at least 2) with `family: moe`, e.g. `experts: 8`" }
  }
  const topK = model.top_k ?? DEFAULT_TOP_K
  return topK > model.experts
    ? { path: ["top_k"], issue: `expected top_k at most experts (${model.experts}): each token is routed to top_k distinct experts; got ${topK}` }
    : undefined
})

export const ModelSettings = Schema.Struct({
  family: choiceField(MODEL_FAMILIES, {
    description: "Architecture: `llama`, a Llama-style decoder (RMSNorm, RoPE, SwiGLU, grouped-query attention); " +
      "`moe`, the same decoder with each feed-forward a mixture of `experts` SwiGLU experts, each token routed to " +
      "`top_k` of them by a learned router (Switch / Mixtral). A mixture-of-experts model is sized, counted and " +
      "charged FLOPs by its active parameters (what one token uses); its total is recorded as `params_total`.",
    default: "llama"
  }),
  experts: optionalNumberField({
    expected: "an integer >= 2",
    checks: [isInt(), isGreaterThanOrEqualTo(2)],
    description: "Experts per layer with `family: moe`, each a SwiGLU feed-forward of the dense width " +
      "(`ffn_multiplier` · d_model). Required with `family: moe`; not allowed with `llama`."
  }),
  top_k: optionalNumberField({
    expected: "a positive integer",
    checks: [isInt(), isGreaterThan(0)],
    description: `Experts each token is routed to with \`family: moe\`, at most \`experts\`: 1 is Switch routing, 2 Mixtral's. ` +
      `Default ${DEFAULT_TOP_K}.`
  }),
  aux_loss_weight: optionalNumberField({
    expected: "a number >= 0",
    checks: [isGreaterThanOrEqualTo(0)],
    description: "Weight α of the Switch Transformer's load-balancing loss α·E·Σ_e f_e·P_e with `family: moe` " +
      "(f_e: fraction of token slots routed to expert e, P_e: its mean router probability; α at perfect balance), " +
      `added to the training objective only: logged and validation losses stay cross-entropy. Default ${DEFAULT_AUX_LOSS_WEIGHT}.`
  }),
  context: positiveInteger("Context length: tokens per training sequence. Unit: tokens.", 128),
  aspect: positiveInteger("Aspect ratio d_model / layers, held fixed while the size varies.", 32),
  head_dim: positiveInteger("Dimension of each attention head.", 16),
  kv_heads: positiveInteger("Key/value heads (grouped-query attention).", 2),
  ffn_multiplier: positiveNumber("Feed-forward hidden size as a multiple of d_model.", 2.6667),
  tied_embeddings: flagField({
    description: "Share the input embedding and the output projection. Byte-level models of a few thousand " +
      "parameters train far better untied: tied, they sit on a unigram-loss plateau for a seed-dependent part of " +
      "the run (see docs/training.md).",
    default: true
  }),
  layers: nonNegativeInteger(
    "A fixed depth for every size: only the width varies, so losses vary smoothly with N among tiny models, " +
      "where one layer more or less changes what a model can do. 0: depth and width are chosen per size to " +
      "keep d_model / layers near `aspect`.",
    0
  )
}).annotate({ description: "The family of shapes every run's model is drawn from." }).check(moeFieldsRule)

/** A model section's mixture-of-experts routing with its defaults filled in, or undefined for a dense family. */
export const moeShapeOf = (model: ModelFamilyFields): MoeShape | undefined =>
  model.family === "moe" && model.experts !== undefined
    ? {
      experts: model.experts,
      top_k: model.top_k ?? DEFAULT_TOP_K,
      aux_loss_weight: model.aux_loss_weight ?? DEFAULT_AUX_LOSS_WEIGHT
    }
    : undefined

export const IsoflopSweep = Schema.Struct({
  kind: withDefault(
    Schema.Literal("isoflop").annotate({ expected: "a sweep kind: `isoflop`", description: "The kind of sweep.", default: "isoflop" }),
    "isoflop"
  ),
  budgets: numberListField({
    expected: "a positive number",
    checks: [isGreaterThan(0)],
    allowEmpty: false,
    description: "Compute budgets: a number, a list, or an expression such as `logspace(1e11, 1e12, 3)`. Unit: FLOPs.",
    default: "logspace(1e11, 1e12, 3)"
  }),
  sizes_per_budget: numberField({
    expected: "an integer >= 3 (a parabola needs three points)",
    checks: [isInt(), isGreaterThanOrEqualTo(3)],
    description: "Model sizes trained at each budget.",
    default: 5
  }),
  span: numberField({
    expected: "a number > 1",
    checks: [isGreaterThan(1)],
    description: "Sizes run from N*/sqrt(span) to N*·sqrt(span) around the predicted optimum N*.",
    default: 8
  }),
  centre: choiceField(CENTRE_LAWS, {
    description: "The published law that predicts N* at each budget (see `scalelab laws`).",
    default: "chinchilla"
  }),
  adaptive: flagField({
    description: "Train the budgets in ascending order and centre each one's sizes on N*(C) fitted from the " +
      "budgets already finished (the published `centre` law only until a fit exists).",
    default: false
  }),
  seeds: positiveInteger("Training runs per (budget, size), each with its own seed.", 1)
})

/** The results tables a `table` sweep may name, by file extension (as `scalelab fit` reads them). */
export const RESULTS_TABLE_EXTENSIONS = [".csv", ".jsonl", ".ndjson"] as const

const resultsTablePath = Schema.String.annotate({
  expected: `a results table: a path ending ${RESULTS_TABLE_EXTENSIONS.join(", ")}`,
  description: "The results table (CSV, or JSON Lines), relative to the spec's folder (or `dataset` instead). One row per run, or several " +
    "per run sharing a `run` column (its training curve). Columns `params`, `tokens`, `flops` (any two: the third " +
    "is C = 6·N·D), `loss`, optionally `budget`, `seed` and `task.<name>.nll` / `task.<name>.acc`; see docs/fitting.md."
}).check(Schema.makeFilter((file: string) =>
  RESULTS_TABLE_EXTENSIONS.some((extension) => file.toLowerCase().endsWith(extension))
    ? undefined
    : `expected a results table: a path ending ${RESULTS_TABLE_EXTENSIONS.join(", ")}, got \`${file}\``
))

const datasetName = Schema.Literals(DATASET_NAMES).annotate({
  expected: `a dataset: ${DATASET_NAMES.map((name) => `\`${name}\``).join(", ")} (see \`scalelab data list\`)`,
  description: "A public results table by name, in place of `file`: downloaded at its pinned commit on first use, " +
    "checked against its sha256 and cached (see `scalelab data list` and docs/datasets.md)."
})

/** A table sweep names its table one way: a file, or a dataset. */
const oneTableSource = Schema.makeFilter((sweep: { readonly file?: string; readonly dataset?: string }) =>
  sweep.file !== undefined && sweep.dataset !== undefined
    ? { path: ["dataset"], issue: "expected `file` or `dataset`, not both: remove one of them" }
    : sweep.file === undefined && sweep.dataset === undefined
    ? { path: ["file"], issue: `expected \`file\` (a results table's path) or \`dataset\` (${DATASET_NAMES.join(", ")})` }
    : undefined
)

/**
 * Results trained elsewhere (a paper's runs, another framework's sweep): nothing is trained, and
 * `scalelab run` fits and reports the table's rows as `scalelab report TABLE` does.
 */
export const TableSweep = Schema.Struct({
  kind: Schema.Literal("table").annotate({
    expected: "a sweep kind: `isoflop`, `hyperparameters`, `mixture`, `annealing` or `table`",
    description: "Results trained elsewhere, read from `file` or `dataset`: nothing is trained."
  }),
  file: Schema.optionalKey(resultsTablePath),
  dataset: Schema.optionalKey(datasetName),
  map: withDefault(
    Schema.Record(Schema.String, Schema.String).annotate({
      expected: "a map from our column names to the table's, e.g. `{ params: \"Model Size\" }`",
      description: "Renames the table's columns to ours, ours on the left: `{ params: \"Model Size\", flops: \"Training " +
        "FLOP\" }` (as `scalelab fit --map params=\"Model Size\"`).",
      default: {}
    }),
    {}
  ),
  max_loss: withDefault(
    Schema.Union([Schema.Literal("none"), Schema.Finite.check(isGreaterThan(0))]).annotate({
      expected: "`none` or a positive loss",
      description: "Rows whose loss is above this are left out of the fits: outliers far above every other run " +
        "(Besiroglu et al. 2024 drop Chinchilla's five highest-loss runs). `none` keeps every row.",
      default: "none"
    }),
    "none"
  )
}).check(oneTableSource)

/** A hyperparameter sweep sizes its model one way: a published law's N*(C), or a fixed size. */
const oneSizeRule = Schema.makeFilter((sweep: { readonly centre?: string; readonly params?: number }) =>
  sweep.centre !== undefined && sweep.params !== undefined
    ? { path: ["params"], issue: "expected `centre` (a published law's N*(C) at each budget) or `params` (one size for every budget), not both: remove one of them" }
    : undefined
)

/**
 * A grid of learning rate × batch size at each budget (DeepSeek LLM §3.1): one model size per
 * budget, trained on the tokens that spend it, once per (lr, batch) pair; the fit reads each
 * budget's optimum off the grid and fits lr*(C) and B*(C) as power laws of compute.
 */
export const HyperparameterSweep = Schema.Struct({
  kind: Schema.Literal("hyperparameters").annotate({
    expected: "a sweep kind: `isoflop`, `hyperparameters`, `mixture`, `annealing` or `table`",
    description: "A grid of learning rate × batch size per budget, fitted as lr*(C) and B*(C) (DeepSeek LLM §3.1)."
  }),
  budgets: numberListField({
    expected: "a positive number",
    checks: [isGreaterThan(0)],
    allowEmpty: false,
    description: "Compute budgets: a number, a list, or an expression such as `logspace(1e10, 1e11, 3)`. Unit: FLOPs.",
    default: "logspace(1e10, 1e11, 3)"
  }),
  lr: numberListField({
    expected: "a positive learning rate",
    checks: [isGreaterThan(0)],
    allowEmpty: false,
    description: "Peak learning rates tried at every budget: a list, or an expression such as `logspace(3e-3, 1e-1, 4)`. " +
      "The optimum is read off as interior only where the best value has a neighbour on both sides.",
    default: "logspace(3e-3, 1e-1, 4)"
  }),
  batch_tokens: numberListField({
    expected: "a positive number of tokens",
    checks: [isGreaterThan(0)],
    allowEmpty: false,
    description: "Batch sizes tried at every budget, each rounded to whole sequences of `model.context` tokens. Unit: tokens.",
    default: [1024, 4096]
  }),
  centre: Schema.optionalKey(Schema.Literals(CENTRE_LAWS).annotate({
    expected: `a published law: ${CENTRE_LAWS.map((name) => `\`${name}\``).join(", ")}`,
    description: "The published law whose N*(C) sizes the model at each budget (see `scalelab laws`); `chinchilla` when " +
      "neither this nor `params` is given."
  })),
  params: optionalNumberField({
    expected: "a positive number of parameters",
    checks: [isGreaterThan(0)],
    description: "One model size for every budget, in place of `centre`: the shape nearest this many parameters. Unit: parameters."
  }),
  seeds: positiveInteger("Training runs per grid point, each with its own seed.", 1)
}).check(oneSizeRule)

/** The published law that sizes a hyperparameter sweep's model when neither `centre` nor `params` is given. */
export const DEFAULT_HYPERPARAMETER_CENTRE = "chinchilla"

/**
 * The fields of a sweep that trains one model size per budget (a data mixture, annealing probes):
 * the budgets, and the size at each, given (`params`) or from a published law (`centre`).
 */
const oneSizePerBudget = (budgetsDescription: string) => ({
  budgets: numberListField({
    expected: "a positive number",
    checks: [isGreaterThan(0)],
    allowEmpty: false,
    description: budgetsDescription,
    default: "1e12"
  }),
  params: Schema.optionalKey(Schema.Array(Schema.Finite.check(isGreaterThan(0))).annotate({
    expected: "a list of positive parameter counts, one per budget",
    description: "The model size trained at each budget, in ascending budget order; left out, `centre`'s N*(C)."
  })),
  centre: choiceField(CENTRE_LAWS, {
    description: "The published law whose N*(C) sizes the model at each budget when `params` is left out (see `scalelab laws`).",
    default: "chinchilla"
  })
})

/** `params`, when given, must hold one size per budget. */
const paramsPerBudgetProblems = (sweep: { readonly budgets: ReadonlyArray<number>; readonly params?: ReadonlyArray<number> }): Array<Schema.FilterIssue> =>
  sweep.params !== undefined && sweep.params.length !== sweep.budgets.length
    ? [{
      path: ["params"],
      issue: `expected one model size per budget (${sweep.budgets.length}, in ascending budget order), got ${sweep.params.length}`
    }]
    : []

/** A mixture sweep mixes this many domains. */
export const MIXTURE_DOMAINS = { min: 2, max: 4 } as const

/** How far a weight vector's sum may stray from 1 (weights written to a few decimals). */
export const WEIGHT_SUM_TOLERANCE = 1e-6

const domainNames = Schema.Record(Schema.String, corpusSourceField).annotate({
  expected: `a map of ${MIXTURE_DOMAINS.min} to ${MIXTURE_DOMAINS.max} domains, each name to a corpus`,
  description: `The domains to mix, ${MIXTURE_DOMAINS.min} to ${MIXTURE_DOMAINS.max}: a name (lowercase letters, digits, \`-\`, \`_\`) ` +
    "to a corpus in any form `data.corpus` takes (a built-in name, a path or glob, a list of them, or `{ kind: markov, ... }`). " +
    "Each domain holds out its own `data.validation` fraction of documents; weight vectors list the domains in this order."
})

/** A simplex lattice: every weight vector whose weights are multiples of 1/grid. */
const SimplexGrid = Schema.Struct({
  grid: numberField({
    expected: "an integer from 1 to 20",
    checks: [isInt(), isGreaterThanOrEqualTo(1), isLessThanOrEqualTo(20)],
    description: "Every weight vector whose weights are multiples of 1/grid (a simplex lattice): `grid: 4` with two " +
      "domains gives (0, 1), (0.25, 0.75), ..., (1, 0).",
    default: 4
  })
})

const weightDesign = Schema.Union([Schema.Array(Schema.Array(Schema.Finite)), SimplexGrid]).annotate({
  expected: "a list of weight vectors (each a list of one weight per domain, summing to 1) or `{ grid: m }`",
  description: "The mixtures to train: a list of weight vectors, each one weight per domain in the order of `corpora`, " +
    "each weight in [0, 1] and each vector summing to 1; or `{ grid: m }`, every vector of multiples of 1/m."
})

const mixtureRules = Schema.makeFilter((sweep: {
  readonly corpora: Readonly<Record<string, unknown>>
  readonly weights: ReadonlyArray<ReadonlyArray<number>> | { readonly grid: number }
  readonly budgets: ReadonlyArray<number>
  readonly params?: ReadonlyArray<number>
  readonly target?: ReadonlyArray<number>
}) => {
  const problems: Array<Schema.FilterIssue> = []
  const names = Object.keys(sweep.corpora)
  if (names.length < MIXTURE_DOMAINS.min || names.length > MIXTURE_DOMAINS.max) {
    problems.push({
      path: ["corpora"],
      issue: `expected ${MIXTURE_DOMAINS.min} to ${MIXTURE_DOMAINS.max} domains, got ${names.length}: ` +
        `${names.length < MIXTURE_DOMAINS.min ? "add" : "remove"} some`
    })
  }
  for (const name of names) {
    if (!NAME_PATTERN.test(name)) {
      problems.push({ path: ["corpora", name], issue: `expected a domain name of lowercase letters, digits, \`-\` and \`_\`, got \`${name}\`` })
    }
  }
  if (Array.isArray(sweep.weights)) {
    const vectors: ReadonlyArray<ReadonlyArray<number>> = sweep.weights
    if (vectors.length === 0) problems.push({ path: ["weights"], issue: "expected at least one weight vector" })
    vectors.forEach((vector, index) => {
      const sum = vector.reduce((total, weight) => total + weight, 0)
      const issue = vector.length !== names.length
        ? `expected ${names.length} weights (one per domain: ${names.join(", ")}), got ${vector.length}`
        : vector.some((weight) => weight < 0 || weight > 1)
        ? `expected weights in [0, 1], got [${vector.join(", ")}]`
        : Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE
        ? `expected weights summing to 1, got [${vector.join(", ")}] summing to ${sum}`
        : undefined
      if (issue !== undefined) problems.push({ path: ["weights", index], issue })
    })
  }
  if (sweep.target !== undefined) {
    const sum = sweep.target.reduce((total, weight) => total + weight, 0)
    const issue = sweep.target.length !== names.length
      ? `expected ${names.length} weights (one per domain: ${names.join(", ")}), got ${sweep.target.length}`
      : sweep.target.some((weight) => weight < 0) || Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE
      ? `expected weights >= 0 summing to 1, got [${sweep.target.join(", ")}]`
      : undefined
    if (issue !== undefined) problems.push({ path: ["target"], issue })
  }
  problems.push(...paramsPerBudgetProblems(sweep))
  return problems
})

/**
 * Data-mixture sweeps (Llama 3 §3.1.2; Ye et al. 2024): one model size per budget trained on each
 * weighting of several corpora, so that a law of each domain's loss in the weights can be fitted.
 */
export const MixtureSweep = Schema.Struct({
  kind: Schema.Literal("mixture").annotate({
    expected: "a sweep kind: `isoflop`, `hyperparameters`, `mixture`, `annealing` or `table`",
    description: "Weightings of several corpora, each trained at every budget: `data.corpus` is not used."
  }),
  corpora: domainNames,
  weights: weightDesign,
  ...oneSizePerBudget("Compute budgets, one model size each: a number, a list, or an expression. Unit: FLOPs."),
  seeds: positiveInteger("Training runs per (budget, weight vector), each with its own seed.", 1),
  target: Schema.optionalKey(Schema.Array(Schema.Finite).annotate({
    expected: "a list of one weight per domain, summing to 1",
    description: "What the predicted best mixture minimises: the domains' validation losses weighted by these, in the " +
      "order of `corpora`. Left out, their mean (1/K each), as each run's `val_loss` is."
  }))
}).check(mixtureRules)

/** The weights of the domains' losses in the target a mixture sweep minimises: `target`, else the mean. */
export const mixtureTarget = (sweep: MixtureSweepSettings): ReadonlyArray<number> => {
  const domains = Object.keys(sweep.corpora).length
  return sweep.target ?? Array.from({ length: domains }, () => 1 / domains)
}

/** An annealing sweep values this many candidate datasets. */
export const ANNEALING_CANDIDATES = { min: 1, max: 4 } as const

/** The domain name of an annealing sweep's default data, beside its candidates' names. */
export const ANNEALING_BASE = "base"

const annealingRules = Schema.makeFilter((sweep: {
  readonly candidates: Readonly<Record<string, unknown>>
  readonly budgets: ReadonlyArray<number>
  readonly params?: ReadonlyArray<number>
  readonly target?: Readonly<Record<string, number>>
}) => {
  const problems: Array<Schema.FilterIssue> = []
  const names = Object.keys(sweep.candidates)
  if (names.length < ANNEALING_CANDIDATES.min || names.length > ANNEALING_CANDIDATES.max) {
    problems.push({
      path: ["candidates"],
      issue: `expected ${ANNEALING_CANDIDATES.min} to ${ANNEALING_CANDIDATES.max} candidate datasets, got ${names.length}`
    })
  }
  for (const name of names) {
    const issue = name === ANNEALING_BASE
      ? `\`${ANNEALING_BASE}\` names the default data (\`sweep.base\`): give the candidate another name`
      : NAME_PATTERN.test(name)
      ? undefined
      : `expected a candidate name of lowercase letters, digits, \`-\` and \`_\`, got \`${name}\``
    if (issue !== undefined) problems.push({ path: ["candidates", name], issue })
  }
  problems.push(...paramsPerBudgetProblems(sweep))
  if (sweep.target !== undefined) {
    const domains = [ANNEALING_BASE, ...names]
    for (const name of Object.keys(sweep.target)) {
      if (!domains.includes(name)) {
        problems.push({ path: ["target", name], issue: `expected a domain of the sweep (${domains.join(", ")}), got \`${name}\`` })
      }
    }
    const weights = Object.values(sweep.target)
    const sum = weights.reduce((total, weight) => total + weight, 0)
    if (weights.some((weight) => weight < 0) || Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) {
      problems.push({ path: ["target"], issue: `expected weights >= 0 summing to 1, got ${weights.join(" + ")} = ${sum}` })
    }
  }
  return problems
})

/**
 * Annealing probes (Llama 3 §3.1.3): a checkpoint trained on the default data at a constant
 * learning rate, then annealed linearly to zero over a few tokens, once on the default data alone
 * (the control) and once per candidate dataset mixed in at `weight`. A candidate's value is the
 * change of the losses it gives against the control's.
 */
export const AnnealingSweep = Schema.Struct({
  kind: Schema.Literal("annealing").annotate({
    expected: "a sweep kind: `isoflop`, `hyperparameters`, `mixture`, `annealing` or `table`",
    description: "Annealing probes that value candidate datasets: `data.corpus` is not used (`base` is the default data)."
  }),
  base: corpusSourceField.annotate({
    description: "The default data, in any form `data.corpus` takes: the checkpoint trains on it alone, and each " +
      "anneal keeps it for the share `weight` leaves. Its domain is called `base`."
  }),
  candidates: Schema.Record(Schema.String, corpusSourceField).annotate({
    expected: `a map of ${ANNEALING_CANDIDATES.min} to ${ANNEALING_CANDIDATES.max} candidates, each name to a corpus`,
    description: "The datasets to value: a name (lowercase letters, digits, `-`, `_`; not `base`) to a corpus in any " +
      "form `data.corpus` takes. Every run is scored on each candidate's and the default data's held-out documents."
  }),
  ...oneSizePerBudget("The checkpoints' training budgets, one checkpoint (per seed) each: a number, a list, or an expression. Unit: FLOPs."),
  anneal: numberField({
    expected: "a fraction in (0, 1]",
    checks: [isGreaterThan(0), isLessThanOrEqualTo(1)],
    description: "Tokens of each anneal as a fraction of the checkpoint's tokens (rounded to whole batches). Llama 3 " +
      "annealed 40B tokens; small models need a larger share for an effect above the seeds' noise. Unit: fraction.",
    default: 0.1
  }),
  weight: fraction("(0, 1)", "The candidate's share of an anneal's tokens; the default data has the rest. Llama 3 used 0.3. Unit: fraction.", 0.3),
  seeds: positiveInteger(
    "Checkpoints per budget, each with its own seed and its own anneals: the spread of the differences to the " +
      "control over the seeds gives the intervals (with one seed there are none).",
    2
  ),
  target: Schema.optionalKey(Schema.Record(Schema.String, Schema.Finite).annotate({
    expected: "a map of domain names to weights summing to 1",
    description: "What a candidate's value is measured on: the domains' validation losses weighted by these (`base` " +
      "and the candidates' names). Left out, their mean."
  }))
}).check(annealingRules)

/** An annealing sweep's domains, in the order runs list them: the default data, then the candidates. */
export const annealingCorpora = (sweep: AnnealingSweepSettings): Readonly<Record<string, CorpusSource>> => ({
  [ANNEALING_BASE]: sweep.base,
  ...sweep.candidates
})

/** The weights of the domains' losses in an annealing sweep's target, in annealingCorpora's order: `target`, else the mean. */
export const annealingTarget = (sweep: AnnealingSweepSettings): ReadonlyArray<number> => {
  const names = Object.keys(annealingCorpora(sweep))
  return names.map((name) => sweep.target === undefined ? 1 / names.length : sweep.target[name] ?? 0)
}

/** Sweeps are a union on `kind`: runs to train (IsoFLOP, hyperparameter grid, data mixture, annealing), or results trained elsewhere (a table). */
export const Sweep = Schema.Union([IsoflopSweep, HyperparameterSweep, MixtureSweep, AnnealingSweep, TableSweep]).annotate({
  description: "Which runs to train (`kind: isoflop`; `kind: hyperparameters`, a learning rate × batch size grid per " +
    "budget; `kind: mixture`, weightings of several corpora; `kind: annealing`, annealing probes valuing candidate " +
    "datasets), or a table of runs trained elsewhere (`kind: table`)."
})

export const OptimizerSettings = Schema.Struct({
  name: choiceField(["adamw"], { description: "Optimiser.", default: "adamw" }),
  beta1: fraction("[0, 1)", "AdamW beta1.", 0.9),
  beta2: fraction("[0, 1)", "AdamW beta2.", 0.95),
  eps: positiveNumber("AdamW epsilon.", 1e-8),
  weight_decay: nonNegativeNumber("Decoupled weight decay.", 0.1)
}).annotate({ description: "The optimiser and its settings." })

export const TrainingSettings = Schema.Struct({
  optimizer: sectionWithDefaults(OptimizerSettings),
  lr: lawOrExpressionField({
    expected: "a positive learning rate",
    hyperparameter: "learning_rate",
    description: "Peak learning rate: a number or an expression in N (params), D (tokens), C (FLOPs); or a law of C: " +
      "a published law with a learning rate (`deepseek-llm`, see `scalelab laws`), or `{ from: <spec> }`, the lr*(C) " +
      "fitted by another spec's `kind: hyperparameters` sweep (a path relative to this spec; its `scalelab run` writes " +
      "the fit to its default store). Each run takes the law's value at its budget C; see docs/hyperparameters.md.",
    default: "3e-3 * (N / 1e5)^-0.25"
  }),
  warmup: fraction("[0, 1)", "Fraction of steps spent in linear warmup. Unit: fraction of steps.", 0.05),
  schedule: choiceField(["cosine", "constant", "linear"], {
    description: "Learning-rate schedule after warmup: a cosine or linear decay to `min_lr_fraction` of lr at the last step, or constant.",
    default: "cosine"
  }),
  min_lr_fraction: fraction("[0, 1]", "The cosine and linear schedules end at lr times this. Unit: fraction of lr.", 0.1),
  batch_tokens: lawOrExpressionField({
    expected: "a positive number of tokens",
    hyperparameter: "batch_tokens",
    description: "Tokens per optimiser step: a number or an expression in N, D, C (`D / 500`: 500 steps a run); or a " +
      "law of C, as for `lr`: `deepseek-llm`, or `{ from: <spec> }` (the B*(C) another spec's hyperparameter sweep " +
      "fitted); rounded to whole sequences of `model.context` tokens. Unit: tokens.",
    default: "4096"
  }),
  grad_clip: nonNegativeNumber("Global gradient-norm clip; 0 disables it.", 1)
}).annotate({ description: "How each run trains." })

export const ClozeSettings = Schema.Struct({
  items: nonNegativeInteger(
    "Questions in the cloze benchmark; 0 turns it off. Each costs `choices` sequences of `model.context` " +
      "tokens, so the defaults cost about what the validation loss costs at the default context and val_tokens.",
    32
  ),
  choices: numberField({
    expected: "an integer >= 2",
    checks: [isInt(), isGreaterThanOrEqualTo(2)],
    description: "Continuations offered per question: the true one and choices - 1 drawn from elsewhere in the " +
      "validation text. Chance accuracy is 1 / choices.",
    default: 4
  }),
  answer_bytes: numberField({
    expected: "an integer >= 2",
    checks: [isInt(), isGreaterThanOrEqualTo(2)],
    description: "Longest continuation: whole words, at least half this long. At most half of `model.context` while " +
      "the cloze is on, so that a prompt always keeps the other half. Unit: bytes.",
    default: 32
  })
}).annotate({
  description: "A cloze benchmark from the validation text: after a prompt, which continuation is the true one? " +
    "Reported as accuracy (`cloze_accuracy`) and as the true continuation's loss in nats per byte (`cloze_nll`), " +
    "the two quantities of the Llama 3 paper's two-stage forecast of benchmark accuracy. The questions depend only " +
    "on the data settings and `model.context`, so every run of an experiment answers the same ones."
})

/** The exact n-gram the Llama 3 paper measures memorization with; tiny contexts scale it down. */
export const MEMORIZATION_NGRAM = 50

/** A run's memorization window in tokens: the prefix shown and the continuation to reproduce. */
export interface MemorizationWindow {
  readonly prefix_tokens: number
  readonly continuation_tokens: number
}

/**
 * The window `auto` resolves to: n = min(50, floor(context / 2)), the prefix the rest of the
 * context. The n-gram stays the paper's 50 where the context holds it twice; below that a prefix at
 * least as long as the continuation keeps the test one of recall from context rather than of guessing.
 */
export const memorizationWindow = (
  settings: { readonly prefix_tokens: "auto" | number; readonly continuation_tokens: "auto" | number },
  context: number
): MemorizationWindow => {
  const continuation_tokens = settings.continuation_tokens === "auto"
    ? Math.min(MEMORIZATION_NGRAM, Math.floor(context / 2))
    : settings.continuation_tokens
  return {
    prefix_tokens: settings.prefix_tokens === "auto" ? context - continuation_tokens : settings.prefix_tokens,
    continuation_tokens
  }
}

/** A memorization window's length: `auto` (scaled to the context) or a number of tokens. */
const windowLength = (description: string) =>
  withDefault(
    Schema.Union([Schema.Literal("auto"), Schema.Int.check(isGreaterThanOrEqualTo(1))]).annotate({
      expected: "`auto` or an integer >= 1",
      description,
      default: "auto"
    }),
    "auto"
  )

export const MemorizationSettings = Schema.Struct({
  prompts: nonNegativeInteger(
    "Training prefixes to prompt with; 0 turns the evaluation off. It costs one forward pass over this many " +
      "windows of `model.context` tokens at the end of a run: a few dozen cost less than the validation loss.",
    0
  ),
  continuation_tokens: windowLength(
    `The n of the n-gram the model must reproduce. \`auto\`: min(${MEMORIZATION_NGRAM}, model.context / 2, rounded ` +
      `down): the Llama 3 paper's ${MEMORIZATION_NGRAM}-gram where the context holds it twice, else half the context, so ` +
      "the prefix is never shorter than what it must recall. Unit: tokens."
  ),
  prefix_tokens: windowLength(
    "Training tokens shown before the continuation. `auto`: the rest of the window, model.context - n, so that " +
      "prefix and continuation together are one context window. Unit: tokens."
  )
}).annotate({
  description: "Memorization, as the Llama 3 paper measures it after Carlini et al. 2022: prompt the trained model with prefixes of its " +
    "own training tokens, drawn from the run's seed, continue each greedily, and count a prompt memorized when the " +
    "n generated tokens equal the n that followed in the training data. Reported as the fraction memorized " +
    "(`memorization`) at the end of each run. Off by default."
})

export const EvalSettings = Schema.Struct({
  every: fraction("(0, 1]", "Evaluate validation loss every this fraction of a run, and at its end. Unit: fraction of steps.", 0.1),
  cloze: sectionWithDefaults(ClozeSettings),
  memorization: sectionWithDefaults(MemorizationSettings)
}).annotate({ description: "When runs are evaluated, and on what." })


/** Which tokens the fits take as a run's D. */
export const FIT_TOKENS = ["total", "effective"] as const
export type FitTokens = typeof FIT_TOKENS[number]

export const FitSettings = Schema.Struct({
  methods: choiceListField(FIT_METHODS, {
    description: `Scaling-law fits the end of a sweep and \`scalelab report\` make: ${describeFitMethods(FIT_METHODS)}. ` +
      "Downstream fits each task the runs were scored on (the cloze benchmark when it is on).",
    default: FIT_METHODS
  }),
  isoflop_minimum: choiceField(isoflopMinimumEstimators, {
    description: `How the \`isoflop\` fit reads each budget's minimum off its runs: ${describeIsoflopMinima()}. ` +
      "An adaptive sweep's plan, the end of a sweep, `scalelab report`, `backtest`, `fit` and `forecast --from` of this spec all read minima this " +
      "way (`fit --isoflop-minimum` overrides it); see docs/fitting.md, \"Reading each budget's minimum\".",
    default: defaultIsoflopMinimum
  }),
  tokens: choiceField(FIT_TOKENS, {
    description: "A run's D in the fits. `total`: the tokens it trained on. `effective`: what those tokens are worth " +
      "when the corpus repeats (Muennighoff et al. 2023): D' = U + U·R*·(1 − e^(−R/R*)), U the corpus's unique " +
      "training tokens, R the repetitions beyond the first epoch, R* = 15.39; D' = D within one epoch.",
    default: "total"
  }),
  bootstrap: numberField({
    expected: `an integer from 0 to ${MAX_BOOTSTRAP_RESAMPLES.toLocaleString("en-US")}`,
    checks: [isInt(), isGreaterThanOrEqualTo(0), isLessThanOrEqualTo(MAX_BOOTSTRAP_RESAMPLES)],
    description: "Bootstrap resamples for the fits' 80% intervals and the forecast's band; 0 for none.",
    default: DEFAULT_BOOTSTRAP_RESAMPLES
  }),
  law_form: choiceField(LAW_FORM_CHOICES, {
    description: `The parametric method's law of loss in N and D: ${describeLawForms()}. \`auto\` fits each form to all ` +
      "budgets but the largest (and the two largest) and keeps the one whose forecasts of the held-out runs missed " +
      "least; see docs/fitting.md, \"Law forms and extrapolation\".",
    default: DEFAULT_LAW_FORM
  })
}).annotate({ description: "How results are fitted." })

export const ForecastSettings = Schema.Struct({
  compute: numberListField({
    expected: "a positive number",
    checks: [isGreaterThan(0)],
    allowEmpty: true,
    description: "Budgets to forecast; when empty, ten and a hundred times the largest swept budget. Unit: FLOPs.",
    default: []
  })
}).annotate({ description: "Budgets to forecast beyond the sweep." })

export const EXECUTORS = ["local", "command", "slurm"] as const
export type ExecutorName = typeof EXECUTORS[number]

/** Free text that may be left empty, where empty means "not set" (Slurm's own default, say). */
const optionalText = (description: string) =>
  withDefault(Schema.String.annotate({ expected: "text", description, default: "" }), "")

export const CommandSettings = Schema.Struct({
  run: optionalText(
    "The external trainer's command line, run by `sh -c` in the spec's folder once per run, with `{run_dir}` " +
      "replaced by the run folder (quoted). It follows the worker contract: read run.json there, append " +
      "metrics.jsonl, write result.json last. Required with `executor: command`; with `executor: slurm` each " +
      "run's job runs it (empty: the built-in trainer); not allowed with `executor: local`."
  ),
  version: textField({
    description: "The external trainer's version. It is part of every run's id: change it when the trainer " +
      "changes what it computes, so that finished runs are not mistaken for the new trainer's.",
    default: "1"
  })
}).annotate({ description: "The external trainer (`executor: command`)." })

export const SlurmSettings = Schema.Struct({
  partition: optionalText("Partition (sbatch --partition); empty: the cluster's default."),
  time: optionalText("Time limit per run as Slurm writes it (sbatch --time), e.g. `02:00:00`; empty: the partition's."),
  gpus: nonNegativeInteger("GPUs per run (sbatch --gpus).", 0),
  cpus_per_task: positiveInteger("CPU cores per run (sbatch --cpus-per-task).", 1),
  memory: optionalText("Memory per run (sbatch --mem), e.g. `8G`; empty: the partition's default."),
  sbatch_flags: withDefault(
    Schema.Array(Schema.String).annotate({
      expected: "a list of sbatch options",
      description: "Further sbatch options, one per item, e.g. `--account=lab` or `--qos=short`.",
      default: []
    }),
    []
  ),
  poll_seconds: positiveNumber("How often job states are read from squeue. Unit: seconds.", 5)
}).annotate({ description: "Slurm jobs (`executor: slurm`): one sbatch job per run." })

export const DivergenceSettings = Schema.Struct({
  retries: nonNegativeInteger(
    "Times a diverged run (non-finite loss) is retrained from scratch with a lower learning rate; 0 records it as diverged.",
    0
  ),
  lr_factor: fraction("(0, 1)", "Each retry's learning rate is the previous one times this.", 0.5)
}).annotate({ description: "What to do when a run diverges." })

export const ExecutionSettings = Schema.Struct({
  executor: choiceField(EXECUTORS, {
    description: "Where runs execute: `local` worker processes of the built-in trainer, `command` an external " +
      "trainer on this machine (see `command`), `slurm` one Slurm job per run (see `slurm`).",
    default: "local"
  }),
  concurrency: withDefault(
    Schema.Union([Schema.Literal("auto"), Schema.Int.check(isGreaterThanOrEqualTo(1))]).annotate({
      expected: "`auto` or an integer >= 1",
      description: "Runs at once; `auto` is the number of CPU cores for `local` and `command`, every run for `slurm`.",
      default: "auto"
    }),
    "auto"
  ),
  retries: nonNegativeInteger(
    "Times a failed run (crashed, killed, hung, or its Slurm job lost) is retried, resuming from its checkpoint.",
    2
  ),
  hang_timeout: nonNegativeNumber(
    "How long a run may go without a new metric line before it is declared hung, killed and retried; 0 never. Unit: seconds.",
    900
  ),
  divergence: sectionWithDefaults(DivergenceSettings),
  command: sectionWithDefaults(CommandSettings),
  slurm: sectionWithDefaults(SlurmSettings),
  backend: choiceField(Backend.literals, {
    description: "Tensor backend of the built-in trainer: `cuda` (TensorFlow's native library on an NVIDIA GPU, " +
      "@tensorflow/tfjs-node-gpu), `tensorflow` (TensorFlow's native library on the CPU, @tensorflow/tfjs-node), " +
      "`webgpu` (the GPU through WebGPU: Dawn, Vulkan on Linux), `wasm` (WebAssembly with SIMD, one thread per run), " +
      "`cpu` (plain JavaScript, slowest). `auto` takes the first of these, in that order, that starts and computes " +
      "correctly, passing over software WebGPU adapters (e.g. llvmpipe), which are slower than `wasm`.",
    default: "auto"
  })
}).annotate({ description: "How runs are executed." }).check(Schema.makeFilter((execution: {
  readonly executor: ExecutorName
  readonly command: { readonly run: string }
}) => {
  const hasCommand = execution.command.run.trim() !== ""
  if (execution.executor === "command" && !hasCommand) {
    return {
      path: ["command", "run"],
      issue: "expected the external trainer's command line with `executor: command`, e.g. " +
        "`run: python3 train.py {run_dir}`"
    }
  }
  // The built-in trainer would train the runs and the command would silently go unused.
  if (execution.executor === "local" && hasCommand) {
    return {
      path: ["command", "run"],
      issue: "`executor: local` trains with the built-in trainer, which would leave this command unused: set " +
        "`executor: command` to run it here, or `executor: slurm` to run it in Slurm jobs, or remove `command.run`"
    }
  }
  return undefined
}))

export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/u // the u flag lets the JSON Schema carry the pattern

export const ExperimentSchema = Schema.Struct({
  name: Schema.String.annotate({ expected: "a name", description: "Experiment name; used in folder names." })
    .check(isPattern(NAME_PATTERN, {
      expected: "a name of lowercase letters, digits, `-` and `_`, starting with a letter or digit"
    })),
  description: withDefault(Schema.String.annotate({ expected: "text", description: "Free text.", default: "" }), ""),
  data: sectionWithDefaults(DataSettings),
  model: sectionWithDefaults(ModelSettings),
  flops: choiceField(FlopConvention.literals, {
    description: "FLOP accounting: 6N, 6N+attention, or exact per-layer counts.",
    default: "6N"
  }),
  sweep: sectionWithDefaults(Sweep),
  training: sectionWithDefaults(TrainingSettings),
  eval: sectionWithDefaults(EvalSettings),
  fit: sectionWithDefaults(FitSettings),
  forecast: sectionWithDefaults(ForecastSettings),
  execution: sectionWithDefaults(ExecutionSettings)
}).annotate({
  title: "scalelab experiment",
  description: "A scaling-law experiment: the runs to train, how to train them, and how to fit and forecast."
}).check(Schema.makeFilter((experiment: { readonly sweep: { readonly kind: string }; readonly fit: { readonly tokens: FitTokens } }) =>
  // A table gives each run's tokens, not the size of the corpus they came from.
  experiment.sweep.kind === "table" && experiment.fit.tokens === "effective"
    ? {
      path: ["fit", "tokens"],
      issue: "expected `total` with `sweep.kind: table`: effective tokens need the unique tokens of each run's " +
        "corpus, which a results table does not give"
    }
    : undefined
)).check(Schema.makeFilter((experiment: {
  readonly model: { readonly context: number }
  readonly eval: { readonly cloze: { readonly items: number; readonly answer_bytes: number } }
}) => {
  // The trainer cuts continuations to half the context so that each prompt keeps the other half.
  const { cloze } = experiment.eval
  const longest = Math.floor(experiment.model.context / 2)
  return cloze.items > 0 && cloze.answer_bytes > longest
    ? {
      path: ["eval", "cloze", "answer_bytes"],
      issue: `expected eval.cloze.answer_bytes at most half of model.context (${experiment.model.context}), so that a prompt ` +
        `keeps the other half; got ${cloze.answer_bytes}: set it to ${longest} or less, raise model.context, or turn the cloze ` +
        "off with `items: 0`"
    }
    : undefined
})).check(Schema.makeFilter((experiment: {
  readonly model: { readonly context: number }
  readonly eval: { readonly memorization: typeof MemorizationSettings.Type }
}) => {
  // Prefix and continuation go through the model as one window of the context.
  const { memorization } = experiment.eval
  const { context } = experiment.model
  if (memorization.prompts === 0) return undefined
  const window = memorizationWindow(memorization, context)
  if (window.prefix_tokens >= 1 && window.prefix_tokens + window.continuation_tokens <= context) return undefined
  const field = memorization.prefix_tokens === "auto" ? "continuation_tokens" : "prefix_tokens"
  return {
    path: ["eval", "memorization", field],
    issue: `expected eval.memorization.prefix_tokens + continuation_tokens at most model.context (${context}) with a ` +
      `prefix of at least one token; got ${window.prefix_tokens} + ${window.continuation_tokens}: shorten them (\`auto\` ` +
      "fits both to the context), raise model.context, or turn the evaluation off with `prompts: 0`"
  }
}))

/** A decoded spec of any sweep kind: every field present, expressions evaluated except `training.lr`. */
export type ExperimentSpec = typeof ExperimentSchema.Type
export type IsoflopSweepSettings = typeof IsoflopSweep.Type
export type TableSweepSettings = typeof TableSweep.Type
export type HyperparameterSweepSettings = typeof HyperparameterSweep.Type
export type MixtureSweepSettings = typeof MixtureSweep.Type
export type AnnealingSweepSettings = typeof AnnealingSweep.Type

/** An experiment whose runs scalelab trains (an IsoFLOP sweep): what the planner, runner and trainer take. */
export type Experiment = ExperimentSpec & { readonly sweep: IsoflopSweepSettings }

/** A learning rate × batch size grid to train (`sweep.kind: hyperparameters`). */
export type HyperparameterExperiment = ExperimentSpec & { readonly sweep: HyperparameterSweepSettings }

/** A spec whose runs scalelab trains, of either kind: what the planner's sizing and the trainer need. */
export type TrainedSpec = Experiment | HyperparameterExperiment
/** A data-mixture experiment: one model per budget trained on each weighting of its corpora. */
export type MixtureExperiment = ExperimentSpec & { readonly sweep: MixtureSweepSettings }

/** An annealing-probe experiment: per budget and seed a checkpoint, its control anneal and one anneal per candidate. */
export type AnnealingExperiment = ExperimentSpec & { readonly sweep: AnnealingSweepSettings }

/** The weight vectors a mixture sweep trains, each one weight per domain in the order of `corpora`. */
export const mixtureWeights = (sweep: MixtureSweepSettings): ReadonlyArray<ReadonlyArray<number>> => {
  if (Array.isArray(sweep.weights)) return sweep.weights
  const { grid } = sweep.weights as { readonly grid: number }
  return simplexLattice(Object.keys(sweep.corpora).length, grid)
}

/** A spec of results trained elsewhere, read from a table. */
export type TableExperiment = ExperimentSpec & { readonly sweep: TableSweepSettings }

export const isTableExperiment = (spec: ExperimentSpec): spec is TableExperiment => spec.sweep.kind === "table"

/** The spec as an IsoFLOP experiment to train, or undefined for another kind. */
export const trainedExperiment = (spec: ExperimentSpec): Experiment | undefined => {
  const { sweep } = spec
  return sweep.kind === "isoflop" ? { ...spec, sweep } : undefined
}

/**
 * The spec as runs the planner sizes from a law or a fixed size (an IsoFLOP sweep or a hyperparameter
 * grid), or undefined for a data mixture (planned by domain weights) or results trained elsewhere.
 */
export const trainedSpec = (spec: ExperimentSpec): TrainedSpec | undefined => {
  const { sweep } = spec
  switch (sweep.kind) {
    case "table":
    case "mixture":
    case "annealing":
      return undefined
    case "hyperparameters":
      return { ...spec, sweep }
    case "isoflop":
      return { ...spec, sweep }
  }
}

/** A spec by what it describes: an IsoFLOP experiment to train, a hyperparameter grid, a data mixture, or results trained elsewhere. */
export type SpecOfKind =
  | { readonly _tag: "Trained"; readonly experiment: Experiment }
  | { readonly _tag: "Hyperparameters"; readonly experiment: HyperparameterExperiment }
  | { readonly _tag: "Table"; readonly table: TableExperiment }
  | { readonly _tag: "Mixture"; readonly mixture: MixtureExperiment }
  | { readonly _tag: "Annealing"; readonly annealing: AnnealingExperiment }

export const specOfKind = (spec: ExperimentSpec): SpecOfKind => {
  const { sweep } = spec
  switch (sweep.kind) {
    case "table":
      return { _tag: "Table", table: { ...spec, sweep } }
    case "hyperparameters":
      return { _tag: "Hyperparameters", experiment: { ...spec, sweep } }
    case "mixture":
      return { _tag: "Mixture", mixture: { ...spec, sweep } }
    case "annealing":
      return { _tag: "Annealing", annealing: { ...spec, sweep } }
    case "isoflop":
      return { _tag: "Trained", experiment: { ...spec, sweep } }
  }
}
