// A faster BatchMatMul for the wasm backend. tfjs-backend-wasm sends every product with a batch
// or a transpose flag to a scalar triple loop (~2 GFLOP/s here); only 2-D, untransposed products
// reach XNNPACK. Attention is all batched products, and gradients are transposed ones, so this
// kernel runs products on a small SIMD module of our own (see wasmMatMulText.ts) that works in the
// backend's own heap: it imports the backend's WebAssembly.Memory and reads and writes tensors
// where they lie. It takes the 2-D untransposed products from XNNPACK too: bench/batch-matmul.ts
// measured it as fast there or faster (XNNPACK repacks B for every new B tensor, i.e. every call in
// training, and is slow for few rows: 16x1024·1024x256 ran at ~4 GFLOP/s against ~19).
import * as tf from "@tensorflow/tfjs-core"
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm"
import {
  compileMatMulModule,
  instantiateMatMulModule,
  type MatMulExports,
  type WasmMemory,
  type WasmModule
} from "./wasmMatMulModule.ts"
import { type MatMulTile, tileName } from "./wasmMatMulText.ts"

/**
 * The output tile, chosen with bench/batch-matmul.ts: 2 rows × 16 columns (8 accumulators, 4 vectors
 * of B, 1 of A: within x64's 16 vector registers) beat 4x8, 3x8, 2x12, 1x16, 3x16, 4x16, 6x8 and 8x8
 * on most products; the block sizes mattered little.
 */
export const defaultMatMulTile: MatMulTile = { rows: 2, columns: 16, depthBlock: 256, rowBlock: 128 }

/** The parts of the backend's emscripten module this kernel uses (tfjs does not type them). */
interface EmscriptenHeap {
  readonly asm: { readonly memory: WasmMemory }
  _malloc(bytes: number): number
  _free(pointer: number): void
}

const heapOf = (backend: BackendWasm) => backend.wasm as unknown as EmscriptenHeap

/** Product dimensions of one BatchMatMul call, with the batch (outer) shapes of each side. */
interface MatMulDims {
  readonly m: number
  readonly n: number
  readonly k: number
  readonly outerA: ReadonlyArray<number>
  readonly outerB: ReadonlyArray<number>
  readonly outer: ReadonlyArray<number>
}

function matMulDims(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): MatMulDims {
  const last = (shape: ReadonlyArray<number>, fromEnd: number) => shape[shape.length - fromEnd] as number
  const m = transposeA ? last(a.shape, 1) : last(a.shape, 2)
  const kA = transposeA ? last(a.shape, 2) : last(a.shape, 1)
  const kB = transposeB ? last(b.shape, 1) : last(b.shape, 2)
  const n = transposeB ? last(b.shape, 2) : last(b.shape, 1)
  if (kA !== kB) {
    throw new Error(
      `Error in matMul: inner shapes (${kA}) and (${kB}) of Tensors with shapes ${a.shape} and ${b.shape} ` +
        `and transposeA=${transposeA} and transposeB=${transposeB} must match.`
    )
  }
  const outerA = a.shape.slice(0, -2)
  const outerB = b.shape.slice(0, -2)
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB)
  return { m, n, k: kA, outerA, outerB, outer }
}

/** For each matrix of the broadcast batch `outer`, the index of the matrix of an operand with batch shape `own`. */
export function broadcastBatchIndices(own: ReadonlyArray<number>, outer: ReadonlyArray<number>): Int32Array {
  const count = tf.util.sizeFromShape(outer as Array<number>)
  const indices = new Int32Array(count)
  const offset = outer.length - own.length
  for (let o = 0; o < count; o++) {
    let rest = o
    let index = 0
    let stride = 1
    for (let d = outer.length - 1; d >= 0; d--) {
      const size = outer[d] as number
      const coordinate = rest % size
      rest = (rest - coordinate) / size
      const ownSize = d >= offset ? (own[d - offset] as number) : 1
      if (ownSize !== 1) index += coordinate * stride
      stride *= ownSize
    }
    indices[o] = index
  }
  return indices
}

