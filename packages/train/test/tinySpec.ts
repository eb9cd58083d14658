import { BUILTIN_TRAINER, type ModelShape, type RunSpec } from "@scalelab/spec"

export const tinyShape = (overrides: Partial<ModelShape> = {}): ModelShape => ({
  layers: 1,
  d_model: 32,
  heads: 2,
  kv_heads: 1,
  head_dim: 16,
  ffn: 88,
  context: 32,
  vocab: 256,
  tied_embeddings: true,
  ...overrides
})

export const tinySpec = (overrides: Partial<RunSpec> = {}): RunSpec => ({
  id: "tiny",
  experiment: "test",
  budget: 1e10,
  params: 0,
  params_non_embedding: 0,
  tokens: 32 * 64,
  flops: 6e4 * 32 * 64,
  flops_convention: "6N",
  shape: tinyShape(),
  data: { corpus: "moby-dick", tokenizer: "bytes", validation: 0.05, val_tokens: 1024, document_masking: true },
  training: {
    optimizer: { name: "adamw", beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1 },
    lr: 3e-3,
    schedule: "cosine",
    warmup: 0.1,
    min_lr_fraction: 0.1,
    batch_tokens: 512,
    grad_clip: 1
  },
  eval: { every: 0.5, cloze: { items: 0, choices: 4, answer_bytes: 32 } },
  seed: 7,
  backend: "wasm",
  trainer: BUILTIN_TRAINER,
  ...overrides
})
