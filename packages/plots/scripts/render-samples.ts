// Renders the parametric, downstream and backtest plots from realistic inputs, for looking at
// the figures by eye:   tsx packages/plots/scripts/render-samples.ts [OUT_DIR]
// The parametric plots are of Epoch AI's extraction of the Chinchilla runs (the `chinchilla-epoch`
// dataset, fetched on first use or copied from SCALELAB_DATA_MIRROR), fitted with the 32-start grid;
// the others are synthetic, from known laws.
import { readFileSync } from "node:fs"
import { mkdtemp } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseResultsTable } from "@scalelab/analysis"
import { datasetFile } from "@scalelab/datasets"
import {
  bootstrapDownstream,
  fitDownstream,
  fitParametric,
  flopsPerParamToken,
  forecastAccuracy,
  mulberry32,
  parametricOptimalPowerLaws,
  runStepwise,
  standardNormal
} from "@scalelab/laws"
import type { BacktestPoint } from "../src/index.ts"
import { backtestPlotSpec, downstreamPlotSpec, parametricContourPlotSpec, parametricResidualPlotSpec, writePlotFiles } from "../src/index.ts"

const outDir = process.argv[2] ?? (await mkdtemp(join(tmpdir(), "scalelab-plots-")))
// Without the data (no network and no mirror) the other plots are still rendered.
const chinchillaPath = await datasetFile("chinchilla-epoch").catch((error: unknown) => {
  console.log(`skipped the parametric plots: ${error instanceof Error ? error.message : String(error)}`)
  return undefined
})

if (chinchillaPath !== undefined) {
  const table = parseResultsTable(readFileSync(chinchillaPath, "utf8"), {
    file: chinchillaPath,
    format: "csv",
    rename: { params: "Model Size", flops: "Training FLOP" }
  })
  // Epoch's main fit drops the 5 highest-loss points (Besiroglu et al. 2024).
  const runs = [...table.rows].sort((p, q) => p.loss - q.loss).slice(0, -5)
  const fit = fitParametric(runs, { grid: "small" })
  const input = {
    title: "Chinchilla runs (Epoch AI extraction)",
    law: fit,
    frontier: parametricOptimalPowerLaws(fit),
    flopsPerParamToken,
    runs: runs.map((run) => ({ id: `line ${run.line}`, params: run.params, tokens: run.tokens, loss: run.loss }))
  }
  for (const [name, spec] of [
    ["parametric-contours", parametricContourPlotSpec(input)],
    ["parametric-residuals", parametricResidualPlotSpec(input)],
    ["parametric-residuals-compute", parametricResidualPlotSpec(input, { against: "compute" })]
  ] as const) {
    console.log((await writePlotFiles(outDir, name, spec)).pngPath)
  }
}

// Downstream: a four-choice task whose NLL follows 0.6 + 40·C^−0.08 and accuracy a sigmoid of it.
// Seeded, so the figures are the same on every run.
const random = mulberry32(7)
const noise = (sigma: number) => sigma * standardNormal(random)
const trueNll = (compute: number) => 0.6 + 40 * compute ** -0.08
const trueAccuracy = (nll: number) => 0.25 + 0.65 / (1 + Math.exp(6 * (nll - 1.25)))
const sweep = Array.from({ length: 12 }, (_, index) => {
  const compute = 10 ** (19 + index * 0.25)
  const nll = trueNll(compute) + noise(0.01)
  return { id: `ladder-${index + 1}`, compute, nll, accuracy: trueAccuracy(nll) + noise(0.01) }
})
const targets = [1e23, 1e24]
// Two larger models of an older family, known only by NLL and accuracy, pin the sigmoid's upper part.
const olderModels = [1.05, 0.98].map((nll, index) => ({ id: `older-${index + 1}`, nll, accuracy: trueAccuracy(nll) + noise(0.01) }))
const downstreamFit = fitDownstream(sweep, olderModels)
const downstreamIntervals = runStepwise(bootstrapDownstream(sweep, { resamples: 200, seed: 1, compute: targets, extraAccuracyPoints: olderModels }))
const downstreamSpec = downstreamPlotSpec({
  task: "ARC-Easy (synthetic)",
  law: downstreamFit,
  runs: sweep,
  extraAccuracyPoints: olderModels,
  forecasts: targets.map((compute, index) => {
    const forecast = forecastAccuracy(downstreamFit, compute)
    const interval = downstreamIntervals.forecasts[index]
    return { ...forecast, ...(interval === undefined ? {} : { nllInterval: interval.nll, accuracyInterval: interval.accuracy }) }
  })
})
console.log((await writePlotFiles(outDir, "downstream", downstreamSpec)).pngPath)

// Backtest: loss predicted for five held-out budgets, and N* over the same budgets in log axes.
const heldOut = [1e19, 3e19, 1e20, 3e20, 1e21]
const lossBacktest: BacktestPoint[] = heldOut.map((budget, index) => {
  const actual = 1.8 + 50 * budget ** -0.08
  const predicted = actual + noise(0.015) + 0.004 * index
  const halfWidth = 0.01 + 0.006 * index
  return { budget, actual, predicted, interval: [predicted - halfWidth, predicted + halfWidth] }
})
const sizeBacktest: BacktestPoint[] = heldOut.map((budget) => {
  const actual = 0.1 * budget ** 0.5
  const predicted = actual * Math.exp(noise(0.15))
  return { budget, actual, predicted, interval: [predicted / 1.4, predicted * 1.4] }
})
for (const [name, spec] of [
  ["backtest-loss", backtestPlotSpec({ quantity: "final loss", unit: "nats/token", points: lossBacktest })],
  ["backtest-params", backtestPlotSpec({ quantity: "compute-optimal size N*", unit: "parameters", scale: "log", points: sizeBacktest })]
] as const) {
  console.log((await writePlotFiles(outDir, name, spec)).pngPath)
}
