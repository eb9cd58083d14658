// The worker contract (docs/execution.md, "The worker contract"): what a run folder holds.
// `run.json` is written by the runner and read by any trainer, built-in or external;
// `result.json` and `metrics.jsonl` are written by the trainer and read back by the runner.
// Everything here is plain JSON so that trainers in other languages can follow it.
import { Schema } from "effect"

/** The files of a run folder, by role: one list of names for the runner, the trainer and the docs. */
export const runFolderFiles = {
  spec: "run.json", // written by the runner
  metrics: "metrics.jsonl", // appended by the trainer
  result: "result.json", // written last by the trainer: its presence means a finished run
  checkpoint: "checkpoint.bin", // the built-in trainer's checkpoint
  // The built-in trainer's weights and optimiser moments at the end of a run with `save_final`, in
  // checkpoint.bin's format: what a run with `init` (an annealing probe) starts from.
  final: "final.bin"
} as const

/** Environment variables a coordinator sets for every trainer it starts on this machine. */
export const workerEnvironment = {
  /** The run folder, also given on the command line. */
  runDir: "SCALELAB_RUN_DIR",
  /**
   * "1" when stdin is a pipe held open by the coordinator: it closes when the coordinator dies,
   * even by SIGKILL. A trainer should then checkpoint and exit, as on SIGTERM.
   */
  stdinLifeline: "SCALELAB_STDIN_LIFELINE"
} as const

export const FlopConvention = Schema.Literals(["6N", "6N+attention", "exact"])
export type FlopConvention = typeof FlopConvention.Type

// `bytes`: one token per UTF-8 byte (256 tokens). `bpe`: byte-level BPE whose vocabulary is the run's
// shape.vocab (the 256 bytes, then one token per merge), trained on the training split only.
export const Tokenizer = Schema.Literals(["bytes", "bpe"])
export type Tokenizer = typeof Tokenizer.Type

export const BYTE_VOCABULARY = 256

/** Vocabulary size of a tokenizer choice: the planner sizes the embedding with it, the trainer builds it. */
export const tokenizerVocab = (data: { readonly tokenizer: Tokenizer; readonly vocab: number }): number =>
  data.tokenizer === "bytes" ? BYTE_VOCABULARY : data.vocab

// Corpora. Built-in ones are named by a string (as before other kinds existed, so their runs keep
// their ids); every other kind is an object with a `kind`, holding all that determines its text.
export const BuiltInCorpus = Schema.Literals(["moby-dick", "sotu"])
export type BuiltInCorpus = typeof BuiltInCorpus.Type

/** Text files, one document each, in this order; a trainer refuses a file whose sha256 differs. */
export const FilesRunCorpus = Schema.Struct({
  kind: Schema.Literal("files"),
  files: Schema.Array(Schema.Struct({
    path: Schema.String, // absolute
    sha256: Schema.String // hex digest of the file's bytes
  }))
})
export type FilesRunCorpus = typeof FilesRunCorpus.Type

/** How a Markov source writes symbol i: the i-th of these characters (one UTF-8 byte each). */
export const MARKOV_SYMBOLS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

/**
 * A synthetic source: a random sparse order-`order` Markov chain over `alphabet` symbols, each
 * context with `branching` possible next symbols; `documents` documents of `length` symbols. The
 * chain and the documents follow from `seed` (see the trainer's markovSource.ts).
 */
export const MarkovCorpus = Schema.Struct({
  kind: Schema.Literal("markov"),
  alphabet: Schema.Int,
  order: Schema.Int,
  branching: Schema.Int,
  documents: Schema.Int,
  length: Schema.Int,
  seed: Schema.Int
})
export type MarkovCorpus = typeof MarkovCorpus.Type

/** One corpus, fixed by this value (files by their digests): a run's whole corpus, or one domain of a mixture. */
export const DomainCorpus = Schema.Union([BuiltInCorpus, FilesRunCorpus, MarkovCorpus])
export type DomainCorpus = typeof DomainCorpus.Type

