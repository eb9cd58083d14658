// GFLOP/s of the wasm backend's BatchMatMul: the SIMD kernel (src/kernels/wasmBatchMatMul.ts) against tfjs's
// own kernel, on the products a training step runs, with XNNPACK's 2-D 1024² rate as a yardstick.
// All in one process, interleaved, so that the ratios hold on a busy machine. Run:
//   node --import tsx packages/train/bench/batch-matmul.ts [--tiles 2x16:256:128,4x8:256:128]
//     [--only attention|model] [--rounds 5]
// Several tiles (ROWSxCOLUMNS:DEPTH_BLOCK:ROW_BLOCK) get a column each: that is how the default
// tile was chosen. "tfjs" is tfjs-wasm's own kernel (XNNPACK for 2-D untransposed products, else
// its scalar loop); "tfjs ᵀ copies" transposes flagged operands first, as the model used to.
//
// Every timed call gets a B operand it has not seen: XNNPACK caches its packed copy of B per tensor,
// and in training every B (a weight after its update, an activation) is new, so a repeated B would
// time a cache hit that training never gets.
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-wasm"
import { transposeLast } from "../src/kernels/matMulGradient.ts"
import { defaultMatMulTile, registerWasmBatchMatMul, unregisterWasmBatchMatMul } from "../src/kernels/wasmBatchMatMul.ts"
import { type MatMulTile, parseTileName, tileName } from "../src/kernels/wasmMatMulText.ts"

const args = process.argv.slice(2)
const option = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? args[at + 1] : undefined
}
const tiles: Array<MatMulTile> = (option("tiles") ?? tileName(defaultMatMulTile)).split(",").map(parseTileName)
const only = option("only")
const rounds = Number(option("rounds") ?? 5)

interface Product {
  readonly label: string
  readonly a: Array<number>
  readonly b: Array<number>
  readonly transposeA: boolean
  readonly transposeB: boolean
}

const product = (label: string, a: Array<number>, b: Array<number>, transposeA = false, transposeB = false): Product => ({
  label,
  a,
  b,
  transposeA,
  transposeB
})

// Attention of d_model 128 (bench/profile-step.ts: 64 sequences, 4 KV heads of 16, groups of 2,
// context 128) and of d_model 256 (bench/train.ts: 16 sequences, 4 KV heads of 32, groups of 2).
// Forward: scores = Q·Kᵀ [.., gT, hd]·[.., hd, T]; mixed = P·V [.., gT, T]·[.., T, hd].
// Backward, by transpose flags: dQ = dS·(Kᵀ)ᵀ, dKᵀ = Qᵀ·dS, dP = dY·Vᵀ, dV = Pᵀ·dY.
function attention(batch: number, headDim: number, context: number, group: number): Array<Product> {
  const rows = group * context
  const tag = `b${batch} hd${headDim}`
  return [
    product(`${tag} scores Q·Kᵀ`, [batch, rows, headDim], [batch, headDim, context]),
    product(`${tag} mixed P·V`, [batch, rows, context], [batch, context, headDim]),
    product(`${tag} dQ = dS·Kᵀᵀ`, [batch, rows, context], [batch, headDim, context], false, true),
    product(`${tag} dKᵀ = Qᵀ·dS`, [batch, rows, headDim], [batch, rows, context], true, false),
    product(`${tag} dP = dY·Vᵀ`, [batch, rows, headDim], [batch, context, headDim], false, true),
    product(`${tag} dV = Pᵀ·dY`, [batch, rows, context], [batch, rows, headDim], true, false)
  ]
}

// The 2-D products of d_model 256 on 2048 tokens (a projection, the ffn, their gradients, the rotary
// x·R on every head's rows), of d_model 128 on 8192 tokens, and a few other shapes.
const model: Array<Product> = [
  product("x·W", [2048, 256], [256, 256]),
  product("x·W ffn", [2048, 256], [256, 672]),
  product("dx = dY·Wᵀ", [2048, 672], [256, 672], false, true),
  product("dW = xᵀ·dY", [2048, 256], [2048, 672], true, false),
  product("rotary x·R", [16384, 32], [32, 32]),
  product("x·W ffn d128", [8192, 344], [344, 128]),
  product("dW = xᵀ·dY d128", [8192, 128], [8192, 344], true, false),
  product("few rows", [16, 1024], [1024, 256]),
  product("odd sizes", [1000, 100], [100, 30]),
  product("square", [1024, 1024], [1024, 1024])
]

