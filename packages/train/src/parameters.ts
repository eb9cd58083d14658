// The model's parameters as one flat float32 vector plus a layout of named slices. Keeping them
// flat lets the optimiser update every parameter with a handful of whole-vector ops per step
// instead of a dozen ops per tensor, which dominates the step time of small models.
import type { ModelShape } from "@scalelab/spec"
import * as tf from "@tensorflow/tfjs-core"
import { normalSamples, uniformSource } from "./prng.ts"

export interface ParameterSlice {
  readonly name: string
  readonly shape: ReadonlyArray<number>
  readonly size: number
  readonly offset: number
  /** Normal init std; 0 marks an RMSNorm gain, initialised to 1. */
  readonly initStd: number
}

export interface ParameterLayout {
  readonly slices: ReadonlyArray<ParameterSlice>
  readonly total: number
}

// GPT-2/Llama practice: weights normal(0, 0.02); projections that write into the residual stream
// scaled by 1/sqrt(2·layers) so the residual's variance does not grow with depth.
const initStd = 0.02

export function parameterLayout(shape: ModelShape): ParameterLayout {
  const { d_model: d, heads, kv_heads: kv, head_dim: hd, ffn, vocab, layers } = shape
  const residualStd = initStd / Math.sqrt(2 * layers)
  const entries: Array<[string, ReadonlyArray<number>, number]> = [["embedding", [vocab, d], initStd]]
  for (let l = 0; l < layers; l++) {
    entries.push(
      [`layers.${l}.attention_norm`, [d], 0],
      // wq, wk and wv side by side: one matMul instead of three.
      [`layers.${l}.qkv`, [d, (heads + 2 * kv) * hd], initStd],
      [`layers.${l}.attention_out`, [heads * hd, d], residualStd],
      [`layers.${l}.ffn_norm`, [d], 0],
      // SwiGLU's w1 (gate) and w3 (up) side by side.
      [`layers.${l}.gate_up`, [d, 2 * ffn], initStd],
      [`layers.${l}.ffn_out`, [ffn, d], residualStd]
    )
  }
  entries.push(["final_norm", [d], 0])
  if (!shape.tied_embeddings) entries.push(["head", [d, vocab], initStd])
  let offset = 0
  const slices = entries.map(([name, sliceShape, std]) => {
    const size = sliceShape.reduce((a, b) => a * b, 1)
    const slice = { name, shape: sliceShape, size, offset, initStd: std }
    offset += size
    return slice
  })
  return { slices, total: offset }
}

export function initialParameters(layout: ParameterLayout, seed: number): Float32Array {
  const uniform = uniformSource(seed)
  const flat = new Float32Array(layout.total)
  for (const slice of layout.slices) {
    if (slice.initStd === 0) flat.fill(1, slice.offset, slice.offset + slice.size)
    else flat.set(normalSamples(slice.size, slice.initStd, uniform), slice.offset)
  }
  return flat
}

/**
 * 1 where weight decay applies, 0 on RMSNorm gains. A gain is a per-channel scale whose neutral
 * value is 1: decaying it towards 0 would shrink the activations instead of regularising the
 * function the layer computes, so (as in GPT-2/Llama training practice) gains are not decayed.
 */
export function weightDecayMask(layout: ParameterLayout): Float32Array {
  const mask = new Float32Array(layout.total).fill(1)
  for (const slice of layout.slices) if (slice.initStd === 0) mask.fill(0, slice.offset, slice.offset + slice.size)
  return mask
}

/** Named tensors viewing the flat vector (one split op; the reshapes share memory). */
export function splitParameters(flat: tf.Tensor1D, layout: ParameterLayout): ReadonlyMap<string, tf.Tensor> {
  const pieces = tf.split(flat, layout.slices.map((s) => s.size))
  return new Map(layout.slices.map((s, i) => [s.name, tf.reshape(pieces[i] as tf.Tensor, [...s.shape])]))
}
