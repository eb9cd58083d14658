// The model's parameters: a layout of named slices of one flat float32 vector (the form they are
// initialised, checkpointed and counted in) and, while training, one tensor per slice. Separate
// tensors, not a view of one flat tensor, because slicing and re-concatenating the flat vector
// every step cost more on the wasm backend than the extra optimiser ops per tensor
// (bench/profile-step.ts: SplitV and Concat were ~10% of a step).
import type { ModelShape } from "@scalelab/spec"
import * as tf from "@tensorflow/tfjs-core"
import { normalSamples, uniformSource } from "../prng.ts"

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

// A mixture of experts' router starts ten times smaller, so that its first probabilities are
// near uniform and tokens spread evenly over the experts until it learns to route (the Switch
// Transformer, §2.4, found a tenfold smaller initialisation stabilised training).
const routerStd = initStd / 10

/**
 * The slices of the model, in order. A mixture of experts' layer adds a router [d_model, experts]
 * and stacks its experts side by side in the feed-forward matrices: expert e owns columns
 * e·ffn … (e+1)·ffn − 1 of w_gate and w_up and the same rows of ffn_out, so every expert runs in
 * one matMul (see model.ts). Each expert is initialised as the dense feed-forward is.
 */
export function parameterLayout(shape: ModelShape): ParameterLayout {
  const { d_model: d, heads, kv_heads: kv, head_dim: hd, ffn, vocab, layers } = shape
  const experts = shape.moe?.experts ?? 1
  const residualStd = initStd / Math.sqrt(2 * layers)
  type Entry = [name: string, shape: ReadonlyArray<number>, std: number]
  const entries: Array<Entry> = [["embedding", [vocab, d], initStd]]
  for (let l = 0; l < layers; l++) {
    entries.push(
      [`layers.${l}.attention_norm`, [d], 0],
      // Separate projections rather than one fused product: splitting a fused product's columns
      // apart is a strided copy, slower on wasm than the extra matMul.
      [`layers.${l}.wq`, [d, heads * hd], initStd],
      [`layers.${l}.wk`, [d, kv * hd], initStd],
      [`layers.${l}.wv`, [d, kv * hd], initStd],
      [`layers.${l}.attention_out`, [heads * hd, d], residualStd],
      [`layers.${l}.ffn_norm`, [d], 0],
      ...(shape.moe === undefined ? [] : [[`layers.${l}.router`, [d, experts], routerStd] satisfies Entry]),
      [`layers.${l}.w_gate`, [d, experts * ffn], initStd],
      [`layers.${l}.w_up`, [d, experts * ffn], initStd],
      [`layers.${l}.ffn_out`, [experts * ffn, d], residualStd]
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
 * Whether weight decay applies to a slice: not to RMSNorm gains. A gain is a per-channel scale
 * whose neutral value is 1: decaying it towards 0 would shrink the activations instead of
 * regularising the function the layer computes, so (as in GPT-2/Llama training practice) gains
 * are not decayed.
 */
export const decays = (slice: ParameterSlice): boolean => slice.initStd !== 0

/** The weights as tensors, one per slice of the layout, in layout order. */
export type Weights = ReadonlyArray<tf.Tensor>

/** One tensor per slice, copied from a flat vector (initial values or a checkpoint). */
export function weightTensors(flat: Float32Array, layout: ParameterLayout): Array<tf.Tensor> {
  return layout.slices.map((s) => tf.tensor(flat.subarray(s.offset, s.offset + s.size), [...s.shape]))
}

/**
 * The flat vector of a set of tensors laid out by `layout`. Read back asynchronously: WebGPU in
 * Node has no synchronous read-back.
 */
export async function flattenWeights(tensors: Weights, layout: ParameterLayout): Promise<Float32Array> {
  const flat = new Float32Array(layout.total)
  const values = await Promise.all(layout.slices.map((_, i) => (tensors[i] as tf.Tensor).data()))
  layout.slices.forEach((slice, i) => flat.set(values[i] as Float32Array, slice.offset))
  return flat
}