/**
 * Several corpora mixed by weight (`sweep.kind: mixture`): each domain holds out its own validation
 * documents, training windows come from domain i with probability `weight` (the weights sum to 1),
 * and the run's loss is measured on every domain's validation set.
 */
export const MixtureRunCorpus = Schema.Struct({
  kind: Schema.Literal("mixture"),
  domains: Schema.Array(Schema.Struct({ name: Schema.String, corpus: DomainCorpus, weight: Schema.Finite }))
})
export type MixtureRunCorpus = typeof MixtureRunCorpus.Type

/** Exactly what a run trains on: its content is fixed by this value. */
export const RunCorpus = Schema.Union([BuiltInCorpus, FilesRunCorpus, MarkovCorpus, MixtureRunCorpus])
export type RunCorpus = typeof RunCorpus.Type

// The built-in trainer's tensor backends, fastest first; `auto` takes the first that works
// (see ExecutionSettings.backend in experiment.ts for what each name means).
export const Backend = Schema.Literals(["auto", "cuda", "tensorflow", "webgpu", "wasm", "cpu"])
export type Backend = typeof Backend.Type

/** The model families: `llama` (dense) and `moe` (its feed-forwards a mixture of experts). */
export const MODEL_FAMILIES = ["llama", "moe"] as const
export type ModelFamily = typeof MODEL_FAMILIES[number]

/**
 * A mixture-of-experts feed-forward: `experts` SwiGLU experts of the dense width `ffn` per layer
 * and a d_model × experts router sending each token to `top_k` of them, trained with the Switch
 * load-balancing loss at weight `aux_loss_weight`.
 */
export const MoeShape = Schema.Struct({
  experts: Schema.Int,
  top_k: Schema.Int,
  aux_loss_weight: Schema.Finite
})
export type MoeShape = typeof MoeShape.Type

/** A Llama-style decoder shape: everything needed to build the model and count it exactly. */
export const ModelShape = Schema.Struct({
  layers: Schema.Int,
  d_model: Schema.Int,
  heads: Schema.Int,
  kv_heads: Schema.Int,
  head_dim: Schema.Int,
  ffn: Schema.Int, // hidden size of the SwiGLU feed-forward
  context: Schema.Int,
  vocab: Schema.Int,
  tied_embeddings: Schema.Boolean,
  // Present only for `family: moe`, so that dense shapes (and their runs' ids) are as before it existed.
  moe: Schema.optionalKey(MoeShape)
})
export type ModelShape = typeof ModelShape.Type

