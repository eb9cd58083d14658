import { describe, expect, it } from "vitest"
import { annealingChangePlotSpec, annealingLossPlotSpec, annealingMarkNames, type AnnealingPlotInput, renderSvg, type TopLevelSpec } from "../src/index.ts"

type Row = Record<string, unknown>
interface LayerView { readonly name?: string; readonly transform?: ReadonlyArray<Row> }
interface FacetView {
  readonly data?: { readonly values?: ReadonlyArray<Row> }
  readonly facet?: { readonly column?: Row; readonly row?: Row }
  readonly spec?: { readonly layer?: ReadonlyArray<LayerView> }
}

const layerNames = (spec: TopLevelSpec) => ((spec as FacetView).spec?.layer ?? []).map((layer) => layer.name)
const rowsOf = (spec: TopLevelSpec): ReadonlyArray<Row> => (spec as FacetView).data?.values ?? []

const input: AnnealingPlotInput = {
  columns: ["base", "good", "target"],
  candidates: ["good"],
  changes: [
    { budget: 1e10, candidate: "good", column: "base", mean: 0.01, interval: [-0.01, 0.03], seeds: 3 },
    { budget: 1e10, candidate: "good", column: "good", mean: -0.05, interval: [-0.07, -0.03], seeds: 3 },
    { budget: 1e10, candidate: "good", column: "target", mean: -0.02, seeds: 1 }
  ],
  losses: [
    { budget: 1e10, role: "checkpoint", column: "base", loss: 2.5, seed: 0, id: "c0" },
    { budget: 1e10, role: "control", column: "base", loss: 2.45, seed: 0, id: "k0" },
    { budget: 1e10, role: "good", column: "base", loss: 2.46, seed: 0, id: "g0" }
  ]
}

describe("annealing plots", () => {
  it("plots each candidate's change per column with its interval (of no length without one), and the zero line", () => {
    const spec = annealingChangePlotSpec(input)
    expect((spec as FacetView).facet?.column).toMatchObject({ field: "column", sort: ["base", "good", "target"] })
    // One budget: no row facet.
    expect((spec as FacetView).facet?.row).toBeUndefined()
    expect(layerNames(spec)).toEqual([annealingMarkNames.zero, annealingMarkNames.interval, annealingMarkNames.change])
    expect(rowsOf(spec).map((row) => row["interval_text"])).toEqual(["[-0.0100, 0.0300]", "[-0.0700, -0.0300]", "none (one seed)"])
    expect(rowsOf(spec).map((row) => [row["column"], row["mean"], row["low"], row["high"]])).toEqual([
      ["base", 0.01, -0.01, 0.03],
      ["good", -0.05, -0.07, -0.03],
      ["target", -0.02, -0.02, -0.02]
    ])
  })

  it("facets by budget as rows when there are several", () => {
    const twoBudgets = { ...input, changes: [...input.changes, { ...input.changes[0]!, budget: 1e11 }] }
    expect((annealingChangePlotSpec(twoBudgets) as FacetView).facet?.row).toMatchObject({ field: "budget_label", sort: ["C = 1e10", "C = 1e11"] })
  })

  it("orders the runs checkpoint, control, then the candidates, and joins the runs of one seed", () => {
    const spec = annealingLossPlotSpec(input)
    expect(layerNames(spec)).toEqual([annealingMarkNames.seedLine, annealingMarkNames.lossMean, annealingMarkNames.loss])
    expect(rowsOf(spec).map((row) => [row["role"], row["role_order"]])).toEqual([["checkpoint", 0], ["control", 1], ["good", 2]])
  })

  it("renders both to SVG with a panel title per column that has marks", async () => {
    const changes = await renderSvg(annealingChangePlotSpec(input))
    for (const column of ["base", "good", "target"]) expect(changes).toContain(`>${column}</text>`)
    const losses = await renderSvg(annealingLossPlotSpec(input))
    expect(losses).toContain(">base</text>")
    expect(losses).toContain("annealing_seed_line")
  }, 30_000)
})
