import { describe, expect, it } from "vitest"
import { type MixturePlotInput, mixtureDomainPlotSpec, mixtureMarkNames, mixtureTargetPlotSpec, renderSvg, type TopLevelSpec } from "../src/index.ts"

type Row = Record<string, unknown>
interface LayerView { readonly name?: string; readonly transform?: ReadonlyArray<Row>; readonly encoding?: Readonly<Record<string, Row>> }
interface FacetView { readonly data?: { readonly values?: ReadonlyArray<Row> }; readonly facet?: { readonly column?: Row }; readonly spec?: { readonly layer?: ReadonlyArray<LayerView> } }

const layersOf = (spec: TopLevelSpec): ReadonlyArray<LayerView> => (spec as FacetView).spec?.layer ?? []
const rowsOf = (spec: TopLevelSpec): ReadonlyArray<Row> => (spec as FacetView).data?.values ?? []

const input: MixturePlotInput = {
  domains: ["a", "b"],
  runs: [
    { id: "r1", budget: 1e10, weights: [1, 0], losses: [2, 5], target: 3.5 },
    { id: "r2", budget: 1e10, weights: [0.5, 0.5], losses: [2.4, 2.6], target: 2.5 }
  ],
  slices: [
    { budget: 1e10, domain: 0, weight: 0.5, loss: 2.4, target: 2.5 },
    { budget: 1e10, domain: 1, weight: 0.5, loss: 2.6, target: 2.5 }
  ],
  optima: [{ budget: 1e10, weights: [0.45, 0.55], weightIntervals: [[0.4, 0.5], [0.5, 0.6]], target: 2.49, targetInterval: [2.45, 2.53] }],
  validation: { id: "v", budget: 1e10, weights: [0.45, 0.55], losses: [2.45, 2.55], target: 2.5 }
}

describe("mixture plots", () => {
  it("shows each domain's own loss against its own weight, one panel per domain in the spec's order", () => {
    const spec = mixtureDomainPlotSpec(input)
    expect((spec as FacetView).facet?.column).toMatchObject({ field: "domain", sort: ["a", "b"] })
    const runRows = rowsOf(spec).filter((row) => row["kind"] === "run").map((row) => [row["id"], row["domain"], row["weight"], row["y"]])
    expect(runRows).toEqual([["r1", "a", 1, 2], ["r1", "b", 0, 5], ["r2", "a", 0.5, 2.4], ["r2", "b", 0.5, 2.6]])
    // The optimum is a point of the target, not of a domain's loss.
    expect(layersOf(spec).map((layer) => layer.name)).not.toContain(mixtureMarkNames.optimum)
  })

  it("marks the target's optimum with its intervals on weight and loss, and the validation run", () => {
    const spec = mixtureTargetPlotSpec(input)
    const names = layersOf(spec).map((layer) => layer.name)
    expect(names).toEqual(expect.arrayContaining(Object.values(mixtureMarkNames)))
    const optimumRows = rowsOf(spec).filter((row) => row["kind"] === "optimum")
    expect(optimumRows.map((row) => [row["domain"], row["weight"], row["low_weight"], row["high_weight"], row["y"], row["low_y"], row["high_y"]]))
      .toEqual([["a", 0.45, 0.4, 0.5, 2.49, 2.45, 2.53], ["b", 0.55, 0.5, 0.6, 2.49, 2.45, 2.53]])
    expect(rowsOf(spec).filter((row) => row["kind"] === "validation").map((row) => row["y"])).toEqual([2.5, 2.5])
  })

  it("draws a run far above the rest on the axis's top edge, keeping its value for the tooltip", () => {
    const outlier = { ...input, runs: [...input.runs, { id: "r3", budget: 1e10, weights: [0, 1], losses: [9, 2.2], target: 5.6 }] }
    const rows = rowsOf(mixtureDomainPlotSpec(outlier)).filter((row) => row["id"] === "r3")
    const top = rows.find((row) => row["domain"] === "a")!
    expect(top).toMatchObject({ y: 9, off_scale: true })
    expect(top["y_shown"]).toBeLessThan(3)
    expect(rows.find((row) => row["domain"] === "b")).toMatchObject({ y: 2.2, y_shown: 2.2, off_scale: false })
  })

  it("renders both to SVG with a panel title per domain", async () => {
    for (const spec of [mixtureDomainPlotSpec(input), mixtureTargetPlotSpec(input)]) {
      const svg = await renderSvg(spec)
      expect(svg).toContain(">a</text>")
      expect(svg).toContain(">b</text>")
    }
  }, 30_000)
})
