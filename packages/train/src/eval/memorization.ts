// Memorization as the Llama 3 paper measures it, after Carlini et al. 2022: prompt the model with a
// prefix of its own training tokens, continue greedily, and count the prompt memorized when the
// continuation is exactly the n tokens that followed in the training data.
import type { RunSpec } from "@scalelab/spec"
import * as tf from "@tensorflow/tfjs-core"
import { type TokenBatch, type TokenStream, sampleWindows, sliceBatch } from "../data/batches.ts"
import { type ModelConstants, attentionMask, logits } from "../model/model.ts"
import type { Weights } from "../model/parameters.ts"
import { hashString, uniformSource } from "../prng.ts"

export type MemorizationSettings = NonNullable<RunSpec["eval"]["memorization"]>

/** The prompts of one run: training windows whose first `prefix` tokens are shown and next `continuation` asked for. */
export interface MemorizationPrompts {
  readonly windows: TokenBatch
  readonly prefix: number
  readonly continuation: number
}

/**
 * `prompts` windows of the training stream (already cut to data.train_tokens) at offsets drawn from
 * the run's seed: the same run always asks the same prompts, and they are text it trained on. The
 * windows are sampled as training batches are, so a prompt may cross a document boundary exactly as
 * a training window does, and keeps the document ids that decide its attention.
 */
export function memorizationPrompts(
  train: TokenStream,
  settings: MemorizationSettings,
  context: number,
  seed: number
): MemorizationPrompts {
  if (settings.prefix_tokens < 1 || settings.prefix_tokens + settings.continuation_tokens > context) {
    throw new Error(
      `a memorization prompt of ${settings.prefix_tokens} + ${settings.continuation_tokens} tokens does not fit a context of ${context}`
    )
  }
  return {
    windows: sampleWindows(train, context, settings.prompts, uniformSource(hashString(`memorization:${seed}`))),
    prefix: settings.prefix_tokens,
    continuation: settings.continuation_tokens
  }
}

/**
 * The fraction of prompts whose greedy continuation equals the training text. Greedy decoding
 * needs no generation loop here: while the tokens generated so far equal the true ones, the
 * model's input is the true window, so the continuation is memorized exactly when, at every one of
 * its n positions, the most likely next token of one forward pass over the true window is the true
 * next token; the first miss is where a generated continuation would part from the text. That is
 * one pass over the windows (in slices of `sequencesPerPass`) instead of n.
 */
export async function memorizedFraction(
  weights: Weights,
  prompts: MemorizationPrompts,
  constants: ModelConstants,
  sequencesPerPass: number
): Promise<number> {
  const { windows, prefix, continuation } = prompts
  const { context } = windows
  if (windows.sequences === 0) throw new Error("a memorization score needs at least one prompt")
  let memorized = 0
  for (let from = 0; from < windows.sequences; from += sequencesPerPass) {
    const slice = sliceBatch(windows, from, Math.min(sequencesPerPass, windows.sequences - from))
    // Logits at positions prefix - 1 .. prefix + n - 2 predict the continuation's n tokens.
    const positions = Array.from({ length: slice.sequences * continuation }, (_, i) =>
      Math.floor(i / continuation) * context + prefix - 1 + (i % continuation))
    const predicted = tf.tidy(() => {
      const inputs = tf.tensor2d(slice.inputs, [slice.sequences, context], "int32")
      const out = logits(weights, inputs, attentionMask(slice, constants), constants)
      return tf.argMax(tf.gather(out, tf.tensor1d(positions, "int32")), -1)
    })
    // Read back asynchronously: WebGPU in Node has no synchronous read-back.
    const tokens = await predicted.data()
    predicted.dispose()
    for (let row = 0; row < slice.sequences; row++) {
      let exact = true
      for (let k = 0; k < continuation && exact; k++) {
        exact = tokens[row * continuation + k] === slice.targets[row * context + prefix - 1 + k]
      }
      if (exact) memorized++
    }
  }
  return memorized / windows.sequences
}
