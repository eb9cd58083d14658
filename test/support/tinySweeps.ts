// Tiny sweeps of every kind that trains its own runs in seconds, shared by the tests that train
// them end to end: a 1-layer byte-level model of a few thousand parameters on synthetic sources.

/** A data mixture of two Markov sources, every mix of multiples of 1/4, one budget: 5 runs and the predicted mix. */
export const tinyMixtureSpec = (name = "tiny-mix") => `name: ${name}
data: { tokenizer: bytes, validation: 0.1, val_tokens: 512 }
model: { context: 32, layers: 1, head_dim: 8, kv_heads: 1, aspect: 16 }
sweep:
  kind: mixture
  corpora:
    easy: { kind: markov, alphabet: 4, order: 1, branching: 2, documents: 40, length: 400, seed: 1 }
    hard: { kind: markov, alphabet: 26, order: 1, branching: 8, documents: 40, length: 400, seed: 2 }
  weights: { grid: 4 }
  budgets: 3e8
  params: [4000]
training: { lr: 1e-2, batch_tokens: 256 }
eval: { every: 1, cloze: { items: 0 } }
fit: { bootstrap: 40 }
execution: { concurrency: 2, backend: wasm }
`

/** Two budgets × three learning rates × one batch: six runs. */
export const tinyGridSpec = (name = "grid") => `name: ${name}
data: { corpus: moby-dick, tokenizer: bytes, val_tokens: 1024 }
model: { context: 32, layers: 1, head_dim: 8, kv_heads: 1, tied_embeddings: false }
sweep:
  kind: hyperparameters
  budgets: [3e8, 1e9]
  lr: [3e-3, 3e-2, 3e-1]
  batch_tokens: 256
  params: 3000
eval: { every: 1, cloze: { items: 0 } }
fit: { bootstrap: 20 }
execution: { concurrency: 2, retries: 0 }
`

/**
 * Annealing probes, two seeds, two candidates: 8 runs. `other` is a different chain from the default
 * data, so annealing on it must lower its own loss against the control and raise the default data's.
 * `placebo` is the default data itself: the windows it gives are the ones the control draws, so its
 * change against the control is exactly nil.
 */
export const tinyAnnealingSpec = (name = "tiny-anneal") => `name: ${name}
data: { tokenizer: bytes, validation: 0.1, val_tokens: 512 }
model: { context: 32, layers: 1, head_dim: 8, kv_heads: 1, aspect: 16 }
sweep:
  kind: annealing
  base: { kind: markov, alphabet: 8, order: 1, branching: 2, documents: 40, length: 400, seed: 1 }
  candidates:
    other: { kind: markov, alphabet: 26, order: 1, branching: 2, documents: 40, length: 400, seed: 2 }
    placebo: { kind: markov, alphabet: 8, order: 1, branching: 2, documents: 40, length: 400, seed: 1 }
  budgets: 3e8
  params: [4000]
  anneal: 0.25
  weight: 0.5
  seeds: 2
training: { lr: 1e-2, batch_tokens: 256, warmup: 0.05 }
eval: { every: 1, cloze: { items: 0 } }
execution: { concurrency: 2, backend: wasm }
`
