import { describe, expect, it } from "vitest"
import { axisTitles, compileToVega, isoflopMarkNames, isoflopPlotSpec, markerLabels, renderSvg } from "../src/index.ts"
import { countPaths, isoflopFixture, markGroup, pathAttribute } from "./isoflopFixture.ts"

const threeBudgets = isoflopFixture([
  { budget: 1e11, optimum: 2e5, base: 3.4 },
  { budget: 3.2e11, optimum: 4e5, base: 3.1 },
  { budget: 1e12, optimum: 8e5, base: 2.9, unbracketed: true }
])

describe("isoflopPlotSpec", () => {
  it("compiles with Vega-Lite without errors or warnings", () => {
    expect(() => compileToVega(isoflopPlotSpec(threeBudgets))).not.toThrow()
  })

  it("draws one run marker per input point, coloured by budget", async () => {
    const svg = await renderSvg(isoflopPlotSpec(threeBudgets))
    const runs = markGroup(svg, isoflopMarkNames.runs)
    expect(countPaths(runs)).toBe(threeBudgets.points.length)
    expect(new Set(pathAttribute(runs, "fill")).size).toBe(3)
  })

  it("marks a bracketed minimum filled and an unbracketed one hollow", async () => {
    const svg = await renderSvg(isoflopPlotSpec(threeBudgets))
    const filled = markGroup(svg, isoflopMarkNames.minima)
    const hollow = markGroup(svg, isoflopMarkNames.unbracketedMinima)
    expect(countPaths(filled)).toBe(2)
    expect(countPaths(hollow)).toBe(1)
    // Filled: the budget's colour inside. Hollow: white inside, the budget's colour as outline.
    expect(pathAttribute(filled, "fill").every((fill) => fill !== undefined && fill !== "white")).toBe(true)
    expect(pathAttribute(hollow, "fill")).toEqual(["white"])
    const runColours = new Set(pathAttribute(markGroup(svg, isoflopMarkNames.runs), "fill"))
    expect(runColours.has(pathAttribute(hollow, "stroke")[0])).toBe(true)
    expect(svg).toContain(markerLabels.unbracketedMinimum)
    // The unbracketed parabola continues dashed to its minimum beyond the runs.
    expect(countPaths(markGroup(svg, isoflopMarkNames.extrapolatedCurves))).toBe(1)
  })

  it("has no hollow marker, dashed curve or 'not bracketed' legend entry when every minimum is bracketed", async () => {
    const bracketed = isoflopFixture([
      { budget: 1e11, optimum: 2e5, base: 3.4 },
      { budget: 1e12, optimum: 8e5, base: 2.9 }
    ])
    const svg = await renderSvg(isoflopPlotSpec(bracketed))
    expect(countPaths(markGroup(svg, isoflopMarkNames.minima))).toBe(2)
    expect(markGroup(svg, isoflopMarkNames.unbracketedMinima)).toBeUndefined()
    expect(markGroup(svg, isoflopMarkNames.extrapolatedCurves)).toBeUndefined()
    expect(svg).not.toContain(markerLabels.unbracketedMinimum)
    expect(svg).toContain(markerLabels.minimum)
  })

  it("labels budgets in compact scientific notation, in increasing order, and sizes with SI prefixes", async () => {
    const svg = await renderSvg(isoflopPlotSpec(threeBudgets))
    const legendLabels = [...svg.matchAll(/<text[^>]*>(1e11|3\.2e11|1e12)<\/text>/g)].map((match) => match[1])
    expect(legendLabels).toEqual(["1e11", "3.2e11", "1e12"])
    expect(svg).not.toMatch(/>100000000000</)
    expect(svg).toContain(`>${axisTitles.budget}<`)
    expect(svg).toContain(`>${axisTitles.params}<`)
    expect(svg).toContain(">Final validation loss (nats/token)<")
    // Curves span about 46k to 1.3M: 1-2-5 ticks, SI-labelled.
    const xAxisLabels = [...(/<g class="mark-text role-axis-label"[^>]*>(.*?)<\/g>/s.exec(svg)?.[1] ?? "").matchAll(/>([^<]+)<\/text>/g)]
      .map((match) => match[1])
    expect(xAxisLabels).toEqual(["50k", "100k", "200k", "500k", "1M"])
  })

  it("puts run id, N, D and loss in each run's tooltip", () => {
    const spec = isoflopPlotSpec(threeBudgets)
    const serialized = JSON.stringify(spec)
    for (const title of ["Run", "N (parameters)", "D (tokens)", "Loss (nats/token)"]) {
      expect(serialized).toContain(`"title":"${title}"`)
    }
  })

  it("draws each parabola through its own runs", () => {
    const spec = isoflopPlotSpec(threeBudgets)
    const layers = "layer" in spec ? spec.layer : []
    const curve = layers.find((layer) => "name" in layer && layer.name === isoflopMarkNames.curves)
    const rows = (curve?.data != null && "values" in curve.data ? curve.data.values : []) as Array<{ params: number; loss: number; budget_label: string }>
    const budget = rows.filter((row) => row.budget_label === "1e11")
    const params = budget.map((row) => row.params)
    const first = threeBudgets.budgets[0]
    expect(first).toBeDefined()
    // The curve spans the runs and a little beyond, no further.
    expect(Math.min(...params)).toBeLessThan(first!.params_range[0])
    expect(Math.max(...params)).toBeGreaterThan(first!.params_range[1])
    expect(Math.max(...params) / first!.params_range[1]).toBeLessThan(1.5)
    // Its lowest sample sits at the known minimum.
    const lowest = budget.reduce((best, row) => (row.loss < best.loss ? row : best))
    expect(lowest.loss).toBeCloseTo(3.4, 3)
    expect(Math.log10(lowest.params)).toBeCloseTo(Math.log10(2e5), 1)
  })

  it("draws a budget's spline instead of its parabola when its minimum was read from one", () => {
    const [first, ...rest] = threeBudgets.budgets
    // A made-up curve, asymmetric about its minimum at 2e5: the plot must draw these samples, not the parabola.
    const curve = [1e5, 1.5e5, 2e5, 3e5, 4e5].map((params, i) => ({ params, loss: [3.6, 3.45, 3.4, 3.42, 3.5][i]! }))
    const spec = isoflopPlotSpec({ ...threeBudgets, budgets: [{ ...first!, curve }, ...rest] })
    const layers = "layer" in spec ? spec.layer : []
    const rowsOf = (name: string) => {
      const layer = layers.find((l) => "name" in l && l.name === name)
      return (layer?.data != null && "values" in layer.data ? layer.data.values : []) as Array<{ params: number; loss: number; budget_label: string }>
    }
    const drawn = rowsOf(isoflopMarkNames.curves).filter((row) => row.budget_label === "1e11")
    expect(drawn.map(({ params, loss }) => ({ params, loss }))).toEqual(curve)
  })
})
