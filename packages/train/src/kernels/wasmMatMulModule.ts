// Turns the generated matMul text (wasmMatMulText.ts) into a WebAssembly module, and instantiates
// it on a given memory. wabt (the WebAssembly Binary Toolkit, compiled to wasm) assembles the text
// at load time: about 0.1 s to load wabt and 0.03 s to assemble, once per process.
import { type MatMulCodeOptions, type MatMulTile, matMulModuleText } from "./wasmMatMulText.ts"

// TypeScript types WebAssembly only in its DOM library, which this Node project leaves out: the
// few parts used here, typed by hand.
export interface WasmMemory {
  readonly buffer: ArrayBuffer
}
/** A compiled module (opaque here). */
export type WasmModule = object
interface WasmEngine {
  validate(binary: Uint8Array): boolean
  compile(binary: Uint8Array): Promise<WasmModule>
  readonly Memory: abstract new (...args: never) => WasmMemory
  readonly Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { readonly exports: unknown }
}
const webAssembly = (globalThis as unknown as { WebAssembly: WasmEngine }).WebAssembly

/** The module's exports; addresses, strides and sizes in bytes and floats as wasmMatMulText.ts describes. */
export interface MatMulExports {
  gemm(
    a: number, rowStrideA: number, colStrideA: number, packedB: number,
    c: number, m: number, n: number, k: number, edge: number
  ): void
  packB(b: number, rowStride: number, colStride: number, out: number, n: number, k: number): void
}

/**
 * Assembles the module's text and compiles it: with fused multiply-adds where the engine has
 * relaxed SIMD (Node 22+, or Node 20 run with --experimental-wasm-relaxed-simd: ~1.3× faster
 * products), else with separate multiplies and adds. Undefined where the engine lacks SIMD.
 */
export async function compileMatMulModule(tile: MatMulTile): Promise<WasmModule | undefined> {
  const { default: loadWabt } = await import("wabt")
  const wabt = await loadWabt()
  const assemble = (text: string) => {
    const parsed = wabt.parseWat("batch-matmul.wat", text, { simd: true, relaxed_simd: true })
    try {
      return parsed.toBinary({}).buffer
    } finally {
      parsed.destroy()
    }
  }
  /** Whether the engine validates a three-operand v128 instruction. */
  const supports = (instruction: string) => {
    const operands = "(local.get 0) (local.get 0) (local.get 0)"
    return webAssembly.validate(assemble(`(module (func (param v128) (result v128) (${instruction} ${operands})))`))
  }
  if (!supports("v128.bitselect")) return undefined
  const options: MatMulCodeOptions = { fusedMultiplyAdd: supports("f32x4.relaxed_madd") }
  return webAssembly.compile(assemble(matMulModuleText(tile, options)))
}

/** An instance working in `memory` (the tfjs wasm backend's heap). */
export function instantiateMatMulModule(module: WasmModule, memory: WasmMemory): MatMulExports {
  if (!(memory instanceof webAssembly.Memory)) {
    throw new Error("the wasm backend's module exposes no WebAssembly.Memory (asm.memory)")
  }
  return new webAssembly.Instance(module, { env: { memory } }).exports as unknown as MatMulExports
}
