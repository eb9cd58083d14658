import { describe, expect, it } from "vitest"
import type { CalibrationPlotInput, TopLevelSpec } from "../src/index.ts"
import { calibrationMarkNames, calibrationPlotSpec, compileToVega, renderSvg } from "../src/index.ts"

const input: CalibrationPlotInput = {
  subject: "3 cutoffs of ladder",
  overall: {
    name: "all quantities",
    points: [
      { level: 0.5, compared: 20, inside: 7 },
      { level: 0.8, compared: 20, inside: 13 },
      { level: 0.9, compared: 20, inside: 16 },
      { level: 0.95, compared: 20, inside: 18 }
    ]
  },
  series: [
    { name: "loss", points: [{ level: 0.5, compared: 10, inside: 5 }, { level: 0.8, compared: 10, inside: 8 }, { level: 0.9, compared: 0, inside: 0 }] }
  ]
}

type Row = Record<string, number | string>
const layersOf = (spec: TopLevelSpec) => ("layer" in spec ? spec.layer : [])
const rowsOf = (spec: TopLevelSpec, name: string): Array<Row> => {
  const data = layersOf(spec).find((layer) => "name" in layer && layer.name === name)?.data
  return (data != null && "values" in data ? data.values : []) as Array<Row>
}

describe("calibrationPlotSpec", () => {
  const spec = calibrationPlotSpec(input)

  it("compiles, with the diagonal from (0, 0) to (1, 1) and a point per level with a count", () => {
    expect(() => compileToVega(spec)).not.toThrow()
    expect(rowsOf(spec, calibrationMarkNames.diagonal)).toEqual([{ level: 0, empirical: 0 }, { level: 1, empirical: 1 }])
    const points = rowsOf(spec, calibrationMarkNames.points)
    // A level with nothing compared has no point: 0 of 0 is no coverage at all.
    // The overall curve last, so it is drawn on top where curves meet.
    expect(points.map((row) => [row.series, row.level, row.empirical])).toEqual([
      ["loss", 0.5, 0.5],
      ["loss", 0.8, 0.8],
      ["all quantities", 0.5, 0.35],
      ["all quantities", 0.8, 0.65],
      ["all quantities", 0.9, 0.8],
      ["all quantities", 0.95, 0.9]
    ])
    // Counts of the overall curve, alternately above and below so neighbouring levels do not overlap.
    expect(rowsOf(spec, `${calibrationMarkNames.counts}_above`).map((row) => row.count)).toEqual(["7/20", "16/20"])
    expect(rowsOf(spec, `${calibrationMarkNames.counts}_below`).map((row) => row.count)).toEqual(["13/20", "18/20"])
  })

  it("renders to SVG with its axis titles", async () => {
    const svg = await renderSvg(spec)
    expect(svg).toMatch(/^<svg/)
    expect(svg).toContain("Nominal coverage of the interval")
    expect(svg).toContain("13/20")
  })
})
