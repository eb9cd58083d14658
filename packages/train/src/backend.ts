// Chooses the tfjs backend a run trains on. Candidates are tried in order of speed; the first one
// that initialises and computes a known matMul correctly wins, so a backend that loads but
// miscomputes (a broken native binary, a half-supported platform) never trains a run.
import * as tf from "@tensorflow/tfjs-core"
import { Data } from "effect"
import { registerGradients } from "./gradients.ts"
import { registerWasmGatherGradient } from "./wasmKernels.ts"

export type BackendRequest = "auto" | "wasm" | "cpu"

export interface SelectedBackend {
  readonly name: string
  readonly version: string
}

interface BackendCandidate {
  readonly name: Exclude<BackendRequest, "auto">
  /** Loads the backend's module (registering it with tfjs) and returns its package version. */
  readonly load: () => Promise<string>
}

// Fastest first. A native backend (tfjs-node, tfjs-node-gpu) joins as one more entry at the front.
const candidates: ReadonlyArray<BackendCandidate> = [
  {
    name: "wasm",
    load: async () => {
      const wasm = await import("@tensorflow/tfjs-backend-wasm")
      registerWasmGatherGradient()
      return wasm.version_wasm
    }
  },
  {
    name: "cpu",
    load: async () => {
      const cpu = await import("@tensorflow/tfjs-backend-cpu")
      return cpu.version_cpu
    }
  }
]

export class BackendUnavailableError extends Data.TaggedError("BackendUnavailableError")<{
  readonly requested: BackendRequest
  readonly failures: ReadonlyArray<string>
}> {
  override get message(): string {
    return (
      `No TensorFlow.js backend could be used for "${this.requested}": ${this.failures.join("; ")}. ` +
      `Set execution.backend to another backend ("auto", "wasm" or "cpu") or reinstall the dependencies.`
    )
  }
}

/** [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]]: exact in float32, so any deviation is a fault. */
function passesSelfCheck(): boolean {
  const product = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])))
  const values = product.dataSync()
  product.dispose()
  return [19, 22, 43, 50].every((expected, i) => values[i] === expected)
}

async function tryCandidate(candidate: BackendCandidate): Promise<SelectedBackend> {
  const version = await candidate.load()
  if (!(await tf.setBackend(candidate.name))) throw new Error(`${candidate.name} did not initialise`)
  if (!passesSelfCheck()) throw new Error(`${candidate.name} computed a wrong matMul in its self-check`)
  return { name: candidate.name, version }
}

/** Makes a backend current for training: the first eligible one that loads and computes correctly. */
export async function selectBackend(requested: BackendRequest): Promise<SelectedBackend> {
  await registerGradients()
  const eligible = requested === "auto" ? candidates : candidates.filter((c) => c.name === requested)
  const failures: Array<string> = []
  for (const candidate of eligible) {
    try {
      return await tryCandidate(candidate)
    } catch (error) {
      failures.push(`${candidate.name}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  throw new BackendUnavailableError({ requested, failures })
}
