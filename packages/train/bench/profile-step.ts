// Where a training step's time goes, per kernel, on the selected backend. Run:
//   node --import tsx packages/train/bench/profile-step.ts [auto|wasm|cpu]
import * as tf from "@tensorflow/tfjs-core"
import { type BackendRequest, selectBackend } from "../src/backend/backend.ts"
import { modelConstants } from "../src/model/model.ts"
import { type AdamWState, initialAdamWState } from "../src/optim/optimizer.ts"
import { initialParameters, parameterLayout, weightTensors } from "../src/model/parameters.ts"
import { prepareTrainingData, trainingBatch } from "../src/data/trainingData.ts"
import { trainingStep } from "../src/run/trainRun.ts"
import { tinyShape, tinySpec } from "../test/tinySpec.ts"

console.log(await selectBackend((process.argv[2] ?? "auto") as BackendRequest))
const shape = tinyShape({ layers: 4, d_model: 128, heads: 8, kv_heads: 4, ffn: 344, context: 128 })
const spec = tinySpec({ shape })
const layout = parameterLayout(shape)
const constants = modelConstants(shape, layout, "gather")
const batch = trainingBatch(prepareTrainingData(spec), 1, 0, 64, shape.context)
let state: AdamWState = initialAdamWState(weightTensors(initialParameters(layout, 1), layout))
const step = () => {
  const result = trainingStep(state, batch, 1e-3, constants, spec)
  state = result.state
  result.gradNorm.dispose()
  return result.loss
}
for (let i = 0; i < 2; i++) step().dispose()
const profile = await tf.profile(step)
const byKernel = new Map<string, { calls: number; ms: number }>()
for (const kernel of profile.kernels) {
  const entry = byKernel.get(kernel.name) ?? { calls: 0, ms: 0 }
  entry.calls += 1
  entry.ms += kernel.kernelTimeMs as number
  byKernel.set(kernel.name, entry)
}
for (const [name, { calls, ms }] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`${name.padEnd(20)} x${String(calls).padEnd(5)} ${ms.toFixed(1)} ms`)
}
const slowest = profile.kernels
  .filter((k) => k.name === "BatchMatMul")
  .sort((a, b) => (b.kernelTimeMs as number) - (a.kernelTimeMs as number))
  .slice(0, 10)
for (const k of slowest) console.log(`BatchMatMul ${JSON.stringify(k.inputShapes)} ${(k.kernelTimeMs as number).toFixed(1)} ms`)

for (const name of ["SplitV", "Identity", "Transpose", "Cast", "Multiply", "Concat"]) {
  const top = profile.kernels.filter((k) => k.name === name).sort((a, b) => (b.kernelTimeMs as number) - (a.kernelTimeMs as number)).slice(0, 4)
  for (const k of top) console.log(`${name} ${JSON.stringify(k.inputShapes)} ${(k.kernelTimeMs as number).toFixed(1)} ms`)
}
process.exit(0)
