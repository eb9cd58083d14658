// The training benchmark: `pnpm bench:train [--backend NAME] [--sizes 64,128,256,512] [--steps N]
// [--no-peer] [--no-concurrency]`.
//
// For each d_model: time per full training step (forward, backward, AdamW) and model FLOP/s under
// the exact count, next to the backend's own 1024² matMul rate measured in the same process (a
// ratio, since this machine is shared and its absolute speed drifts), and the same model in
// PyTorch on CPU (the peer script in ./peers, when /usr/bin/python3 has torch). Then
// the throughput of two concurrent worker processes against one, and against the peer's two threads.
import { execFileSync, spawn } from "node:child_process"
import { join } from "node:path"
import { countParams, flopsPerToken } from "@scalelab/laws"
import type { ModelShape } from "@scalelab/spec"
import * as tf from "@tensorflow/tfjs-core"
import { type BackendRequest, selectBackend } from "../src/backend/backend.ts"
import { disposeConstants, modelConstants } from "../src/model/model.ts"
import { wasmSpeedFlags } from "../src/backend/nodeFlags.ts"
import { disposeAdamWState, initialAdamWState } from "../src/optim/optimizer.ts"
import { initialParameters, parameterLayout, weightTensors } from "../src/model/parameters.ts"
import { prepareTrainingData, trainingBatch } from "../src/data/trainingData.ts"
import { trainingStep } from "../src/run/trainRun.ts"
import { tinySpec } from "../test/tinySpec.ts"

const args = process.argv.slice(2)
const option = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? args[at + 1] : undefined
}
const backendName = (option("backend") ?? "auto") as BackendRequest
const sizes = (option("sizes") ?? "64,128,256,512").split(",").map(Number)
const timedSteps = Number(option("steps") ?? 3)
const context = 128
const layers = 4
const peerScript = join(import.meta.dirname, "peers", "torch_llama_ref.py")
const python = "/usr/bin/python3"

/** The peer script's shape for a d_model: head_dim 32, half as many KV heads, ffn ≈ 8d/3, untied head. */
function shapeFor(d: number): ModelShape {
  const heads = Math.max(1, Math.floor(d / 32))
  return {
    layers,
    d_model: d,
    heads,
    kv_heads: Math.max(1, Math.floor(heads / 2)),
    head_dim: d / heads,
    ffn: Math.floor((8 * d) / 3 / 32) * 32,
    context,
    vocab: 256,
    tied_embeddings: false
  }
}

/** Sequences per step: 16 (2048 tokens) as in the peer's default, fewer for the largest model. */
const sequencesFor = (d: number) => (d >= 512 ? 8 : 16)

async function matMulGflops(n: number): Promise<number> {
  const a = tf.randomNormal([n, n]) as tf.Tensor2D
  const product = () => tf.matMul(a, a).dispose()
  product()
  const repeats = 8
  const started = performance.now()
  for (let i = 0; i < repeats; i++) product()
  // A read-back ends the timing: on asynchronous (GPU) backends the products may still be queued.
  const probe = tf.matMul(a, a)
  await probe.data()
  probe.dispose()
  const seconds = (performance.now() - started) / 1000
  a.dispose()
  return (2 * n ** 3 * (repeats + 1)) / seconds / 1e9
}

/** Median seconds of a full training step over `steps` timed steps, after one warm-up step. */
async function secondsPerStep(d: number, steps: number): Promise<number> {
  const shape = shapeFor(d)
  const sequences = sequencesFor(d)
  const spec = tinySpec({ shape, training: { ...tinySpec().training, batch_tokens: sequences * context } })
  const layout = parameterLayout(shape)
  const constants = modelConstants(shape, layout, "gather")
  const data = prepareTrainingData(spec)
  let state = initialAdamWState(weightTensors(initialParameters(layout, 1), layout))
  const times: Array<number> = []
  for (let step = 0; step < steps + 1; step++) {
    const batch = trainingBatch(data, 1, step, sequences, context)
    const started = performance.now()
    const previous = state
    const result = trainingStep(state, batch, 1e-3, constants, spec)
    state = result.state
    disposeAdamWState(previous)
    await result.loss.data()
    if (step >= 1) times.push((performance.now() - started) / 1000)
    tf.dispose([result.loss, result.gradNorm])
  }
  disposeAdamWState(state)
  disposeConstants(constants)
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] as number
}

const tokensPerSecond = async (d: number, steps: number) => (sequencesFor(d) * context) / (await secondsPerStep(d, steps))
const exactFlopsPerToken = (d: number) => flopsPerToken(shapeFor(d), "exact")

interface PeerResult {
  readonly tokens_per_s: number
  /** The BLAS libraries the peer's process loaded: it runs at its best only on an optimised one. */
  readonly blas: string
}

