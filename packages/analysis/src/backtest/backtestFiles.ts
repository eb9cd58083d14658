import { mkdirSync } from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import { type BacktestPlotInput, type BacktestPoint, backtestPlotSpec, renderPng, renderSvg } from "@scalelab/plots"
import { writeFileAtomically } from "@scalelab/spec/atomic-file"
import { ReportWriteError } from "../reportWriter.ts"
import type { BacktestResult } from "./backtestResult.ts"
import type { ComparedQuantity } from "./comparison.ts"

export interface BacktestFiles {
  readonly jsonPath: string
  /** SVG and PNG of each plot. */
  readonly plotPaths: ReadonlyArray<string>
}

interface PlotChoice {
  readonly name: string
  readonly quantity: ComparedQuantity
  readonly input: Omit<BacktestPlotInput, "points">
}

/** One plot per compared quantity that has points: the truth runs' loss and accuracy, and N* where the held-out sweeps measured it. */
const plotChoices: ReadonlyArray<PlotChoice> = [
  { name: "backtest-loss", quantity: "loss", input: { quantity: "loss at the forecast N*", unit: "nats/token" } },
  { name: "backtest-accuracy", quantity: "cloze_accuracy", input: { quantity: "cloze accuracy at the forecast N*" } },
  { name: "backtest-params", quantity: "params_opt", input: { quantity: "compute-optimal size N*", unit: "parameters", scale: "log" } }
]

const pointsOf = (result: BacktestResult, quantity: ComparedQuantity): ReadonlyArray<BacktestPoint> =>
  result.held_out.flatMap((heldOut) =>
    heldOut.comparisons.filter((c) => c.quantity === quantity).map((c) => ({
      budget: heldOut.budget,
      predicted: c.predicted,
      actual: c.actual,
      ...(c.interval === null ? {} : { interval: c.interval })
    }))
  )

/** Renders a plot to SVG and PNG with the plots package, each file written atomically. */
const writePlot = async (outDir: string, name: string, input: BacktestPlotInput): Promise<ReadonlyArray<string>> => {
  const svg = await renderSvg(backtestPlotSpec(input))
  const png = await renderPng(svg)
  const svgPath = path.join(outDir, `${name}.svg`)
  const pngPath = path.join(outDir, `${name}.png`)
  writeFileAtomically(svgPath, svg)
  writeFileAtomically(pngPath, png)
  return [svgPath, pngPath]
}

/** Writes backtest.json (the result with the files listed) and the backtest plots into `outDir`. */
export const writeBacktestFiles = (outDir: string, result: BacktestResult) =>
  Effect.tryPromise({
    try: async (): Promise<BacktestFiles> => {
      mkdirSync(outDir, { recursive: true })
      const plotPaths: Array<string> = []
      for (const choice of plotChoices) {
        const points = pointsOf(result, choice.quantity)
        if (points.length === 0) continue
        plotPaths.push(...await writePlot(outDir, choice.name, {
          // The plots package's own title ("Backtest: <quantity>"): a longer one would be wider than the square plot.
          ...choice.input,
          points,
          intervalLevel: result.targets.interval_level
        }))
      }
      const jsonPath = path.join(outDir, "backtest.json")
      writeFileAtomically(jsonPath, `${JSON.stringify({ ...result, files: { json: jsonPath, plots: plotPaths } }, null, 2)}\n`)
      return { jsonPath, plotPaths }
    },
    catch: (cause) =>
      new ReportWriteError({ message: `could not write the backtest to ${outDir} (${String(cause)}); check that the folder is writable` })
  })
