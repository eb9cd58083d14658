import type { ParametricLaw } from "@scalelab/laws"
import { computeOptimal, flopsPerParamToken, parametricLoss, parametricOptimalPowerLaws, sixNDFlops } from "@scalelab/laws"
import { describe, expect, it } from "vitest"
import type { ParametricPlotInput, TopLevelSpec } from "../src/index.ts"
import {
  compileToVega,
  isoLossContour,
  parametricContourPlotSpec,
  parametricMarkNames,
  parametricResidualPlotSpec,
  renderSvg
} from "../src/index.ts"

const law: ParametricLaw = {
  kind: "parametric",
  name: "test",
  description: "Chinchilla's published constants",
  source: "Hoffmann et al. 2022",
  E: 1.69,
  A: 406.4,
  B: 410.7,
  alpha: 0.34,
  beta: 0.28
}

// Runs on a grid of sizes and token counts, losses slightly off the law so residuals are not all zero.
const input: ParametricPlotInput = {
  title: "Test fit",
  law,
  frontier: parametricOptimalPowerLaws(law),
  flopsPerParamToken,
  runs: [1e8, 3e8, 1e9, 3e9].flatMap((params, i) =>
    [2e9, 2e10, 2e11].map((tokens, j) => ({
      id: `run-${i}-${j}`,
      params,
      tokens,
      loss: parametricLoss(law, params, tokens) + 0.01 * (((i + j) % 3) - 1)
    })))
}

type Row = Record<string, number | string>

const layersOf = (spec: TopLevelSpec) => ("layer" in spec ? spec.layer : [])
const layerNamed = (spec: TopLevelSpec, name: string) => layersOf(spec).find((layer) => "name" in layer && layer.name === name)
const rowsOf = (spec: TopLevelSpec, name: string): Array<Row> => {
  const data = layerNamed(spec, name)?.data
  return (data != null && "values" in data ? data.values : []) as Array<Row>
}
const encodingOf = (spec: TopLevelSpec, name: string) => {
  const layer = layerNamed(spec, name)
  return layer !== undefined && "encoding" in layer ? (layer.encoding as Record<string, { title?: string; scale?: { type?: string } }>) : {}
}

