// Training-step throughput on the selected backend, next to the backend's own matMul speed in the
// same process, and the worker's start-up cost. Run:
//   node --import tsx packages/train/bench/train-step.ts [auto|wasm|cpu]
import { execFileSync } from "node:child_process"
import { join } from "node:path"
import { countParams, flopsPerToken } from "@scalelab/laws"
import type { ModelShape } from "@scalelab/spec"
import * as tf from "@tensorflow/tfjs-core"
import { type BackendRequest, selectBackend } from "../src/backend.ts"
import { type EmbeddingLookup, disposeConstants, modelConstants } from "../src/model.ts"
import { disposeAdamWState, initialAdamWState } from "../src/optimizer.ts"
import { initialParameters, parameterLayout, weightDecayMask } from "../src/parameters.ts"
import { prepareTrainingData, trainingBatch } from "../src/trainingData.ts"
import { trainingStep } from "../src/trainRun.ts"
import { tinySpec } from "../test/tinySpec.ts"

const requested = (process.argv[2] ?? "auto") as BackendRequest

function matMulGflops(n: number): number {
  const a = tf.randomNormal([n, n]) as tf.Tensor2D
  const product = () => {
    const c = tf.matMul(a, a)
    c.dataSync()
    c.dispose()
  }
  product()
  const repeats = n <= 512 ? 20 : 5
  const started = performance.now()
  for (let i = 0; i < repeats; i++) product()
  const seconds = (performance.now() - started) / 1000
  a.dispose()
  return (2 * n ** 3 * repeats) / seconds / 1e9
}

interface Case {
  readonly d: number
  readonly layers: number
  readonly context: number
  readonly batchTokens: number
}

function shapeFor({ d, layers, context }: Case): ModelShape {
  const headDim = 16
  const heads = d / headDim
  const ffn = Math.ceil((8 * d) / 3 / 8) * 8
  return { layers, d_model: d, heads, kv_heads: Math.max(1, heads / 2), head_dim: headDim, ffn, context, vocab: 256, tied_embeddings: true }
}

/** Median seconds per step over `steps` timed steps after two warm-up steps. */
function secondsPerStep(c: Case, lookup: EmbeddingLookup, steps: number): number {
  const shape = shapeFor(c)
  const spec = tinySpec({ shape, training: { ...tinySpec().training, batch_tokens: c.batchTokens } })
  const layout = parameterLayout(shape)
  const constants = modelConstants(shape, layout, lookup)
  const mask = tf.tensor1d(weightDecayMask(layout))
  const data = prepareTrainingData(spec)
  let state = initialAdamWState(tf.tensor1d(initialParameters(layout, 1)))
  const times: Array<number> = []
  for (let step = 0; step < steps + 2; step++) {
    const batch = trainingBatch(data, 1, step, c.batchTokens / c.context, c.context)
    const started = performance.now()
    const previous = state
    const result = trainingStep(state, batch, 1e-3, mask, constants, spec)
    state = result.state
    disposeAdamWState(previous)
    result.loss.dataSync()
    if (step >= 2) times.push((performance.now() - started) / 1000)
    tf.dispose([result.loss, result.gradNorm])
  }
  disposeAdamWState(state)
  mask.dispose()
  disposeConstants(constants)
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] as number
}

function workerStartupSeconds(): number {
  // What every run pays before its first step: node + tsx + tfjs + backend init + corpus.
  const script = [
    `const { selectBackend } = await import("./src/backend.ts")`,
    `const { prepareTrainingData } = await import("./src/trainingData.ts")`,
    `const { tinySpec } = await import("./test/tinySpec.ts")`,
    `await selectBackend("${requested}")`,
    `prepareTrainingData(tinySpec())`,
    `process.exit(0)`
  ].join(";")
  const started = performance.now()
  execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: join(import.meta.dirname, ".."),
    stdio: "ignore"
  })
  return (performance.now() - started) / 1000
}

const backend = await selectBackend(requested)
console.log(`backend ${backend.name} ${backend.version}`)
console.log(`matMul 512²: ${matMulGflops(512).toFixed(1)} GFLOP/s, 1024²: ${matMulGflops(1024).toFixed(1)} GFLOP/s`)

const cases: ReadonlyArray<Case> = [
  { d: 32, layers: 1, context: 64, batchTokens: 2048 },
  { d: 64, layers: 2, context: 64, batchTokens: 4096 },
  { d: 64, layers: 2, context: 128, batchTokens: 4096 },
  { d: 96, layers: 3, context: 128, batchTokens: 4096 },
  { d: 128, layers: 4, context: 128, batchTokens: 8192 }
]
console.log("d_model layers context batch_tokens | params | ms/step | tokens/s | GFLOP/s (6N) | GFLOP/s (exact)")
for (const c of cases) {
  const shape = shapeFor(c)
  const seconds = secondsPerStep(c, "gather", 5)
  const tokensPerSecond = c.batchTokens / seconds
  const sixN = (tokensPerSecond * flopsPerToken(shape, "6N")) / 1e9
  const exact = (tokensPerSecond * flopsPerToken(shape, "exact")) / 1e9
  console.log(
    `${c.d} ${c.layers} ${c.context} ${c.batchTokens} | ${countParams(shape).total} | ${(seconds * 1000).toFixed(0)} | ` +
      `${tokensPerSecond.toFixed(0)} | ${sixN.toFixed(2)} | ${exact.toFixed(2)}`
  )
}

const embeddingCase: Case = { d: 64, layers: 2, context: 64, batchTokens: 4096 }
for (const lookup of ["gather", "one-hot"] as const) {
  console.log(`embedding by ${lookup}: ${(secondsPerStep(embeddingCase, lookup, 5) * 1000).toFixed(0)} ms/step (d 64, 2 layers, 4096 tokens)`)
}
console.log(`worker start-up (node + tsx + tfjs + ${backend.name} init + corpus): ${workerStartupSeconds().toFixed(2)} s`)
process.exit(0)
