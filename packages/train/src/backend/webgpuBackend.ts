// WebGPU in Node: Dawn (the npm `webgpu` package; Vulkan on Linux) provides what a browser's
// `navigator.gpu` does. tfjs-backend-webgpu registers its backend at import time only if
// navigator.gpu exists then, so the adapter is found and vetted first and the module imported after.
// While a WebGPU device is open Node does not exit by itself: the worker exits explicitly.
import { createRequire } from "node:module"

export interface WebGpuAdapter {
  /** The adapter's name, vendor, architecture and driver, e.g. for result.json's `device`. */
  readonly description: string
  /** A CPU rasteriser (llvmpipe, lavapipe, SwiftShader): correct, but slower than wasm. */
  readonly software: boolean
}

/** The parts of an adapter's GPUAdapterInfo that name it. */
export type AdapterIdentity = Pick<GPUAdapterInfo, "vendor" | "architecture" | "device" | "description">

export function describeAdapter(info: AdapterIdentity): WebGpuAdapter {
  const maker = [info.vendor, info.architecture].filter((part) => part !== "").join(" ")
  const details = [maker, info.description].filter((part) => part !== "").join("; ")
  const name = info.device !== "" ? info.device : "unnamed adapter"
  const software = info.architecture === "software" || /llvmpipe|lavapipe|swiftshader/i.test(`${info.device} ${info.description}`)
  return { description: details === "" ? name : `${name} (${details})`, software }
}

/** tfjs-backend-webgpu, unlike the other backends, exports no version. */
function backendPackageVersion(): string {
  const manifest = createRequire(import.meta.url)("@tensorflow/tfjs-backend-webgpu/package.json") as { version: string }
  return manifest.version
}

/** Makes Dawn's GPU visible where tfjs looks for it, keeping Node's own navigator (Node 21+) if any. */
function exposeToTfjs(gpu: GPU, globals: object): void {
  Object.assign(globalThis, globals) // GPUBufferUsage, GPUMapMode, ... that tfjs reads as globals
  if ("navigator" in globalThis) Object.defineProperty(globalThis.navigator, "gpu", { value: gpu, configurable: true })
  else Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true, writable: true })
}

/**
 * Registers tfjs's "webgpu" backend on the adapter tfjs will pick (high-performance); returns the
 * backend package's version and that adapter. `acceptSoftware: false` refuses a software adapter.
 */
export async function loadWebGpuBackend(
  options: { readonly acceptSoftware: boolean }
): Promise<{ readonly version: string; readonly adapter: WebGpuAdapter }> {
  const { create, globals } = await import("webgpu")
  const gpu = create([])
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" })
  if (adapter === null) {
    throw new Error(
      "Dawn found no WebGPU adapter: there is no usable Vulkan driver. Install the GPU vendor's Vulkan driver, " +
        "or for a software adapter a recent Mesa's mesa-vulkan-drivers (Debian 12: from bookworm-backports)"
    )
  }
  const found = describeAdapter(adapter.info)
  if (found.software && !options.acceptSoftware) {
    throw new Error(
      `the WebGPU adapter is a software one, ${found.description}, slower than wasm; ` +
        `set execution.backend to webgpu to use it anyway`
    )
  }
  exposeToTfjs(gpu, globals)
  await import("@tensorflow/tfjs-backend-webgpu")
  return { version: backendPackageVersion(), adapter: found }
}