/** The BLAS the PyTorch peer ran on, once it has run. */
let peerBlas: string | undefined

function peerTokensPerSecond(d: number): number | undefined {
  try {
    const out = execFileSync(python, [peerScript, String(d), String(layers), String(context), String(sequencesFor(d)), String(timedSteps + 2)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"]
    })
    const result = JSON.parse(out.trim().split("\n").at(-1) as string) as PeerResult
    peerBlas = result.blas
    return result.tokens_per_s
  } catch {
    return undefined
  }
}

const peerAvailable = (): boolean => {
  if (args.includes("--no-peer")) return false
  try {
    execFileSync(python, ["-c", "import torch"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

/** tokens/s of each of `count` concurrent child processes training model d. */
function concurrentTokensPerSecond(d: number, count: number): Promise<Array<number>> {
  const child = () =>
    new Promise<number>((resolve, reject) => {
      const proc = spawn(process.execPath, [...wasmSpeedFlags, "--import", "tsx", import.meta.filename, "--child", String(d), "--backend", backendName, "--steps", String(timedSteps)], {
        stdio: ["ignore", "pipe", "inherit"]
      })
      let out = ""
      proc.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()))
      proc.on("exit", (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`benchmark child exited ${code}`))))
    })
  return Promise.all(Array.from({ length: count }, child))
}

const fixed = (x: number, digits = 1) => x.toFixed(digits)

async function main(): Promise<void> {
  const childSize = option("child")
  const backend = await selectBackend(backendName)
  if (childSize !== undefined) {
    process.stdout.write(`${await tokensPerSecond(Number(childSize), timedSteps)}\n`)
    return
  }
  console.log(`backend ${backend.name} ${backend.version} on ${backend.device} (tfjs-core ${backend.tfjsVersion})`)
  const matMul = await matMulGflops(1024)
  console.log(`matMul 1024²: ${fixed(matMul)} GFLOP/s`)
  const withPeer = peerAvailable()
  if (!withPeer && !args.includes("--no-peer")) console.log("PyTorch peer: not run (needs /usr/bin/python3 with torch: apt-get install python3-torch libopenblas0-pthread)")

  console.log(`\nd_model layers heads/kv ctx tokens/step | params | ms/step | tokens/s | GFLOP/s exact | % of matMul | torch tokens/s | tfjs/torch`)
  for (const d of sizes) {
    const shape = shapeFor(d)
    const seconds = await secondsPerStep(d, timedSteps)
    const tokens = sequencesFor(d) * context
    const rate = tokens / seconds
    const gflops = (rate * exactFlopsPerToken(d)) / 1e9
    const peer = withPeer ? peerTokensPerSecond(d) : undefined
    console.log(
      `${d} ${layers} ${shape.heads}/${shape.kv_heads} ${context} ${tokens} | ${countParams(shape).total} | ${fixed(seconds * 1000, 0)} | ` +
        `${fixed(rate, 0)} | ${fixed(gflops, 2)} | ${fixed((100 * gflops) / matMul, 0)}% | ` +
        `${peer === undefined ? "-" : fixed(peer, 0)} | ${peer === undefined ? "-" : fixed(rate / peer, 2)}`
    )
  }
  if (peerBlas !== undefined) {
    // Debian's torch calls whichever libblas.so.3 is installed; the reference one is ~5x slower.
    const optimised = /openblas|mkl|blis/i.test(peerBlas)
    console.log(`PyTorch peer's BLAS: ${peerBlas}${optimised ? "" : " — not an optimised BLAS: apt-get install libopenblas0-pthread for a fair peer"}`)
  }

  if (!args.includes("--no-concurrency")) {
    const d = sizes.includes(256) ? 256 : (sizes[0] as number)
    const [alone] = await concurrentTokensPerSecond(d, 1)
    const pair = await concurrentTokensPerSecond(d, 2)
    const together = pair.reduce((a, b) => a + b, 0)
    console.log(
      `\nconcurrency (d_model ${d}): one worker ${fixed(alone as number, 0)} tokens/s; two concurrent ` +
        `${pair.map((x) => fixed(x, 0)).join(" + ")} = ${fixed(together, 0)} tokens/s: ${fixed(together / (alone as number), 2)}x one`
    )
    const peer = withPeer ? peerTokensPerSecond(d) : undefined
    if (peer !== undefined) {
      console.log(`sweep throughput on this machine: two tfjs workers ${fixed(together, 0)} tokens/s vs PyTorch (2 threads) ${fixed(peer, 0)}: ${fixed(together / peer, 2)}x`)
    }
  }
}

await main()
// Exit explicitly: some backends hold handles that would keep the process alive.
process.exit(0)
