// Runs in a child process of webgpuTrainingStep.test.ts (an open WebGPU device keeps a process
// alive, so the test process never opens one): computes the same training step on each backend
// named on the command line and appends one JSON line per backend to OUT_FILE (a file, not stdout:
// Dawn and tfjs print notices there).
//   node --import tsx packages/train/test/trainingStepOnBackends.ts OUT_FILE webgpu wasm
import { appendFileSync } from "node:fs"
import * as tf from "@tensorflow/tfjs-core"
import { type BackendName, BackendUnavailableError, selectBackend } from "../src/backend/backend.ts"
import { batchLoss, disposeConstants, modelConstants } from "../src/model/model.ts"
import { disposeAdamWState, initialAdamWState } from "../src/optim/optimizer.ts"
import { initialParameters, parameterLayout, weightTensors } from "../src/model/parameters.ts"
import { encodeBytes } from "../src/tokenizer/tokenizer.ts"
import { trainingStep } from "../src/run/trainRun.ts"
import { tinySpec } from "./tinySpec.ts"

export type StepReport =
  | {
    readonly backend: BackendName
    readonly device: string
    readonly loss: number
    /** One array per weight tensor, in layout order. */
    readonly gradients: ReadonlyArray<ReadonlyArray<number>>
    readonly stepLoss: number
    readonly gradNorm: number
    /** The weights after one AdamW step. */
    readonly parameters: ReadonlyArray<ReadonlyArray<number>>
    /** addN over 20 tensors holding 1..20: more inputs than one shader may bind by default. */
    readonly addNOf1To20: number
  }
  | { readonly backend: BackendName; readonly error: string }

const spec = tinySpec()
const sequences = 4

function fixedBatch() {
  const { context } = spec.shape
  const text = encodeBytes("Call me Ishmael. Some years ago, never mind how long precisely, having little money ".repeat(3))
  const inputs = new Int32Array(sequences * context)
  const targets = new Int32Array(sequences * context)
  for (let s = 0; s < sequences; s++) {
    inputs.set(text.subarray(7 * s, 7 * s + context), s * context)
    targets.set(text.subarray(7 * s + 1, 7 * s + context + 1), s * context)
  }
  // Every window is taken as one document: attention sees the whole window.
  return { sequences, context, inputs, targets, documents: new Int32Array(sequences * context) }
}

// Asynchronous reads throughout: WebGPU cannot read synchronously in Node.
const read = async (tensors: ReadonlyArray<tf.Tensor>) => (await Promise.all(tensors.map((t) => t.data()))).map((v) => Array.from(v))
const scalar = async (tensor: tf.Tensor) => (await tensor.data())[0] as number

async function stepOn(backend: BackendName): Promise<StepReport> {
  const selected = await selectBackend(backend)
  const layout = parameterLayout(spec.shape)
  const constants = modelConstants(spec.shape, layout, "gather")
  const batch = fixedBatch()
  const weights = weightTensors(initialParameters(layout, 3), layout)

  const { value, grads } = tf.valueAndGrads((...w: Array<tf.Tensor>) => batchLoss(w, batch, constants))(weights)
  const loss = await scalar(value)
  const gradients = await read(grads)
  tf.dispose([value, ...grads])

  const state = initialAdamWState(weights)
  const step = trainingStep(state, batch, 1e-3, constants, spec)
  const sum = tf.tidy(() => tf.addN(Array.from({ length: 20 }, (_, i) => tf.scalar(i + 1))))
  const report: StepReport = {
    backend,
    device: selected.device,
    loss,
    gradients,
    stepLoss: await scalar(step.loss),
    gradNorm: await scalar(step.gradNorm),
    parameters: await read(step.state.parameters),
    addNOf1To20: await scalar(sum)
  }
  tf.dispose([sum, step.loss, step.gradNorm])
  disposeAdamWState(step.state)
  disposeAdamWState(state)
  disposeConstants(constants)
  return report
}

const [outFile, ...backends] = process.argv.slice(2)
for (const backend of backends as Array<BackendName>) {
  let report: StepReport
  try {
    report = await stepOn(backend)
  } catch (error) {
    if (!(error instanceof BackendUnavailableError)) throw error
    report = { backend, error: error.message }
  }
  appendFileSync(outFile as string, `${JSON.stringify(report)}\n`)
}
// Exit explicitly: the WebGPU device would keep the process running.
process.exit(0)
