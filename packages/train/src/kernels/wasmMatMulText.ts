// Writes the WebAssembly text of a register-tiled f32 matrix product, C = A·B, one matrix of a batch
// per call. The generator unrolls a micro-kernel over an output tile of `rows` × `columns` floats held
// in f32x4 accumulators for a whole depth block: each step of K loads one vector of B per 4 columns
// and broadcasts one element of A per row, and spends the rest on multiply-adds.
//
// Layouts (byte strides, so that one kernel serves every transpose):
//   A(i, k) at a + i·rowStrideA + k·colStrideA. A transposed A is just other strides: A is read one
//     broadcast element at a time, so its layout costs little (packing it measured slower).
//   B is first copied by `packB` into panels of `columns` adjacent columns, zero-padded, each K rows
//     of `columns` contiguous floats. Whatever B's layout (transposed or not, any width), the kernel
//     then reads B sequentially and at strides known when generating, and no row stride of B can
//     alias in L1 (a row-major B 256 or 1024 floats wide would put every row of a panel in few sets).
//   C is row-major, N floats a row.
// The memory is imported: it is the tfjs wasm backend's heap, so tensors are read and written in place.

export interface MatMulTile {
  /** Rows of C per micro-kernel call (one broadcast element of A each per step of K). */
  readonly rows: number
  /** Columns of C per micro-kernel call; a multiple of 4 (one f32x4 accumulator per 4 columns a row). */
  readonly columns: number
  /** Steps of K per pass over C: a panel's block of B, depthBlock × columns floats, should fit in L1. */
  readonly depthBlock: number
  /** Rows of A per block: rowBlock × depthBlock floats of A should fit in L2. */
  readonly rowBlock: number
}

export interface MatMulCodeOptions {
  /**
   * Accumulate with f32x4.relaxed_madd (relaxed SIMD: a fused multiply-add where the CPU has one)
   * instead of f32x4.mul then f32x4.add. Only where the engine validates relaxed SIMD.
   */
  readonly fusedMultiplyAdd: boolean
}

/** "ROWSxCOLUMNS:DEPTH_BLOCK:ROW_BLOCK", e.g. 2x16:256:128. */
export const tileName = (tile: MatMulTile) => `${tile.rows}x${tile.columns}:${tile.depthBlock}:${tile.rowBlock}`

export function parseTileName(name: string): MatMulTile {
  const sizes = name.split(/[x:]/).map(Number)
  const [rows, columns, depthBlock, rowBlock] = sizes
  const complete = rows !== undefined && columns !== undefined && depthBlock !== undefined && rowBlock !== undefined
  if (!complete || sizes.length !== 4 || !sizes.every(Number.isInteger)) {
    throw new Error(`a matMul tile is written ROWSxCOLUMNS:DEPTH_BLOCK:ROW_BLOCK, e.g. 2x16:256:128, not ${name}`)
  }
  return { rows, columns, depthBlock, rowBlock }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i)
const get = (name: string) => `(local.get $${name})`
const set = (name: string, value: string) => `(local.set $${name} ${value})`
const add = (x: string, y: string) => `(i32.add ${x} ${y})`
const sub = (x: string, y: string) => `(i32.sub ${x} ${y})`
const mul = (x: string, y: string) => `(i32.mul ${x} ${y})`
const min = (x: string, y: string) => `(select ${x} ${y} (i32.lt_u ${x} ${y}))`
const i32 = (n: number) => `(i32.const ${n})`
const params = (names: ReadonlyArray<string>) => names.map((n) => `(param $${n} i32)`).join(" ")
const locals = (names: ReadonlyArray<string>, type: "i32" | "v128") => names.map((n) => `(local $${n} ${type})`).join(" ")
/** `do { body } while (condition)`, the shape of every loop here (each runs at least once). */
const doWhile = (label: string, body: ReadonlyArray<string>, condition: string) =>
  `(loop $${label}\n${body.join("\n")}\n(br_if $${label} ${condition}))`

