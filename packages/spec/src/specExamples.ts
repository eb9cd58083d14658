// The YAML examples of the spec reference (docs/spec.md). Each is decoded by the reference's test,
// so an example that stops being a valid spec fails there.

/** A complete spec: the quickstart's sweep, with the sections it leaves to their defaults written out. */
export const FULL_EXAMPLE = `# yaml-language-server: $schema=../docs/scalelab.schema.json
name: quickstart
description: Three budgets from 1e10 to 1e11 FLOPs, five sizes each, centred adaptively.
data: { corpus: moby-dick, tokenizer: bytes, validation: 0.05, val_tokens: 16384 }
model: { family: llama, context: 64, aspect: 16, head_dim: 8, kv_heads: 2 }
flops: 6N                          # training FLOPs C = 6·N·D
sweep:
  kind: isoflop
  budgets: logspace(1e10, 1e11, 3) # 1e10, 3.16e10, 1e11 FLOPs
  sizes_per_budget: 5
  span: 8                          # sizes from N*/√8 to N*·√8 around the predicted optimum
  centre: deepseek-llm             # places the first budget's sizes; later ones follow the fit
  adaptive: true
training:
  lr: 1e-2 * (N / 1e4)^-0.25       # an expression in N (params), D (tokens), C (FLOPs)
  warmup: 0.05
  schedule: cosine
  batch_tokens: D / 400            # every run takes 400 optimiser steps
eval: { every: 0.25, cloze: { items: 0 } }
fit: { methods: [isoflop] }
forecast: { compute: [1e12, 1e13] }
execution: { executor: local, concurrency: auto, retries: 1, backend: auto }
`

/**
 * One example per section, keyed as the reference keys its sections: the section's path, and its
 * variant in brackets where the section is one kind of a union (`sweep (kind: table)`).
 */
export const SECTION_EXAMPLES: Readonly<Record<string, string>> = {
  "": `name: moby-6n
description: The quickstart's sweep with attention FLOPs counted.
flops: 6N+attention
`,
  data: `data:
  corpus: ["texts/*.txt", extra/notes.txt]   # one document per file
  tokenizer: bpe
  vocab: 1024
  validation: 0.1
  val_tokens: 2^15
`,
  "data.corpus (kind: markov)": `data:
  corpus: { kind: markov, alphabet: 16, order: 2, branching: 3, documents: 100, length: 2000, seed: 7 }
`,
  model: `model: { family: llama, context: 256, aspect: 32, head_dim: 16, kv_heads: 2, ffn_multiplier: 8 / 3 }
`,
  "sweep (kind: isoflop)": `sweep:
  kind: isoflop
  budgets: [1e10, 3e10, 1e11]
  sizes_per_budget: 7
  span: 16
  centre: chinchilla
  seeds: 2
`,
  "sweep (kind: table)": `sweep:
  kind: table
  file: chinchilla-runs.csv
  map: { params: "Model Size", flops: "Training FLOP", loss: "Loss" }
`,
  training: `training:
  optimizer: { beta2: 0.99, weight_decay: 0.05 }
  lr: 3e-3 * (C / 1e11)^-0.1
  warmup: 0.1
  schedule: cosine
  min_lr_fraction: 0.1
  batch_tokens: D / 500
  grad_clip: 1
`,
  eval: `eval:
  every: 0.25
  cloze: { items: 256, choices: 4, answer_bytes: 16 }
`,
  fit: `fit: { methods: [isoflop], tokens: effective }
`,
  forecast: `forecast: { compute: [1e12, "logspace(1e13, 1e14, 2)"] }
`,
  execution: `execution:
  executor: local
  concurrency: 2
  retries: 2
  hang_timeout: 600
  divergence: { retries: 1, lr_factor: 0.5 }
  backend: wasm
`,
  "execution.command": `execution:
  executor: command
  command:
    run: python3 external-trainer/train.py {run_dir}   # sh -c, once per run
    version: "2"
`,
  "execution.slurm": `execution:
  executor: slurm
  slurm: { partition: gpu, time: "02:00:00", gpus: 1, cpus_per_task: 8, memory: 32G, sbatch_flags: [--account=lab] }
`
}