export const RunSpec = Schema.Struct({
  id: Schema.String, // content address: hash of everything below but `id`
  experiment: Schema.String,
  budget: Schema.Finite, // the IsoFLOP budget (FLOPs) this run was planned for
  params: Schema.Int, // N: parameters, embeddings included (Chinchilla's count); a mixture of experts' active ones
  params_non_embedding: Schema.Int, // Kaplan's count (of the active parameters)
  // Every parameter of a mixture of experts, all experts counted; absent for dense models (= params),
  // so that their runs keep their ids. `totalParams` reads it either way.
  params_total: Schema.optionalKey(Schema.Int),
  tokens: Schema.Int, // D: the run trains on exactly this many tokens
  flops: Schema.Finite, // training FLOPs of this run under `flops_convention`
  flops_convention: FlopConvention,
  shape: ModelShape,
  data: Schema.Struct({
    corpus: RunCorpus,
    tokenizer: Tokenizer, // `bpe`: its vocabulary size is shape.vocab
    validation: Schema.Finite, // fraction of documents held out, in (0, 1)
    val_tokens: Schema.Int, // size of the fixed validation set used for val_loss
    document_masking: Schema.Boolean, // attention stays within each document of a packed sequence
    // The training split cut to its first this many tokens (a small corpus to repeat); absent: all of it.
    // Absent rather than 0 when unset, so that runs planned before the field existed keep their ids.
    train_tokens: Schema.optionalKey(Schema.Int)
  }),
  training: Schema.Struct({
    optimizer: Schema.Struct({
      name: Schema.Literals(["adamw"]),
      beta1: Schema.Finite,
      beta2: Schema.Finite,
      eps: Schema.Finite,
      weight_decay: Schema.Finite
    }),
    lr: Schema.Finite, // peak learning rate, already evaluated for this run's N, D, C
    // After warmup: cosine or linear decay to lr * min_lr_fraction at the last step, or constant at lr.
    schedule: Schema.Literals(["cosine", "constant", "linear"]),
    warmup: Schema.Finite, // fraction of the run's steps spent in linear warmup
    min_lr_fraction: Schema.Finite, // cosine and linear decay to lr * min_lr_fraction at the last step
    batch_tokens: Schema.Int, // tokens per optimiser step (batch_size * context)
    grad_clip: Schema.Finite // global-norm clip; 0 disables
  }),
  eval: Schema.Struct({
    every: Schema.Finite, // evaluate validation loss every this fraction of the run, and at the end
    // The cloze benchmark at every evaluation: `items` questions (0: none) of `choices` continuations,
    // each at most `answer_bytes` bytes of whole words, from the validation text.
    cloze: Schema.Struct({ items: Schema.Int, choices: Schema.Int, answer_bytes: Schema.Int }),
    // Memorization at the end of the run: `prompts` training prefixes of `prefix_tokens`, each continued
    // greedily for `continuation_tokens` and compared with the training text. Absent when off, so that
    // runs planned without it keep their ids.
    memorization: Schema.optionalKey(Schema.Struct({ prompts: Schema.Int, prefix_tokens: Schema.Int, continuation_tokens: Schema.Int }))
  }),
  seed: Schema.Int,
  // Start from another run's end instead of fresh weights (an annealing probe, Llama 3 §3.1.3): the
  // weights and AdamW moments of run `run`'s final.bin, in the store's run folder beside this run's,
  // which that run wrote after `steps` optimiser steps. This run's step s then draws the batch of step
  // `steps + s` and AdamW counts on from `steps`. Absent for fresh runs, so their ids are as before.
  init: Schema.optionalKey(Schema.Struct({ run: Schema.String, steps: Schema.Int })),
  // Write final.bin at the end of training, for runs that start from this one (`init`). Absent: no.
  save_final: Schema.optionalKey(Schema.Boolean),
  backend: Backend,
  // Who trains the run, with its version: part of the id, so a trainer that computes differently
  // never has its runs mistaken for another's. See `trainerIdentity`.
  trainer: Schema.String
})
export type RunSpec = typeof RunSpec.Type

/** Sequences per step so that the run sees exactly `tokens` tokens; only the last step may be smaller. */
export function sequencesPerStep(tokens: number, batchTokens: number, context: number): ReadonlyArray<number> {
  const full = Math.max(1, Math.floor(batchTokens / context))
  const total = Math.ceil(tokens / context)
  const steps = Math.ceil(total / full)
  return Array.from({ length: steps }, (_, i) => Math.min(full, total - i * full))
}

/** The optimiser steps a run takes. */
export const runSteps = (run: Pick<RunSpec, "tokens" | "training" | "shape">): number =>
  sequencesPerStep(run.tokens, run.training.batch_tokens, run.shape.context).length

/** Every parameter of a run's model: params_total for a mixture of experts, params for a dense model. */
export const totalParams = (run: { readonly params: number; readonly params_total?: number }): number =>
  run.params_total ?? run.params

/**
 * The built-in trainer's version as run ids know it. Bump it when a change to packages/train
 * changes what a run computes (its losses), so that finished runs are trained again.
 */
export const BUILTIN_TRAINER = "scalelab-train 1"

interface TrainerChoice {
  readonly executor: string
  readonly command: { readonly run: string; readonly version: string }
}

