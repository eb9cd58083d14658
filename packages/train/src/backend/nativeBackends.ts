// TensorFlow's native library through @tensorflow/tfjs-node (CPU) and @tensorflow/tfjs-node-gpu
// (CUDA). Both are optional dependencies whose install script downloads libtensorflow; where that
// download fails the package is installed without its native addon. Looking for the addon file
// before importing gives a precise reason and skips the ~1 s that importing @tensorflow/tfjs costs.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import * as tf from "@tensorflow/tfjs-core"

export type NativePackage = "@tensorflow/tfjs-node" | "@tensorflow/tfjs-node-gpu"

/** The registered name of the backend both packages provide. */
export const nativeBackendName = "tensorflow"

/** What tfjs-node's backend exposes beyond tfjs-core's KernelBackend. */
interface NativeBackend {
  readonly isUsingGpuDevice?: boolean
  readonly binding?: { readonly TF_Version?: string }
}

const require = createRequire(import.meta.url)

function packageFolder(name: NativePackage): string {
  try {
    return dirname(require.resolve(`${name}/package.json`))
  } catch {
    throw new Error(`${name} is not installed (it is an optional dependency: run pnpm install without --no-optional)`)
  }
}

/** node-pre-gyp puts the addon at lib/napi-v<N>/tfjs_binding.node, N chosen at install time. */
function hasNativeAddon(folder: string): boolean {
  const lib = join(folder, "lib")
  if (!existsSync(lib)) return false
  return readdirSync(lib).some((entry) => entry.startsWith("napi-v") && existsSync(join(lib, entry, "tfjs_binding.node")))
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.split("\n")[0] ?? message
}

/** Imports the package, which registers and selects the "tensorflow" backend; returns its version. */
export async function loadNativeBackend(name: NativePackage): Promise<string> {
  const folder = packageFolder(name)
  const version = (JSON.parse(readFileSync(join(folder, "package.json"), "utf8")) as { version: string }).version
  // tfjs-node-gpu that found no GPU already registered libtensorflow (on the CPU) in this process;
  // importing tfjs-node as well would load a second copy of the library.
  if (name === "@tensorflow/tfjs-node" && tf.findBackendFactory(nativeBackendName) !== null) return version
  if (!hasNativeAddon(folder)) {
    throw new Error(
      `${name} is installed without its native addon: its install script downloads libtensorflow, ` +
        `which failed or was skipped. Where that download is possible, run \`pnpm rebuild ${name}\``
    )
  }
  try {
    await import(name)
  } catch (error) {
    throw new Error(`${name} could not load libtensorflow: ${firstLine(error)}`)
  }
  return version
}

/** The GPU's model name from the NVIDIA driver, when one is loaded (Linux). */
function nvidiaGpuNames(): ReadonlyArray<string> {
  const folder = "/proc/driver/nvidia/gpus"
  if (!existsSync(folder)) return []
  return readdirSync(folder).flatMap((gpu) => {
    const model = /^Model:\s*(.+)$/m.exec(readFileSync(join(folder, gpu, "information"), "utf8"))
    return model?.[1] === undefined ? [] : [model[1].trim()]
  })
}

/**
 * Describes where the current "tensorflow" backend computes. libtensorflow falls back to the CPU
 * when it cannot load CUDA, silently: with `requireGpu` that is an error, so a run asking for
 * CUDA never trains on the CPU while claiming a GPU.
 */
export function describeNativeDevice(requireGpu: boolean): string {
  const backend = tf.backend() as unknown as NativeBackend
  const library = `libtensorflow ${backend.binding?.TF_Version ?? "(unknown version)"}`
  if (backend.isUsingGpuDevice !== true) {
    if (requireGpu) {
      throw new Error(
        `@tensorflow/tfjs-node-gpu loaded, but ${library} found no CUDA GPU it can use and would run on the CPU: ` +
          `it needs an NVIDIA driver and the CUDA 11.2 and cuDNN 8.1 libraries on the library path ` +
          `(its log names the library it could not open)`
      )
    }
    return `CPU (${library})`
  }
  const names = nvidiaGpuNames()
  return `${names.length > 0 ? names.join(", ") : "NVIDIA GPU"} (CUDA, ${library})`
}