describe("parametricContourPlotSpec", () => {
  const spec = parametricContourPlotSpec(input)

  it("compiles with Vega-Lite without errors or warnings, with contours, labels, iso-FLOP lines, frontier and runs", () => {
    expect(() => compileToVega(spec)).not.toThrow()
    for (const name of [
      parametricMarkNames.contours,
      parametricMarkNames.contourLabels,
      parametricMarkNames.isoflopLines,
      parametricMarkNames.frontier,
      parametricMarkNames.runs
    ]) {
      expect(rowsOf(spec, name).length, name).toBeGreaterThan(0)
    }
    expect(rowsOf(spec, parametricMarkNames.runs)).toHaveLength(input.runs.length)
  })

  it("puts log N on x and log D on y, titled with their units", () => {
    const { x, y } = encodingOf(spec, parametricMarkNames.runs)
    expect(x?.scale?.type).toBe("log")
    expect(y?.scale?.type).toBe("log")
    expect(x?.title).toBe("Parameters N")
    expect(y?.title).toBe("Tokens D")
  })

  it("draws each contour on the fitted law at its level", () => {
    const rows = rowsOf(spec, parametricMarkNames.contours)
    const levels = new Set(rows.map((row) => row.level))
    expect(levels.size).toBeGreaterThanOrEqual(5)
    for (const row of rows) {
      expect(Math.abs(parametricLoss(law, Number(row.params), Number(row.tokens)) - Number(row.level))).toBeLessThan(1e-9)
    }
    // Every contour is labelled with its loss.
    const labels = rowsOf(spec, parametricMarkNames.contourLabels)
    expect(new Set(labels.map((label) => Number(label.loss)))).toEqual(levels)
  })

  it("keeps a contour inside the box and running from its top or left edge to its bottom or right edge", () => {
    const paramsRange = [1e8, 1e10] as const
    const tokensRange = [1e9, 1e11] as const
    const contour = isoLossContour(law, 2.4, paramsRange, tokensRange)
    expect(contour.length).toBeGreaterThan(10)
    for (const point of contour) {
      expect(point.params).toBeGreaterThanOrEqual(paramsRange[0] * (1 - 1e-12))
      expect(point.params).toBeLessThanOrEqual(paramsRange[1] * (1 + 1e-12))
      expect(point.tokens).toBeGreaterThanOrEqual(tokensRange[0] * (1 - 1e-12))
      expect(point.tokens).toBeLessThanOrEqual(tokensRange[1] * (1 + 1e-12))
    }
    const first = contour[0]!
    const last = contour[contour.length - 1]!
    expect(Math.abs(first.params / paramsRange[0] - 1) < 1e-9 || Math.abs(first.tokens / tokensRange[1] - 1) < 1e-9).toBe(true)
    expect(Math.abs(last.params / paramsRange[1] - 1) < 1e-9 || Math.abs(last.tokens / tokensRange[0] - 1) < 1e-9).toBe(true)
    // A level below the lowest loss anywhere in the box has no contour there.
    expect(isoLossContour(law, parametricLoss(law, 1e10, 1e11) - 0.01, paramsRange, tokensRange)).toEqual([])
  })

  it("draws the frontier at the fit's compute-optimal allocation", () => {
    const rows = rowsOf(spec, parametricMarkNames.frontier)
    expect(rows.length).toBeGreaterThan(10)
    for (const row of rows) {
      const optimum = computeOptimal(law, Number(row.compute))
      expect(Number(row.params) / optimum.params - 1).toBeCloseTo(0, 9)
      expect(Number(row.tokens) / optimum.tokens - 1).toBeCloseTo(0, 9)
    }
  })

  it("draws iso-FLOP lines on C = 6ND", () => {
    for (const row of rowsOf(spec, parametricMarkNames.isoflopLines)) {
      expect((6 * Number(row.params) * Number(row.tokens)) / Number(row.compute) - 1).toBeCloseTo(0, 9)
    }
  })

  it("renders with Vega, showing titles, the frontier's label and the runs' tooltips", async () => {
    const svg = await renderSvg(spec)
    for (const text of ["Test fit", "Parameters N", "Tokens D", "Loss (nats/token)", "compute-optimal N*, D*"]) {
      expect(svg).toContain(`>${text}<`)
    }
    const serialized = JSON.stringify(spec)
    for (const title of ["Run", "N (parameters)", "D (tokens)", "Loss (nats/token)"]) expect(serialized).toContain(`"title":"${title}"`)
  })
})

describe("parametricResidualPlotSpec", () => {
  it("plots observed − fitted loss against log N around a zero line", async () => {
    const spec = parametricResidualPlotSpec(input)
    expect(() => compileToVega(spec)).not.toThrow()
    const rows = rowsOf(spec, parametricMarkNames.residuals)
    expect(rows).toHaveLength(input.runs.length)
    rows.forEach((row, index) => {
      const run = input.runs[index]!
      expect(Number(row.residual)).toBeCloseTo(run.loss - parametricLoss(law, run.params, run.tokens), 12)
    })
    expect(rowsOf(spec, parametricMarkNames.zeroLine)).toEqual([{ residual: 0 }])
    const { x, color } = encodingOf(spec, parametricMarkNames.residuals)
    expect(x?.scale?.type).toBe("log")
    expect(x?.title).toBe("Parameters N")
    expect(color?.title).toBe("Training compute C (FLOPs)")
    const svg = await renderSvg(spec)
    for (const text of ["Observed − fitted loss (nats/token)", "Parameters N", "Training compute C (FLOPs)"]) expect(svg).toContain(`>${text}<`)
  })

  it("plots against compute on request, and colours by budget where runs carry one", async () => {
    const withBudgets = { ...input, runs: input.runs.map((run) => ({ ...run, budget: sixNDFlops(run.params, run.tokens) })) }
    const spec = parametricResidualPlotSpec(withBudgets, { against: "compute" })
    const { x, color } = encodingOf(spec, parametricMarkNames.residuals)
    expect(x?.scale?.type).toBe("log")
    expect(x?.title).toBe("Training compute C (FLOPs)")
    expect(color?.title).toBe("Compute budget C (FLOPs)")
    await expect(renderSvg(spec)).resolves.toContain(">Compute budget C (FLOPs)<")
  })
})
