import { mkdirSync } from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import {
  type BacktestPlotInput,
  type BacktestPoint,
  backtestPlotSpec,
  type CalibrationSeries,
  calibrationPlotSpec,
  renderPng,
  renderSvg,
  type TopLevelSpec
} from "@scalelab/plots"
import { writeFileAtomically } from "@scalelab/spec/atomic-file"
import { ReportWriteError } from "../reportWriter.ts"
import { type ComparedQuantity, comparedQuantityLabels, type LevelCoverage } from "./comparison.ts"
import type { RollingBacktestResult } from "./rollingBacktest.ts"

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

/** A compact FLOP count for a point's label, e.g. 3e18. */
const flopsLabel = (value: number): string => value.toExponential(0).replace("+", "")

/**
 * The quantity's comparisons over every cutoff. With several cutoffs a budget is forecast more than
 * once, so each point is labelled with the cutoff it was fitted below.
 */
const pointsOf = (result: RollingBacktestResult, quantity: ComparedQuantity): ReadonlyArray<BacktestPoint> =>
  result.backtests.flatMap((backtest) =>
    backtest.held_out.flatMap((heldOut) =>
      heldOut.comparisons.filter((c) => c.quantity === quantity).map((c) => ({
        budget: heldOut.budget,
        predicted: c.predicted,
        actual: c.actual,
        ...(c.interval === null ? {} : { interval: c.interval }),
        ...(result.backtests.length > 1 ? { label: `${flopsLabel(heldOut.budget)} (fit <${flopsLabel(backtest.cutoff)})` } : {})
      }))
    )
  )

const calibrationSeries = (name: string, coverage: ReadonlyArray<LevelCoverage>): CalibrationSeries => ({
  name,
  points: coverage.map(({ level, compared, inside }) => ({ level, compared, inside }))
})

/** The calibration plot of the backtest: all quantities together, and one curve per quantity with intervals. */
const calibrationSpec = (result: RollingBacktestResult): TopLevelSpec | undefined => {
  if (result.coverage_by_level.every((level) => level.compared === 0)) return undefined
  const quantities = [...new Set(result.coverage_by_quantity.map((row) => row.quantity))]
  const cutoffs = result.cutoffs.length
  return calibrationPlotSpec({
    subject: `${cutoffs} cutoff${cutoffs === 1 ? "" : "s"} of ${result.experiment}: every held-out budget and quantity`,
    overall: calibrationSeries("all quantities", result.coverage_by_level),
    series: quantities.map((quantity) => calibrationSeries(comparedQuantityLabels[quantity], result.coverage_by_quantity.filter((row) => row.quantity === quantity)))
  })
}

/** Renders a plot to SVG and PNG with the plots package, each file written atomically. */
const writePlot = async (outDir: string, name: string, spec: TopLevelSpec): Promise<ReadonlyArray<string>> => {
  const svg = await renderSvg(spec)
  const png = await renderPng(svg)
  const svgPath = path.join(outDir, `${name}.svg`)
  const pngPath = path.join(outDir, `${name}.png`)
  writeFileAtomically(svgPath, svg)
  writeFileAtomically(pngPath, png)
  return [svgPath, pngPath]
}

/** Writes backtest.json (the result with the files listed), the backtest plots and the calibration plot into `outDir`. */
export const writeBacktestFiles = (outDir: string, result: RollingBacktestResult) =>
  Effect.tryPromise({
    try: async (): Promise<BacktestFiles> => {
      mkdirSync(outDir, { recursive: true })
      const plotPaths: Array<string> = []
      for (const choice of plotChoices) {
        const points = pointsOf(result, choice.quantity)
        if (points.length === 0) continue
        plotPaths.push(...await writePlot(outDir, choice.name, backtestPlotSpec({
          // The plots package's own title ("Backtest: <quantity>"): a longer one would be wider than the square plot.
          ...choice.input,
          points,
          intervalLevel: result.interval_level
        })))
      }
      const calibration = calibrationSpec(result)
      if (calibration !== undefined) plotPaths.push(...await writePlot(outDir, "backtest-calibration", calibration))
      const jsonPath = path.join(outDir, "backtest.json")
      writeFileAtomically(jsonPath, `${JSON.stringify({ ...result, files: { json: jsonPath, plots: plotPaths } }, null, 2)}\n`)
      return { jsonPath, plotPaths }
    },
    catch: (cause) =>
      new ReportWriteError({ message: `could not write the backtest to ${outDir} (${String(cause)}); check that the folder is writable` })
  })
