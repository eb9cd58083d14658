import type { RunSpec } from "@scalelab/spec"
import type { Duration } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { LocalExecutor } from "../src/index.ts"

export const freshStoreDir = (): string => mkdtempSync(join(tmpdir(), "scalelab-runner-"))

/** Mirrors the fake trainer's loss, so tests know each run's answer in advance. */
export const expectedLoss = (params: number, tokens: number): number =>
  1.69 + 406.4 / params ** 0.34 + 410.7 / tokens ** 0.28

export const makeRun = (index: number, experiment = "toy"): RunSpec => {
  const params = 10_000 * (index + 1)
  const tokens = 200_000 * (index + 1)
  return {
    id: `run-${index}`,
    experiment,
    budget: 1e12,
    params,
    params_non_embedding: params - 2048,
    tokens,
    flops: 6 * params * tokens,
    flops_convention: "6N",
    shape: {
      layers: 2,
      d_model: 32,
      heads: 2,
      kv_heads: 1,
      head_dim: 16,
      ffn: 96,
      context: 64,
      vocab: 256,
      tied_embeddings: false
    },
    data: { corpus: "moby-dick", tokenizer: "bytes", validation: 0.05, val_tokens: 4096, document_masking: true },
    training: {
      optimizer: { name: "adamw", beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1 },
      lr: 0.003,
      schedule: "cosine",
      warmup: 0.05,
      min_lr_fraction: 0.1,
      batch_tokens: 4096,
      grad_clip: 1
    },
    eval: { every: 0.1, cloze: { items: 32, choices: 4, answer_bytes: 32 } },
    seed: 100 + index,
    backend: "auto",
    trainer: "fake 1"
  }
}

export const fakeTrainer = join(import.meta.dirname, "fakeTrainer.mjs")

/** Runs the fake trainer; `behaviourOf` picks a misbehaviour per run folder. */
export const fakeTrainerExecutor = (
  behaviourOf: (runDir: string) => string = () => "train",
  options: { readonly hangTimeoutSeconds?: number; readonly stopGracePeriod?: Duration.Input } = {}
) =>
  LocalExecutor.layer({
    name: "local",
    workerCommand: (runDir) => ({ command: process.execPath, args: [fakeTrainer, runDir, behaviourOf(runDir)] }),
    hangTimeoutSeconds: options.hangTimeoutSeconds ?? 0,
    ...(options.stopGracePeriod === undefined ? {} : { stopGracePeriod: options.stopGracePeriod })
  })
