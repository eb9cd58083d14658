// tfjs-backend-webgpu's AddN binds every input as a storage buffer of one shader, but a device
// allows only maxStorageBuffersPerShaderStage of them per shader (8 unless raised; the output
// takes one). The optimiser's sum over a dozen per-tensor gradient norms failed validation and
// read back as 0. This AddN adds in chunks that fit, then adds the partial sums the same way.
import * as tf from "@tensorflow/tfjs-core"
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu"

let chunked: tf.KernelFunc | undefined

function chunkedAddN(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as WebGPUBackend
    const maxInputs = backend.device.limits.maxStorageBuffersPerShaderStage - 1
    let inputs = args.inputs as unknown as Array<tf.TensorInfo>
    const partialSums: Array<tf.TensorInfo> = []
    while (inputs.length > maxInputs) {
      const sums: Array<tf.TensorInfo> = []
      for (let from = 0; from < inputs.length; from += maxInputs) {
        const chunk = inputs.slice(from, from + maxInputs)
        if (chunk.length === 1) sums.push(chunk[0] as tf.TensorInfo)
        else sums.push(original({ ...args, inputs: chunk as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo)
      }
      partialSums.push(...sums.filter((sum) => !inputs.includes(sum)))
      inputs = sums
    }
    const total = original({ ...args, inputs: inputs as unknown as tf.NamedTensorInfoMap })
    for (const sum of partialSums) backend.disposeData(sum.dataId)
    return total
  }
}

/** Replaces the webgpu backend's AddN (registered when its module loads) by the chunked one, once. */
export function registerWebGpuChunkedAddN(): void {
  const registered = tf.getKernel(tf.AddN, "webgpu")
  if (registered === undefined || registered.kernelFunc === chunked) return
  chunked = chunkedAddN(registered.kernelFunc)
  tf.unregisterKernel(tf.AddN, "webgpu")
  tf.registerKernel({ ...registered, kernelFunc: chunked })
}
