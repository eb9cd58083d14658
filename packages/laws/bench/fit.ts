// Times the Chinchilla approach-3 fit (full 4,500-start grid, small 32-start grid, 1,000 bootstrap
// refits) on Epoch AI's extraction of Chinchilla's Figure 4 (the `chinchilla-epoch` dataset, fetched
// on first use or copied from SCALELAB_DATA_MIRROR), against the scipy peer in ./peers on the same
// data in the same run.
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { availableParallelism } from "node:os"
import { fileURLToPath } from "node:url"
import { parseResultsTable } from "@scalelab/analysis"
import { datasetFile } from "@scalelab/datasets"
import type { ParametricPoint } from "../src/index.ts"
import { bootstrapParametric, fitParametric, fitParametricParallel, runStepwise } from "../src/index.ts"

const dataPath = await datasetFile("chinchilla-epoch").catch((error: unknown) => {
  console.error(`bench:fit: ${error instanceof Error ? error.message : String(error)}`)
  return process.exit(1)
})
const peerPath = fileURLToPath(new URL("./peers/scipy_chinchilla_fit.py", import.meta.url))
const repetitions = 3
const bootstrapResamples = 1000

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((p, q) => p - q)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

const timeSeconds = <T>(work: () => T): { readonly seconds: number; readonly result: T } => {
  const start = performance.now()
  const result = work()
  return { seconds: (performance.now() - start) / 1000, result }
}

const loadChinchilla = (): ParametricPoint[] => {
  const table = parseResultsTable(readFileSync(dataPath, "utf8"), {
    file: dataPath,
    format: "csv",
    rename: { params: "Model Size", flops: "Training FLOP" }
  })
  // Epoch's main fit drops the 5 highest-loss points (Besiroglu et al. 2024).
  return [...table.rows].sort((p, q) => p.loss - q.loss).slice(0, -5)
}

interface PeerRun {
  readonly objective: number
  readonly inits: number
  readonly seconds: number
}

const runScipyPeer = (): PeerRun | string => {
  try {
    const output = execFileSync("python3", [peerPath, dataPath, "--grid", "small"], { encoding: "utf8" })
    return JSON.parse(output) as PeerRun
  } catch (error) {
    return `scipy peer failed: ${error instanceof Error ? error.message : String(error)}`
  }
}

const points = loadChinchilla()
fitParametric(points, { grid: "small" }) // warm-up: let the JIT compile the objective
const full = Array.from({ length: repetitions }, () => timeSeconds(() => fitParametric(points)))
const parallel: Array<number> = []
for (let i = 0; i < repetitions; i++) {
  const start = performance.now()
  await fitParametricParallel(points)
  parallel.push((performance.now() - start) / 1000)
}
const small = Array.from({ length: repetitions }, () => timeSeconds(() => fitParametric(points, { grid: "small" })))
const fullFit = full[0]?.result ?? fitParametric(points)
const fullSeconds = median(full.map((run) => run.seconds))
const smallSeconds = median(small.map((run) => run.seconds))
const bootstrap = timeSeconds(() => runStepwise(bootstrapParametric(points, fullFit, { resamples: bootstrapResamples, seed: 1 })))
const peer = runScipyPeer()

const oursPerStartMs = (fullSeconds / fullFit.starts) * 1000
const rows: Array<[string, string]> = [
  ["points", String(fullFit.n_points)],
  [`ours, full grid (${fullFit.starts} starts), median of ${repetitions}`, `${fullSeconds.toFixed(3)} s`],
  ["ours, per start (full grid)", `${oursPerStartMs.toFixed(3)} ms`],
  [`ours, full grid on ${availableParallelism()} threads, median of ${repetitions}`, `${median(parallel).toFixed(3)} s`],
  [`ours, small grid (32 starts), median of ${repetitions}`, `${(smallSeconds * 1000).toFixed(1)} ms (${((smallSeconds / 32) * 1000).toFixed(3)} ms per start)`],
  [`ours, ${bootstrapResamples} bootstrap refits (warm start from the full fit)`, `${bootstrap.seconds.toFixed(3)} s (${bootstrap.result.failed} failed)`],
  ["ours, objective (full grid)", fullFit.objective.toPrecision(9)]
]
if (typeof peer === "string") {
  rows.push(["scipy", peer])
} else {
  const peerPerStartMs = (peer.seconds / peer.inits) * 1000
  rows.push(
    [`scipy L-BFGS-B, small grid (${peer.inits} starts)`, `${peer.seconds.toFixed(3)} s`],
    ["scipy, per start", `${peerPerStartMs.toFixed(3)} ms`],
    ["speed ratio per start (scipy / ours, full grid)", `${(peerPerStartMs / oursPerStartMs).toFixed(1)}x`],
    ["speed ratio per start (scipy / ours, same small grid)", `${(peer.seconds / smallSeconds).toFixed(1)}x`],
    ["scipy objective (small grid)", peer.objective.toPrecision(9)]
  )
}
const width = Math.max(...rows.map(([label]) => label.length))
for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`)
