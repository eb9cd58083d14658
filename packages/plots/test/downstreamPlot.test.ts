import type { AccuracySigmoid, OffsetPowerLaw } from "@scalelab/laws"
import { accuracyAtNll, evaluateOffsetPowerLaw } from "@scalelab/laws"
import { describe, expect, it } from "vitest"
import type { DownstreamPlotInput, TopLevelSpec } from "../src/index.ts"
import { compileToVega, downstreamMarkNames, downstreamPlotSpec, renderSvg } from "../src/index.ts"

const nllLaw: OffsetPowerLaw = { E: 0.6, A: 40, alpha: 0.08 }
const sigmoid: AccuracySigmoid = { chance: 0.25, span: 0.65, steepness: 6, midpoint: 1.25 }

const input: DownstreamPlotInput = {
  task: "arc_easy",
  law: { nll: nllLaw, accuracy: sigmoid },
  runs: Array.from({ length: 8 }, (_, index) => {
    const compute = 10 ** (19 + index * 0.4)
    const nll = evaluateOffsetPowerLaw(nllLaw, compute)
    return { id: `model-${index}`, compute, nll, accuracy: accuracyAtNll(sigmoid, nll) }
  }),
  extraAccuracyPoints: [{ id: "older-70B", nll: 1.05, accuracy: 0.8 }],
  forecasts: [
    { compute: 1e24, nll: 1.14, accuracy: 0.7, nllInterval: [1.1, 1.18], accuracyInterval: [0.62, 0.76] }
  ]
}

type Row = Record<string, number | string>
type Panel = { layer: Array<{ name?: string; data?: { values?: Array<Row> }; encoding?: Record<string, { title?: string; scale?: { type?: string } }> }> }

const panels = (spec: TopLevelSpec): Array<Panel> => ("hconcat" in spec ? (spec.hconcat as Array<Panel>) : [])
const layerNamed = (spec: TopLevelSpec, name: string) => panels(spec).flatMap((panel) => panel.layer).find((layer) => layer.name === name)
const rowsOf = (spec: TopLevelSpec, name: string): Array<Row> => layerNamed(spec, name)?.data?.values ?? []

describe("downstreamPlotSpec", () => {
  const spec = downstreamPlotSpec(input)

  it("compiles without warnings into two panels side by side: NLL against log compute, accuracy against NLL", () => {
    expect(() => compileToVega(spec)).not.toThrow()
    expect(panels(spec)).toHaveLength(2)
    const nllEncoding = layerNamed(spec, downstreamMarkNames.nllRuns)?.encoding
    expect(nllEncoding?.x?.scale?.type).toBe("log")
    expect(nllEncoding?.x?.title).toBe("Training compute C (FLOPs)")
    const accuracyEncoding = layerNamed(spec, downstreamMarkNames.accuracyRuns)?.encoding
    expect(accuracyEncoding?.x?.scale?.type).toBeUndefined()
    expect(accuracyEncoding?.y?.title).toBe("Accuracy")
  })

  it("draws stage 1's fitted curve on the law, solid over the sweep and dashed out to the forecast", () => {
    const solid = rowsOf(spec, downstreamMarkNames.nllCurve)
    const dashed = rowsOf(spec, downstreamMarkNames.nllExtrapolation)
    for (const row of [...solid, ...dashed]) {
      expect(Number(row.nll)).toBeCloseTo(evaluateOffsetPowerLaw(nllLaw, Number(row.compute)), 12)
    }
    const largestRun = Math.max(...input.runs.map((run) => run.compute))
    expect(Math.max(...solid.map((row) => Number(row.compute)))).toBeCloseTo(largestRun, -10)
    expect(Math.max(...dashed.map((row) => Number(row.compute))) / 1e24).toBeCloseTo(1, 9)
  })

  it("draws stage 2's sigmoid as accuracyAtNll over every NLL shown", () => {
    const rows = rowsOf(spec, downstreamMarkNames.sigmoid)
    for (const row of rows) expect(Number(row.accuracy)).toBeCloseTo(accuracyAtNll(sigmoid, Number(row.nll)), 12)
    const nlls = rows.map((row) => Number(row.nll))
    expect(Math.min(...nlls)).toBeLessThan(1.05)
    expect(Math.max(...nlls)).toBeGreaterThan(Math.max(...input.runs.map((run) => run.nll)))
  })

  it("shows the forecast with its intervals in both panels", () => {
    for (const name of [
      downstreamMarkNames.nllForecast,
      downstreamMarkNames.nllForecastInterval,
      downstreamMarkNames.accuracyForecast,
      downstreamMarkNames.accuracyForecastInterval,
      downstreamMarkNames.accuracyForecastNllInterval
    ]) {
      expect(rowsOf(spec, name), name).toHaveLength(1)
    }
    expect(rowsOf(spec, downstreamMarkNames.accuracyForecastInterval)[0]).toMatchObject({ accuracy_low: 0.62, accuracy_high: 0.76, nll_low: 1.1, nll_high: 1.18 })
    expect(rowsOf(spec, downstreamMarkNames.extraRuns)).toHaveLength(1)
  })

  it("renders with Vega, with titles, axis titles and legend", async () => {
    const svg = await renderSvg(spec)
    for (const text of [
      "Downstream forecast: arc_easy",
      "Training compute C (FLOPs)",
      "Correct-answer NLL (nats)",
      "Accuracy",
      "sweep model",
      "forecast (80% interval)",
      "model used in stage 2 only"
    ]) {
      expect(svg).toContain(`>${text}<`)
    }
  })

  it("renders without intervals or extra models", async () => {
    const plain = downstreamPlotSpec({ ...input, extraAccuracyPoints: [], forecasts: [{ compute: 1e24, nll: 1.14, accuracy: 0.7 }] })
    const svg = await renderSvg(plain)
    expect(svg).not.toContain("stage 2 only")
  })
})