const tileParams = ["a0", "rowStrideA", "colStrideA", "b", "c", "rowStrideC", "k", "accumulate"]

/**
 * The micro-kernel for `rows` rows and `vectors` f32x4 columns:
 * C[0..rows, 0..4·vectors) = A[0..rows, 0..k)·panel, or C += that when `accumulate` is set (every
 * depth block after the first), for k ≥ 1. Narrower variants serve the last rows of A and the last,
 * narrower panel of B. The loop is not unrolled: unrolling it measured slower (V8 then keeps more
 * vectors live than there are registers).
 */
function microKernel(tile: MatMulTile, rows: number, vectors: number, options: MatMulCodeOptions): string {
  const multiplyAdd = (acc: string, b: string) =>
    options.fusedMultiplyAdd
      ? set(acc, `(f32x4.relaxed_madd ${get("x")} ${get(b)} ${get(acc)})`)
      : set(acc, `(f32x4.add ${get(acc)} (f32x4.mul ${get("x")} ${get(b)}))`)
  const step = [
    ...range(vectors).map((v) => set(`b${v}`, `(v128.load offset=${16 * v} ${get("b")})`)),
    ...range(rows).flatMap((r) => [
      set("x", `(v128.load32_splat ${get(`a${r}`)})`),
      ...range(vectors).map((v) => multiplyAdd(`acc${r}_${v}`, `b${v}`)),
      set(`a${r}`, add(get(`a${r}`), get("colStrideA")))
    ]),
    set("b", add(get("b"), i32(tile.columns * 4)))
  ]
  const stores = (accumulate: boolean) =>
    range(rows).flatMap((r) => [
      ...range(vectors).map((v) => {
        const acc = get(`acc${r}_${v}`)
        const value = accumulate ? `(f32x4.add (v128.load offset=${16 * v} ${get("c")}) ${acc})` : acc
        return `(v128.store offset=${16 * v} ${get("c")} ${value})`
      }),
      set("c", add(get("c"), get("rowStrideC")))
    ])
  const accumulators = range(rows).flatMap((r) => range(vectors).map((v) => `acc${r}_${v}`))
  return `
  (func $${microKernelName(rows, vectors)} (type $tile) ${params(tileParams)}
    ${locals(range(rows).slice(1).map((r) => `a${r}`), "i32")}
    ${locals([...accumulators, ...range(vectors).map((v) => `b${v}`), "x"], "v128")}
    ${range(rows - 1).map((r) => set(`a${r + 1}`, add(get(`a${r}`), get("rowStrideA")))).join("\n")}
    ${doWhile("steps", step, `(local.tee $k ${sub(get("k"), i32(1))})`)}
    (if ${get("accumulate")}
      (then ${stores(true).join("\n")})
      (else ${stores(false).join("\n")})))`
}

const microKernelName = (rows: number, vectors: number) => `tile${rows}x${vectors}`

/** The micro-kernels in the order gemm indexes them: [rows − 1][vectors − 1]. */
function microKernelVariants(tile: MatMulTile): Array<{ rows: number; vectors: number }> {
  return range(tile.rows).flatMap((r) => range(tile.columns / 4).map((v) => ({ rows: r + 1, vectors: v + 1 })))
}

/**
 * gemm: C = A·B for one matrix (M, N, K ≥ 1; B packed by packB), blocked as in GotoBLAS so that each
 * level's operands stay in a cache: depth blocks of K (C accumulates over them), then blocks of rows
 * of A (a block of A, rows × depth, stays in L2), then panels of B (a panel's depth block stays in
 * L1), then tiles of rows. The last panel may be narrower: its tiles use as many vectors as it has
 * columns, and where its width is not a multiple of 4 they are written to `edge` (rows × columns
 * floats of scratch), whose valid columns are then stored (or added) to C.
 */
