import { existsSync, readdirSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { Backend } from "@scalelab/spec"
import { beforeAll, describe, expect, it } from "vitest"
import { type BackendName, type SelectedBackend, backendRecord, backendRequests } from "../src/backend/backend.ts"
import type { BackendCheck } from "../src/backend/backendCheck.ts"
import { describeAdapter } from "../src/backend/webgpuBackend.ts"
import { jsonLines, runNodeScript } from "./nodeScript.ts"

describe("backend names", () => {
  it("are exactly the spec's execution.backend values, auto first, in the order auto tries them", () => {
    expect(backendRequests).toEqual(["auto", "cuda", "tensorflow", "webgpu", "wasm", "cpu"])
    expect([...backendRequests].sort()).toEqual([...Backend.literals].sort())
  })
})

describe("describeAdapter", () => {
  it("names Mesa's llvmpipe and marks it as software", () => {
    const adapter = describeAdapter({
      vendor: "mesa",
      architecture: "software",
      device: "llvmpipe-llvm-15-0-6-256-bits-",
      description: "llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1"
    })
    expect(adapter).toEqual({
      description: "llvmpipe-llvm-15-0-6-256-bits- (mesa software; llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1)",
      software: true
    })
  })

  it("takes a GPU for hardware, and recognises lavapipe by name when the architecture is blank", () => {
    const gpu = describeAdapter({ vendor: "nvidia", architecture: "hopper", device: "nvidia-h100", description: "NVIDIA: 550.54.15" })
    expect(gpu).toEqual({ description: "nvidia-h100 (nvidia hopper; NVIDIA: 550.54.15)", software: false })
    expect(describeAdapter({ vendor: "", architecture: "", device: "", description: "lavapipe" })).toEqual({
      description: "unnamed adapter (lavapipe)",
      software: true
    })
  })
})

describe("backendRecord", () => {
  const chosen: SelectedBackend = {
    name: "wasm",
    version: "4.22.0",
    device: "CPU (wasm simd, 1 thread)",
    tfjsVersion: "4.22.0",
    attempts: [
      { backend: "webgpu", ms: 40, failure: "no adapter" },
      { backend: "wasm", ms: 80 }
    ]
  }

  it("gives result.json the backend, its version, the device and why earlier candidates were passed over", () => {
    expect(backendRecord(chosen)).toEqual({
      backend: "wasm",
      backend_version: "4.22.0",
      device: "CPU (wasm simd, 1 thread)",
      tfjs_version: "4.22.0",
      backend_failures: [{ backend: "webgpu", reason: "no adapter" }]
    })
  })

  it("leaves backend_failures out when the first candidate was chosen", () => {
    expect(backendRecord({ ...chosen, attempts: [{ backend: "wasm", ms: 80 }] })).not.toHaveProperty("backend_failures")
  })
})

/** Whether an optional tfjs-node package got its native addon at install time. */
function hasNativeAddon(name: string): boolean {
  const require = createRequire(join(import.meta.dirname, "..", "package.json"))
  const lib = join(dirname(require.resolve(`${name}/package.json`)), "lib")
  return existsSync(lib) && readdirSync(lib).some((entry) => existsSync(join(lib, entry, "tfjs_binding.node")))
}

// Each selection runs in its own process, as in a worker. `auto` must agree with what asking for
// each backend by name gives on this machine, which on CI is: no libtensorflow (its download host
// is unreachable), a software WebGPU adapter (Mesa's llvmpipe), so wasm.
describe("auto selection on this machine", () => {
  const checks = new Map<string, BackendCheck>()
  const failureOf = (check: BackendCheck | undefined, backend: BackendName) =>
    check?.attempts.find((attempt) => attempt.backend === backend)?.failure

  beforeAll(async () => {
    const requests = ["auto", "cuda", "tensorflow", "webgpu"]
    const runs = await Promise.all(requests.map((request) => runNodeScript("src/backend/backendCheck.ts", ["--json", request])))
    runs.forEach((run, i) => {
      const [check] = jsonLines<BackendCheck>(run.stdout)
      if (check === undefined) throw new Error(`backendCheck ${requests[i]} printed no result: ${run.stderr}`)
      checks.set(check.requested, check)
    })
  })

  it("tries the candidates fastest first and stops at the first that works", () => {
    const auto = checks.get("auto")!
    const order: ReadonlyArray<BackendName> = ["cuda", "tensorflow", "webgpu", "wasm", "cpu"]
    const tried = auto.attempts.map((attempt) => attempt.backend)
    expect(tried).toEqual(order.slice(0, tried.length))
    expect(auto.attempts.slice(0, -1).every((attempt) => attempt.failure !== undefined)).toBe(true)
    expect("error" in auto ? undefined : auto.name).toBe(tried.at(-1))
    expect(auto.attempts.at(-1)?.failure).toBeUndefined()
  })

  it("records why each native backend was passed over: the same reason as asking for it by name", () => {
    for (const [backend, name] of [["cuda", "@tensorflow/tfjs-node-gpu"], ["tensorflow", "@tensorflow/tfjs-node"]] as const) {
      const byName = checks.get(backend)!
      if (hasNativeAddon(name)) continue // a machine where libtensorflow could be downloaded
      expect("error" in byName).toBe(true)
      expect(failureOf(byName, backend)).toBe(
        `${name} is installed without its native addon: its install script downloads libtensorflow, ` +
          `which failed or was skipped. Where that download is possible, run \`pnpm rebuild ${name}\``
      )
      expect(failureOf(checks.get("auto"), backend)).toBe(failureOf(byName, backend))
    }
  })

  it("passes over a software WebGPU adapter that asking for webgpu by name accepts, and lands on wasm", () => {
    const webgpu = checks.get("webgpu")!
    const auto = checks.get("auto")!
    if ("error" in webgpu) {
      expect(failureOf(auto, "webgpu")).toBe(failureOf(webgpu, "webgpu"))
      return
    }
    if (!webgpu.device.includes("llvmpipe")) return // a real GPU: auto may take it
    expect(failureOf(auto, "webgpu")).toBe(
      `the WebGPU adapter is a software one, ${webgpu.device}, slower than wasm; set execution.backend to webgpu to use it anyway`
    )
    expect(auto).toMatchObject({ name: "wasm", device: "CPU (wasm simd, 1 thread)", version: "4.22.0", tfjsVersion: "4.22.0" })
  })
})