/**
 * The external trainer's command line (a template with `{run_dir}`) when the runs use one: with
 * `executor: command` on this machine, or with `executor: slurm` and `command.run` set, inside each
 * run's job. Undefined when the built-in trainer trains them.
 */
export const externalTrainerCommand = (execution: TrainerChoice): string | undefined => {
  const template = execution.command.run.trim()
  return execution.executor === "command" || (execution.executor === "slurm" && template !== "") ? template : undefined
}

/**
 * The trainer of an experiment's runs: the built-in one, or an external command at its declared
 * version. Where a run executes (this machine or a Slurm job) does not change its result.
 */
export const trainerIdentity = (execution: TrainerChoice): string =>
  externalTrainerCommand(execution) === undefined ? BUILTIN_TRAINER : `command ${execution.command.version}`

/** One line of metrics.jsonl. Training lines carry `loss`; evaluation lines carry `val_loss`. */
export const MetricLine = Schema.Struct({
  step: Schema.Int,
  tokens: Schema.Finite,
  flops: Schema.Finite,
  loss: Schema.optionalKey(Schema.Finite),
  lr: Schema.optionalKey(Schema.Finite),
  grad_norm: Schema.optionalKey(Schema.Finite),
  tokens_per_s: Schema.optionalKey(Schema.Finite),
  val_loss: Schema.optionalKey(Schema.Finite),
  cloze_accuracy: Schema.optionalKey(Schema.Finite), // fraction of cloze questions answered right
  cloze_nll: Schema.optionalKey(Schema.Finite), // nats per byte of the true cloze continuations
  memorization: Schema.optionalKey(Schema.Finite), // fraction of training prefixes continued verbatim (final line only)
  // A mixture's loss on each domain's validation set (nats/token), beside val_loss (their uniform mean)
  val_loss_by_domain: Schema.optionalKey(Schema.Record(Schema.String, Schema.Finite))
})
export type MetricLine = typeof MetricLine.Type

/** result.json: written last; a run is complete only when it exists and decodes. */
export const RunResult = Schema.Struct({
  id: Schema.String,
  status: Schema.Literals(["completed", "diverged"]),
  val_loss: Schema.Finite, // nats/token on the fixed validation set at the end of training
  bits_per_byte: Schema.optionalKey(Schema.Finite), // val_loss in bits per byte of text: comparable across tokenizers
  cloze_accuracy: Schema.optionalKey(Schema.Finite), // cloze benchmark at the end of training (eval.cloze.items > 0)
  cloze_nll: Schema.optionalKey(Schema.Finite), // the true continuations' loss there, in nats per byte
  memorization: Schema.optionalKey(Schema.Finite), // fraction of training prefixes continued verbatim (eval.memorization)
  // A mixture's loss on each domain's validation set at the end of training; val_loss is their uniform mean
  val_loss_by_domain: Schema.optionalKey(Schema.Record(Schema.String, Schema.Finite)),
  train_loss: Schema.Finite, // mean training loss over the last 10% of steps
  params: Schema.Int,
  tokens: Schema.Int,
  flops: Schema.Finite,
  steps: Schema.Int,
  backend: Schema.String,
  wall_s: Schema.Finite,
  tokens_per_s: Schema.Finite,
  epochs: Schema.optionalKey(Schema.Finite), // passes over the training text: tokens / training-set tokens
  backend_version: Schema.optionalKey(Schema.String), // version of the backend package that trained the run
  device: Schema.optionalKey(Schema.String), // what the backend ran on, e.g. a GPU adapter's name or "CPU (wasm simd, 1 thread)"
  tfjs_version: Schema.optionalKey(Schema.String), // version of @tensorflow/tfjs-core
  // Backends tried before the one that trained the run (backend: auto), each with why it was not used
  backend_failures: Schema.optionalKey(Schema.Array(Schema.Struct({ backend: Schema.String, reason: Schema.String }))),
  resumed_from_step: Schema.optionalKey(Schema.Int) // the checkpoint's step, when the run went on from one
})
export type RunResult = typeof RunResult.Type