function gemm(tile: MatMulTile): string {
  const { rows: tileRows, columns, depthBlock, rowBlock } = tile
  const vectors = columns / 4
  const args = ["aTile", "rowStrideA", "colStrideA", "bPanel", "target", "targetStride", "depth", "targetAccumulates"]
  const gemmLocals = ["panelStrideB", "k0", "depth", "accumulate", "i0", "blockEnd", "j", "bPanel", "cols", "panelVectors"]
    .concat(["ragged", "i", "rows", "aTile", "cTile", "target", "targetStride", "targetAccumulates", "r", "col"])
  const edgeCell = add(get("edge"), mul(add(mul(get("r"), i32(columns)), get("col")), i32(4)))
  const cCell = add(get("cTile"), mul(add(mul(get("r"), get("n")), get("col")), i32(4)))
  const kernelIndex = add(mul(sub(get("rows"), i32(1)), i32(vectors)), sub(get("panelVectors"), i32(1)))
  const copyEdge = doWhile(
    "edgeRows",
    [
      set("col", i32(0)),
      doWhile(
        "edgeCols",
        [
          `(f32.store ${cCell} (f32.add (f32.load ${edgeCell})
            (if (result f32) ${get("accumulate")} (then (f32.load ${cCell})) (else (f32.const 0)))))`
        ],
        `(i32.lt_u (local.tee $col ${add(get("col"), i32(1))}) ${get("cols")})`
      )
    ],
    `(i32.lt_u (local.tee $r ${add(get("r"), i32(1))}) ${get("rows")})`
  )
  const tiles = doWhile(
    "tiles",
    [
      set("rows", min(i32(tileRows), sub(get("blockEnd"), get("i")))),
      set("aTile", add(get("a"), add(mul(get("i"), get("rowStrideA")), mul(get("k0"), get("colStrideA"))))),
      set("cTile", add(get("c"), mul(add(mul(get("i"), get("n")), get("j")), i32(4)))),
      `(if ${get("ragged")}
        (then ${set("target", get("edge"))} ${set("targetStride", i32(columns * 4))} ${set("targetAccumulates", i32(0))})
        (else ${set("target", get("cTile"))} ${set("targetStride", mul(get("n"), i32(4)))}
          ${set("targetAccumulates", get("accumulate"))}))`,
      `(call_indirect (type $tile) ${args.map(get).join(" ")} ${kernelIndex})`,
      `(if ${get("ragged")} (then ${set("r", i32(0))} ${copyEdge}))`
    ],
    `(i32.lt_u (local.tee $i ${add(get("i"), i32(tileRows))}) ${get("blockEnd")})`
  )
  const panels = doWhile(
    "panels",
    [
      set("cols", min(i32(columns), sub(get("n"), get("j")))),
      set("panelVectors", `(i32.shr_u ${add(get("cols"), i32(3))} ${i32(2)})`),
      set("ragged", `(i32.and ${get("cols")} ${i32(3)})`),
      set("i", get("i0")),
      tiles,
      set("bPanel", add(get("bPanel"), get("panelStrideB")))
    ],
    `(i32.lt_u (local.tee $j ${add(get("j"), i32(columns))}) ${get("n")})`
  )
  const rowBlocks = doWhile(
    "rowBlocks",
    [
      set("blockEnd", min(add(get("i0"), i32(rowBlock)), get("m"))),
      set("j", i32(0)),
      set("bPanel", add(get("b"), mul(get("k0"), i32(columns * 4)))),
      panels
    ],
    `(i32.lt_u (local.tee $i0 ${get("blockEnd")}) ${get("m")})`
  )
  const depthBlocks = doWhile(
    "depthBlocks",
    [
      set("depth", min(i32(depthBlock), sub(get("k"), get("k0")))),
      set("accumulate", `(i32.ne ${get("k0")} ${i32(0)})`),
      set("i0", i32(0)),
      rowBlocks
    ],
    `(i32.lt_u (local.tee $k0 ${add(get("k0"), i32(depthBlock))}) ${get("k")})`
  )
  return `
  (func (export "gemm") ${params(["a", "rowStrideA", "colStrideA", "b", "c", "m", "n", "k", "edge"])}
    ${locals(gemmLocals, "i32")}
    ${set("panelStrideB", mul(get("k"), i32(columns * 4)))}
    ${depthBlocks})`
}