function simdBatchMatMul(
  backend: BackendWasm,
  kernel: MatMulExports,
  tile: MatMulTile,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  dims: MatMulDims
): tf.TensorInfo {
  const { m, n, k, outerA, outerB, outer } = dims
  const out = backend.makeOutput([...outer, m, n], "float32")
  const count = tf.util.sizeFromShape(outer as Array<number>)
  const heap = heapOf(backend)
  if (count * m * n === 0) return out
  if (k === 0) {
    // An empty sum: the output is zeros (makeOutput's memory is not cleared).
    new Float32Array(heap.asm.memory.buffer, backend.getMemoryOffset(out.dataId), count * m * n).fill(0)
    return out
  }
  const { columns } = tile
  const matricesB = tf.util.sizeFromShape(outerB as Array<number>)
  // B is packed (see packB in wasmMatMulText.ts): a matrix just before its product, into one buffer;
  // or, when matrices of B serve several products (broadcast), each once, up front.
  const packOnce = matricesB < count
  const panelsBytes = Math.ceil(n / columns) * k * columns * 4
  const edgeBytes = tile.rows * columns * 4
  // Allocated before any offset is read: a malloc may grow the heap (offsets stay valid, views would not).
  const scratch = heap._malloc(edgeBytes + (packOnce ? matricesB : 1) * panelsBytes)
  if (scratch === 0) throw new Error("BatchMatMul: the wasm heap has no room left for a packed copy of B")
  try {
    const aBase = backend.getMemoryOffset(a.dataId)
    const bBase = backend.getMemoryOffset(b.dataId)
    const cBase = backend.getMemoryOffset(out.dataId)
    const [rowStrideA, colStrideA] = transposeA ? [4, m * 4] : [k * 4, 4]
    const [rowStrideB, colStrideB] = transposeB ? [4, k * 4] : [n * 4, 4]
    const matrixBytesA = m * k * 4
    const matrixBytesB = k * n * 4
    const panels = (matrixB: number) => scratch + edgeBytes + (packOnce ? matrixB * panelsBytes : 0)
    const pack = (matrixB: number) => kernel.packB(bBase + matrixB * matrixBytesB, rowStrideB, colStrideB, panels(matrixB), n, k)
    if (packOnce) for (let i = 0; i < matricesB; i++) pack(i)
    const batchA = broadcastBatchIndices(outerA, outer)
    const batchB = broadcastBatchIndices(outerB, outer)
    for (let o = 0; o < count; o++) {
      const matrixB = batchB[o] as number
      if (!packOnce) pack(matrixB)
      const aMatrix = aBase + (batchA[o] as number) * matrixBytesA
      kernel.gemm(aMatrix, rowStrideA, colStrideA, panels(matrixB), cBase + o * m * n * 4, m, n, k, scratch)
    }
  } finally {
    heap._free(scratch)
  }
  return out
}

/** The backend's own BatchMatMul, kept while ours is registered. */
let original: tf.KernelConfig | undefined
/** The tile (its name) of the registered kernel; undefined while the original is registered. */
let registered: string | undefined
const compiled = new Map<string, Promise<WasmModule | undefined>>()

function batchMatMulKernel(module: WasmModule, tile: MatMulTile, fallback: tf.KernelConfig): tf.KernelFunc {
  // One instance per backend object: each has its own heap (tests and benchmarks may re-create it).
  const instances = new WeakMap<BackendWasm, MatMulExports>()
  const instanceFor = (backend: BackendWasm): MatMulExports => {
    let exports = instances.get(backend)
    if (exports === undefined) {
      exports = instantiateMatMulModule(module, heapOf(backend).asm.memory)
      instances.set(backend, exports)
    }
    return exports
  }
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo }
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs
    // tfjs's kernel rejects other dtypes with its own message.
    if (a.dtype !== "float32" || b.dtype !== "float32") return fallback.kernelFunc(args)
    const backend = args.backend as BackendWasm
    const dims = matMulDims(a, b, transposeA, transposeB)
    return simdBatchMatMul(backend, instanceFor(backend), tile, a, b, transposeA, transposeB, dims)
  }
}

/**
 * Replaces the wasm backend's BatchMatMul with the SIMD kernel (idempotent; another tile replaces the
 * registered one). Call once @tensorflow/tfjs-backend-wasm is loaded, before or after it is current.
 * Where the engine has no WebAssembly SIMD, tfjs's kernel stays.
 */
export async function registerWasmBatchMatMul(tile: MatMulTile = defaultMatMulTile): Promise<void> {
  const key = tileName(tile)
  if (registered === key) return
  let module = compiled.get(key)
  if (module === undefined) {
    module = compileMatMulModule(tile)
    compiled.set(key, module)
  }
  const ready = await module
  if (ready === undefined) return
  const current = tf.getKernel(tf.BatchMatMul, "wasm") as tf.KernelConfig | undefined
  const fallback = original ?? current
  if (fallback === undefined) {
    throw new Error("the wasm backend's BatchMatMul is not registered: load @tensorflow/tfjs-backend-wasm first")
  }
  original = fallback
  if (current !== undefined) tf.unregisterKernel(tf.BatchMatMul, "wasm")
  // The original's setup (binding its C++ entry point) still runs when the backend initialises.
  tf.registerKernel({ ...fallback, kernelFunc: batchMatMulKernel(ready, tile, fallback) })
  registered = key
}

/** Puts the backend's own BatchMatMul back (to compare against it). */
export function unregisterWasmBatchMatMul(): void {
  if (original === undefined || registered === undefined) return
  tf.unregisterKernel(tf.BatchMatMul, "wasm")
  tf.registerKernel(original)
  registered = undefined
}
