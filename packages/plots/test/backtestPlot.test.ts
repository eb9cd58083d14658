import { describe, expect, it } from "vitest"
import type { BacktestPlotInput, TopLevelSpec } from "../src/index.ts"
import { backtestMarkNames, backtestPlotSpec, compileToVega, renderSvg } from "../src/index.ts"

const lossBacktest: BacktestPlotInput = {
  quantity: "final loss",
  unit: "nats/token",
  points: [
    { budget: 1e20, predicted: 3.05, actual: 3.06, interval: [3.02, 3.08] },
    { budget: 1e19, predicted: 3.33, actual: 3.3, interval: [3.31, 3.35] },
    { budget: 1e21, predicted: 2.9, actual: 2.88 }
  ]
}

type Row = Record<string, number | string>
type Encoding = Record<string, { title?: string; scale?: { type?: string; domain?: Array<number> } }>

const layersOf = (spec: TopLevelSpec) => ("layer" in spec ? spec.layer : [])
const layerNamed = (spec: TopLevelSpec, name: string) => layersOf(spec).find((layer) => "name" in layer && layer.name === name)
const rowsOf = (spec: TopLevelSpec, name: string): Array<Row> => {
  const data = layerNamed(spec, name)?.data
  return (data != null && "values" in data ? data.values : []) as Array<Row>
}
const encodingOf = (spec: TopLevelSpec, name: string): Encoding => {
  const layer = layerNamed(spec, name)
  return layer !== undefined && "encoding" in layer ? (layer.encoding as Encoding) : {}
}

describe("backtestPlotSpec", () => {
  const spec = backtestPlotSpec(lossBacktest)

  it("compiles without warnings: y = x line, interval bars where given, one point per budget in budget order", () => {
    expect(() => compileToVega(spec)).not.toThrow()
    const identity = rowsOf(spec, backtestMarkNames.identity)
    expect(identity.every((row) => row.actual === row.predicted)).toBe(true)
    expect(rowsOf(spec, backtestMarkNames.intervals)).toHaveLength(2)
    expect(rowsOf(spec, backtestMarkNames.points).map((row) => row.budget_label)).toEqual(["1e19", "1e20", "1e21"])
  })

  it("puts actual on x and predicted on y over one shared domain holding every interval, titled with the unit", () => {
    const { x, y } = encodingOf(spec, backtestMarkNames.points)
    expect(x?.title).toBe("Actual final loss (nats/token)")
    expect(y?.title).toBe("Predicted final loss (nats/token)")
    expect(x?.scale?.type).toBeUndefined()
    expect(x?.scale?.domain).toEqual(y?.scale?.domain)
    const [low, high] = x?.scale?.domain ?? []
    expect(low).toBeLessThan(2.88)
    expect(high).toBeGreaterThan(3.35)
  })

  it("says whether each interval holds the actual value", () => {
    const coverage = Object.fromEntries(rowsOf(spec, backtestMarkNames.points).map((row) => [row.budget_label, row.coverage]))
    expect(coverage).toEqual({ "1e19": "80% interval misses actual", "1e20": "80% interval holds actual", "1e21": "no interval" })
  })

  it("uses log axes on request", () => {
    const sizes = backtestPlotSpec({
      quantity: "compute-optimal size N*",
      unit: "parameters",
      scale: "log",
      intervalLevel: 0.9,
      points: [
        { budget: 1e19, predicted: 3e8, actual: 2.5e8, interval: [2e8, 4e8] },
        { budget: 1e21, predicted: 3e9, actual: 3.3e9, interval: [2e9, 4e9] }
      ]
    })
    const { x, y } = encodingOf(sizes, backtestMarkNames.points)
    expect(x?.scale?.type).toBe("log")
    expect(y?.scale?.type).toBe("log")
    expect(rowsOf(sizes, backtestMarkNames.points).map((row) => row.coverage)).toEqual(["90% interval holds actual", "90% interval holds actual"])
  })

  it("renders with Vega, with the titles and each budget labelled", async () => {
    const svg = await renderSvg(spec)
    for (const text of ["Backtest: final loss", "Actual final loss (nats/token)", "Predicted final loss (nats/token)", "1e19", "1e20", "1e21", "no interval"]) {
      expect(svg).toContain(`>${text}<`)
    }
  })
})