/**
 * packB: copies B (element (k, j) at b + k·rowStride + j·colStride, K × N) into zero-padded panels
 * of `columns` columns, K·columns floats each, at `out`. Rows of a row-major B's full panels are
 * copied a vector at a time; anything else (a transposed B, the last panel) a float at a time.
 */
function packB(columns: number): string {
  const vectorRow = range(columns / 4).map(
    (v) => `(v128.store offset=${16 * v} ${get("out")} (v128.load offset=${16 * v} ${get("source")}))`
  )
  const scalarRow = doWhile(
    "cols",
    [
      set("j", add(get("j0"), get("jj"))),
      `(f32.store ${add(get("out"), mul(get("jj"), i32(4)))}
        (if (result f32) (i32.lt_u ${get("j")} ${get("n")})
          (then (f32.load ${add(get("source"), mul(get("jj"), get("colStride")))}))
          (else (f32.const 0))))`
    ],
    `(i32.lt_u (local.tee $jj ${add(get("jj"), i32(1))}) ${i32(columns)})`
  )
  const rowMajor = `(i32.eq ${get("colStride")} ${i32(4)})`
  const fullPanel = `(i32.le_u ${add(get("j0"), i32(columns))} ${get("n")})`
  const rows = doWhile(
    "rows",
    [
      set("source", add(get("b"), add(mul(get("kk"), get("rowStride")), mul(get("j0"), get("colStride"))))),
      `(if ${get("vectorCopy")} (then ${vectorRow.join(" ")}) (else ${set("jj", i32(0))} ${scalarRow}))`,
      set("out", add(get("out"), i32(columns * 4)))
    ],
    `(i32.lt_u (local.tee $kk ${add(get("kk"), i32(1))}) ${get("k")})`
  )
  const panels = doWhile(
    "panels",
    [
      set("vectorCopy", `(i32.and ${rowMajor} ${fullPanel})`),
      set("kk", i32(0)),
      rows
    ],
    `(i32.lt_u (local.tee $j0 ${add(get("j0"), i32(columns))}) ${get("n")})`
  )
  return `
  (func (export "packB") ${params(["b", "rowStride", "colStride", "out", "n", "k"])}
    ${locals(["j0", "vectorCopy", "kk", "source", "jj", "j"], "i32")}
    ${panels})`
}

/** The module's text: imports env.memory (the backend's heap); exports `gemm` and `packB`. */
export function matMulModuleText(tile: MatMulTile, options: MatMulCodeOptions): string {
  const { columns, rows, depthBlock, rowBlock } = tile
  if (columns % 4 !== 0 || columns < 4 || rows < 1 || depthBlock < 1 || rowBlock < 1) {
    throw new Error(`matMul tile ${tileName(tile)}: columns must be a positive multiple of 4, the other sizes positive`)
  }
  const variants = microKernelVariants(tile)
  // The import asks for at least one page, no maximum and no sharing: the backend's memory (256
  // pages at start, at most 65536, not shared, growing as tensors need) satisfies that at any size.
  return `(module
  (import "env" "memory" (memory 1))
  (type $tile (func ${params(tileParams)}))
  (table ${variants.length} funcref)
  (elem (i32.const 0) ${variants.map((v) => `$${microKernelName(v.rows, v.vectors)}`).join(" ")})
  ${variants.map((v) => microKernel(tile, v.rows, v.vectors, options)).join("\n")}
  ${gemm(tile)}
  ${packB(columns)})
`
}
