// Chooses the tfjs backend a run trains on. Candidates are tried in order of speed; the first one
// that initialises and computes a known matMul correctly wins, so a backend that loads but
// miscomputes (a broken native binary, a half-supported platform) never trains a run. Why each
// earlier candidate was passed over is kept: result.json records it, and so does the error when
// none works.
import type { Backend, RunResult } from "@scalelab/spec"
import * as tf from "@tensorflow/tfjs-core"
import { Data } from "effect"
import { registerGradients } from "../kernels/gradients.ts"
import { describeNativeDevice, loadNativeBackend, nativeBackendName } from "./nativeBackends.ts"
import { registerWasmBatchMatMul } from "../kernels/wasmBatchMatMul.ts"
import { registerWasmGatherGradient } from "../kernels/wasmKernels.ts"
import { loadWebGpuBackend } from "./webgpuBackend.ts"
import { registerWebGpuChunkedAddN } from "../kernels/webgpuKernels.ts"

export type BackendRequest = Backend
export type BackendName = Exclude<BackendRequest, "auto">

/** One candidate tried during selection: how long it took and, unless it was chosen, why not. */
export interface BackendAttempt {
  readonly backend: BackendName
  readonly ms: number
  readonly failure?: string
}

export interface SelectedBackend {
  readonly name: BackendName
  /** Version of the backend's package. */
  readonly version: string
  /** What it computes on: a GPU's name, or e.g. "CPU (wasm simd, 1 thread)". */
  readonly device: string
  /** Version of @tensorflow/tfjs-core. */
  readonly tfjsVersion: string
  /** Every candidate tried, in order; the last one is the chosen backend. */
  readonly attempts: ReadonlyArray<BackendAttempt>
}

interface LoadedBackend {
  readonly version: string
  /** Called once the backend is current; throws if it computes elsewhere than its name promises. */
  readonly device: () => Promise<string>
}

interface BackendCandidate {
  readonly name: BackendName
  /** The name the backend registers with tfjs. */
  readonly tfjsName: string
  /** Loads the backend's module, registering it with tfjs. */
  readonly load: (requested: BackendRequest) => Promise<LoadedBackend>
}

const threads = (count: number) => `${count} thread${count === 1 ? "" : "s"}`

// Fastest first: `auto` walks this list.
const candidates: ReadonlyArray<BackendCandidate> = [
  {
    name: "cuda",
    tfjsName: nativeBackendName,
    load: async () => {
      const version = await loadNativeBackend("@tensorflow/tfjs-node-gpu")
      return { version, device: async () => describeNativeDevice(true) }
    }
  },
  {
    name: "tensorflow",
    tfjsName: nativeBackendName,
    load: async () => {
      const version = await loadNativeBackend("@tensorflow/tfjs-node")
      return { version, device: async () => describeNativeDevice(false) }
    }
  },
  {
    name: "webgpu",
    tfjsName: "webgpu",
    load: async (requested) => {
      const { version, adapter } = await loadWebGpuBackend({ acceptSoftware: requested === "webgpu" })
      registerWebGpuChunkedAddN()
      return { version, device: async () => adapter.description }
    }
  },
  {
    name: "wasm",
    tfjsName: "wasm",
    load: async () => {
      const wasm = await import("@tensorflow/tfjs-backend-wasm")
      registerWasmGatherGradient()
      await registerWasmBatchMatMul()
      const device = async () => {
        const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true
        return `CPU (wasm${simd ? " simd" : ""}, ${threads(wasm.getThreadsCount())})`
      }
      return { version: wasm.version_wasm, device }
    }
  },
  {
    name: "cpu",
    tfjsName: "cpu",
    load: async () => {
      const cpu = await import("@tensorflow/tfjs-backend-cpu")
      return { version: cpu.version_cpu, device: async () => "CPU (JavaScript)" }
    }
  }
]

/** Every value execution.backend may take, `auto` first, then the backends in the order `auto` tries them. */
export const backendRequests: ReadonlyArray<BackendRequest> = ["auto", ...candidates.map((candidate) => candidate.name)]

export class BackendUnavailableError extends Data.TaggedError("BackendUnavailableError")<{
  readonly requested: BackendRequest
  readonly attempts: ReadonlyArray<BackendAttempt>
}> {
  override get message(): string {
    const reasons = this.attempts.map((attempt) => `${attempt.backend}: ${attempt.failure ?? "unknown failure"}`)
    const others = backendRequests.filter((name) => name !== this.requested)
    return (
      `No TensorFlow.js backend could be used for "${this.requested}": ${reasons.join("; ")}. ` +
      `Fix the cause named above, or set execution.backend to another backend (${others.join(", ")}).`
    )
  }
}

/** [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]]: exact in float32, so any deviation is a fault. */
async function passesSelfCheck(): Promise<boolean> {
  const product = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])))
  // Asynchronous read: the WebGPU backend cannot read synchronously in Node (no OffscreenCanvas).
  const values = await product.data()
  product.dispose()
  return [19, 22, 43, 50].every((expected, i) => values[i] === expected)
}

async function tryCandidate(
  candidate: BackendCandidate,
  requested: BackendRequest
): Promise<{ version: string; device: string }> {
  const loaded = await candidate.load(requested)
  if (!(await tf.setBackend(candidate.tfjsName))) {
    throw new Error(`the ${candidate.tfjsName} backend did not initialise (tfjs logged why)`)
  }
  if (!(await passesSelfCheck())) throw new Error("it computed a wrong matMul in its self-check")
  return { version: loaded.version, device: await loaded.device() }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Makes a backend current for training: the first eligible one that loads and computes correctly. */
export async function selectBackend(requested: BackendRequest): Promise<SelectedBackend> {
  const eligible = requested === "auto" ? candidates : candidates.filter((c) => c.name === requested)
  const attempts: Array<BackendAttempt> = []
  for (const candidate of eligible) {
    const started = performance.now()
    try {
      const { version, device } = await tryCandidate(candidate, requested)
      attempts.push({ backend: candidate.name, ms: performance.now() - started })
      // Only now: loading tfjs-node brings in @tensorflow/tfjs, which registers tfjs-core's own
      // gradients; ours must be registered after it to be the ones used.
      await registerGradients()
      return { name: candidate.name, version, device, tfjsVersion: tf.version_core, attempts }
    } catch (error) {
      attempts.push({ backend: candidate.name, ms: performance.now() - started, failure: reason(error) })
    }
  }
  throw new BackendUnavailableError({ requested, attempts })
}

/** The fields of result.json that say what trained the run. */
export function backendRecord(
  selected: SelectedBackend
): Pick<RunResult, "backend" | "backend_version" | "device" | "tfjs_version" | "backend_failures"> {
  const failures = selected.attempts.flatMap((attempt) =>
    attempt.failure === undefined ? [] : [{ backend: attempt.backend, reason: attempt.failure }]
  )
  return {
    backend: selected.name,
    backend_version: selected.version,
    device: selected.device,
    tfjs_version: selected.tfjsVersion,
    ...(failures.length > 0 ? { backend_failures: failures } : {})
  }
}
