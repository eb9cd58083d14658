// The model's gradient against central finite differences, tensor by tensor: the dense and the
// mixture-of-experts tests check their objectives the same way.
import type { ModelShape } from "@scalelab/spec"
import * as tf from "@tensorflow/tfjs-core"
import { expect } from "vitest"
import { prepareTrainingData, trainingBatch } from "../src/data/trainingData.ts"
import type { TokenBatch } from "../src/data/batches.ts"
import { disposeConstants, type ModelConstants, modelConstants } from "../src/model/model.ts"
import { initialParameters, parameterLayout, weightTensors } from "../src/model/parameters.ts"
import { normalSamples, uniformSource } from "../src/prng.ts"
import { tinySpec } from "./tinySpec.ts"

/**
 * Checks the gradient of `objective` for a model of `shape` along a random direction of each
 * weight tensor's own scale (the step is a 1e-3 relative change of the weights), and returns the
 * names of the tensors checked. Weights are ten times the usual init scale, and gains away from 1,
 * so that every gradient is large against float32 rounding of the objective.
 */
export const checkGradientsByFiniteDifferences = (
  shape: ModelShape,
  objective: (weights: ReadonlyArray<tf.Tensor>, batch: TokenBatch, constants: ModelConstants) => tf.Scalar
): ReadonlyArray<string> => {
  const layout = parameterLayout(shape)
  const constants = modelConstants(shape, layout, "gather")
  const uniform = uniformSource(11)
  const flat = initialParameters(layout, 3).map((v) => (v === 1 ? 1 + 0.5 * (uniform() - 0.5) : 10 * v))
  const weights = weightTensors(flat, layout)
  const batch = trainingBatch(prepareTrainingData(tinySpec({ shape })), 1, 0, 3, shape.context)
  const valueAt = (w: ReadonlyArray<tf.Tensor>) => tf.tidy(() => objective(w, batch, constants).dataSync()[0] as number)
  const { grads, value } = tf.valueAndGrads((...w: Array<tf.Tensor>) => objective(w, batch, constants))(weights)
  const epsilon = 1e-3
  const checked = layout.slices.map((slice, i) => {
    const values = flat.subarray(slice.offset, slice.offset + slice.size)
    const scale = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0) / values.length)
    const direction = tf.tensor(normalSamples(slice.size, scale, uniform), [...slice.shape])
    const shifted = (sign: number) => weights.map((w, j) => (j === i ? tf.add(w, tf.mul(direction, sign * epsilon)) : w))
    const plus = shifted(1)
    const minus = shifted(-1)
    const numeric = (valueAt(plus) - valueAt(minus)) / (2 * epsilon)
    const analytic = tf.tidy(() => tf.sum(tf.mul(grads[i]!, direction)).dataSync()[0] as number)
    expect(Math.abs(numeric - analytic), `${slice.name}: numeric ${numeric}, analytic ${analytic}`).toBeLessThan(
      2e-3 + 2e-2 * Math.abs(analytic)
    )
    tf.dispose([direction, plus[i]!, minus[i]!])
    return slice.name
  })
  tf.dispose([value, ...grads, ...weights])
  disposeConstants(constants)
  return checked
}
