// The laws package's `exact` FLOP count against the matmuls a real training step executes:
// tf.profile lists every kernel of one step (forward, backward, optimiser) with its shapes.
import { flopsPerToken } from "@scalelab/laws"
import type { ModelShape } from "@scalelab/spec"
import * as tf from "@tensorflow/tfjs-core"
import { beforeAll, describe, expect, it } from "vitest"
import { selectBackend } from "../src/backend/backend.ts"
import { disposeConstants, modelConstants } from "../src/model/model.ts"
import { disposeAdamWState, initialAdamWState } from "../src/optim/optimizer.ts"
import { initialParameters, parameterLayout, weightTensors } from "../src/model/parameters.ts"
import { prepareTrainingData, trainingBatch } from "../src/data/trainingData.ts"
import { trainingStep } from "../src/run/trainRun.ts"
import { tinyShape, tinySpec } from "./tinySpec.ts"

beforeAll(async () => {
  await selectBackend("wasm")
})

const executedMatmulFlops = async (shape: ModelShape, sequences: number): Promise<number> => {
  const spec = tinySpec({ shape })
  const layout = parameterLayout(shape)
  const constants = modelConstants(shape, layout, "gather")
  const batch = trainingBatch(prepareTrainingData(spec), 1, 0, sequences, shape.context)
  let state = initialAdamWState(weightTensors(initialParameters(layout, 1), layout))
  const profile = await tf.profile(() => {
    const result = trainingStep(state, batch, 1e-3, constants, spec)
    state = result.state
    result.gradNorm.dispose()
    return result.loss
  })
  disposeAdamWState(state)
  disposeConstants(constants)
  let flops = 0
  for (const kernel of profile.kernels.filter((k) => k.name === "BatchMatMul")) {
    const [a, b] = kernel.inputShapes as Array<Array<number>>
    const output = kernel.outputShapes[0] as Array<number>
    flops += 2 * output.reduce((p, q) => p * q, 1) * contractedLength(a!, b!, output)
  }
  return flops
}

/**
 * The length of the axis a BatchMatMul contracts. The profile gives shapes but not the transpose
 * flags (the gradients pass them), so every flag combination that fits the shapes is tried: they
 * must all agree on the length.
 */
function contractedLength(a: ReadonlyArray<number>, b: ReadonlyArray<number>, output: ReadonlyArray<number>): number {
  const [aRows, aColumns] = a.slice(-2) as [number, number]
  const [bRows, bColumns] = b.slice(-2) as [number, number]
  const [rows, columns] = output.slice(-2) as [number, number]
  const lengths = new Set<number>()
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      const inner = transposeA ? aRows : aColumns
      const fits =
        (transposeA ? aColumns : aRows) === rows &&
        (transposeB ? bRows : bColumns) === columns &&
        (transposeB ? bColumns : bRows) === inner
      if (fits) lengths.add(inner)
    }
  }
  expect(lengths.size).toBe(1)
  return [...lengths][0] as number
}

describe("exact FLOP accounting", () => {
  it.each([
    tinyShape({ layers: 2, d_model: 64, heads: 4, kv_heads: 2, ffn: 168, context: 64 }),
    tinyShape({ layers: 3, d_model: 48, heads: 6, kv_heads: 3, head_dim: 8, ffn: 128, context: 32, tied_embeddings: false })
  ])("equals the matmul FLOPs one training step executes, plus the trainer's rotary matmul (%#)", async (shape) => {
    const sequences = 8
    const tokens = sequences * shape.context
    // This trainer applies rotary embeddings as x·R with a constant head_dim² matrix R (a choice of
    // implementation, not of the model, so `exact` leaves it out): forward on every query and key
    // head, plus its input gradient in the backward pass.
    const rotary = 4 * (shape.heads + shape.kv_heads) * shape.head_dim ** 2 * shape.layers
    expect(await executedMatmulFlops(shape, sequences)).toBe((flopsPerToken(shape, "exact") + rotary) * tokens)
  })
})
