// The worker contract (DESIGN.md, "Worker contract"): what a run folder holds.
// `run.json` is written by the runner and read by any trainer, built-in or external;
// `result.json` and `metrics.jsonl` are written by the trainer and read back by the runner.
// Everything here is plain JSON so that trainers in other languages can follow it.
import { Schema } from "effect"

export const FlopConvention = Schema.Literals(["6N", "6N+attention", "exact"])
export type FlopConvention = typeof FlopConvention.Type

export const Tokenizer = Schema.Literals(["bytes"])
export type Tokenizer = typeof Tokenizer.Type

/** Vocabulary size of each tokenizer: the planner sizes the embedding with it, the trainer builds it. */
export const tokenizerVocab: Record<Tokenizer, number> = { bytes: 256 }

export const Backend = Schema.Literals(["auto", "wasm", "cpu"])
export type Backend = typeof Backend.Type

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
  tied_embeddings: Schema.Boolean
})
export type ModelShape = typeof ModelShape.Type

export const RunSpec = Schema.Struct({
  id: Schema.String, // content address: hash of everything below but `id`
  experiment: Schema.String,
  budget: Schema.Finite, // the IsoFLOP budget (FLOPs) this run was planned for
  params: Schema.Int, // N: total parameters, embeddings included (Chinchilla's count)
  params_non_embedding: Schema.Int, // Kaplan's count
  tokens: Schema.Int, // D: the run trains on exactly this many tokens
  flops: Schema.Finite, // training FLOPs of this run under `flops_convention`
  flops_convention: FlopConvention,
  shape: ModelShape,
  data: Schema.Struct({
    corpus: Schema.String, // "moby-dick"
    tokenizer: Tokenizer,
    validation: Schema.Finite, // fraction of documents held out, in (0, 1)
    val_tokens: Schema.Int // size of the fixed validation set used for val_loss
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
    schedule: Schema.Literals(["cosine", "constant"]),
    warmup: Schema.Finite, // fraction of the run's steps spent in linear warmup
    min_lr_fraction: Schema.Finite, // cosine decays to lr * min_lr_fraction at the last step
    batch_tokens: Schema.Int, // tokens per optimiser step (batch_size * context)
    grad_clip: Schema.Finite // global-norm clip; 0 disables
  }),
  eval: Schema.Struct({
    every: Schema.Finite // evaluate validation loss every this fraction of the run, and at the end
  }),
  seed: Schema.Int,
  backend: Backend
})
export type RunSpec = typeof RunSpec.Type

/** One line of metrics.jsonl. Training lines carry `loss`; evaluation lines carry `val_loss`. */
export const MetricLine = Schema.Struct({
  step: Schema.Int,
  tokens: Schema.Finite,
  flops: Schema.Finite,
  loss: Schema.optionalKey(Schema.Finite),
  lr: Schema.optionalKey(Schema.Finite),
  grad_norm: Schema.optionalKey(Schema.Finite),
  tokens_per_s: Schema.optionalKey(Schema.Finite),
  val_loss: Schema.optionalKey(Schema.Finite)
})
export type MetricLine = typeof MetricLine.Type

/** result.json: written last; a run is complete only when it exists and decodes. */
export const RunResult = Schema.Struct({
  id: Schema.String,
  status: Schema.Literals(["completed", "diverged"]),
  val_loss: Schema.Finite, // nats/token on the fixed validation set at the end of training
  train_loss: Schema.Finite, // mean training loss over the last 10% of steps
  params: Schema.Int,
  tokens: Schema.Int,
  flops: Schema.Finite,
  steps: Schema.Int,
  backend: Schema.String,
  wall_s: Schema.Finite,
  tokens_per_s: Schema.Finite,
  epochs: Schema.optionalKey(Schema.Finite), // passes over the training text: tokens / training-set tokens
  backend_version: Schema.optionalKey(Schema.String) // version of the backend package that trained the run
})
export type RunResult = typeof RunResult.Type