const flops = (p: Product) => {
  const m = p.transposeA ? (p.a.at(-1) as number) : (p.a.at(-2) as number)
  const k = p.transposeA ? (p.a.at(-2) as number) : (p.a.at(-1) as number)
  const n = p.transposeB ? (p.b.at(-2) as number) : (p.b.at(-1) as number)
  const batch = Math.max(tf.util.sizeFromShape(p.a.slice(0, -2)), tf.util.sizeFromShape(p.b.slice(0, -2)))
  return 2 * batch * m * n * k
}

/** A way to compute a product: registers its kernel, then runs the product on operands a and b. */
interface Contender {
  readonly name: string
  readonly use: () => Promise<void>
  readonly run: (p: Product, a: tf.Tensor, b: tf.Tensor) => tf.Tensor
}

const byFlags = (p: Product, a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, p.transposeA, p.transposeB)
const contenders: Array<Contender> = [
  ...tiles.map((tile) => ({ name: `SIMD ${tileName(tile)}`, use: () => registerWasmBatchMatMul(tile), run: byFlags })),
  { name: "tfjs", use: async () => unregisterWasmBatchMatMul(), run: byFlags },
  {
    name: "tfjs ᵀ copies",
    use: async () => unregisterWasmBatchMatMul(),
    run: (p, a, b) => tf.tidy(() => tf.matMul(p.transposeA ? transposeLast(a) : a, p.transposeB ? transposeLast(b) : b))
  }
]

/**
 * GFLOP/s of each contender on `p`: the best of several rounds, each round timing every contender
 * in turn (so that a busy spell of the machine hits them alike), each call on a B it has not seen.
 */
async function rates(p: Product): Promise<Array<number>> {
  const a = tf.randomNormal(p.a)
  const b = tf.randomNormal(p.b)
  // About 50 ms of work per timing at 20 GFLOP/s, at least 2 calls.
  const calls = Math.max(2, Math.round(1e9 / flops(p)))
  const best = contenders.map(() => Infinity)
  for (let round = 0; round < rounds; round++) {
    for (const [i, contender] of contenders.entries()) {
      // A contender 20 times slower than the best is timed once: that is enough to tell.
      if (round > 0 && (best[i] as number) > 20 * Math.min(...best)) continue
      await contender.use()
      const fresh = Array.from({ length: calls }, () => tf.add(b, 0))
      const started = performance.now()
      for (const bCopy of fresh) contender.run(p, a, bCopy).dispose()
      best[i] = Math.min(best[i] as number, (performance.now() - started) / calls)
      tf.dispose(fresh)
    }
  }
  tf.dispose([a, b])
  return best.map((ms) => flops(p) / (ms / 1000) / 1e9)
}

const fixed = (x: number) => x.toFixed(1)
const operand = (shape: Array<number>, transposed: boolean) => `${shape.join("x")}${transposed ? "ᵀ" : ""}`

await tf.setBackend("wasm")
for (const tile of tiles) {
  const started = performance.now()
  await registerWasmBatchMatMul(tile)
  console.log(`tile ${tileName(tile)}: module assembled and compiled in ${(performance.now() - started).toFixed(0)} ms`)
}
const tfjsColumn = contenders.findIndex((c) => c.name === "tfjs")
const xnnpack = (await rates(product("1024²", [1024, 1024], [1024, 1024])))[tfjsColumn] as number
console.log(`XNNPACK 2-D 1024² (fresh B): ${fixed(xnnpack)} GFLOP/s\n`)

const groups: Array<[string, Array<Product>]> = [
  ["attention", [...attention(256, 16, 128, 2), ...attention(64, 32, 128, 2)]],
  ["model", model]
]
console.log(`GFLOP/s | A | B | ${contenders.map((c) => c.name).join(" | ")} | ${contenders[0]?.name}/tfjs | /XNNPACK 1024²`)
for (const [name, products] of groups) {
  if (only !== undefined && only !== name) continue
  for (const p of products) {
    const measured = await rates(p)
    const [simd] = measured as [number]
    // Against the faster of tfjs's two ways.
    const tfjs = Math.max(...measured.slice(tfjsColumn))
    console.log(
      `${p.label} | ${operand(p.a, p.transposeA)} | ${operand(p.b, p.transposeB)} | ${measured.map(fixed).join(" | ")} | ` +
        `${(simd / tfjs).toFixed(2)} | ${(simd / xnnpack).toFixed(2)}`
    )
  }
}
process.exit(0)
