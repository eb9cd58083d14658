import { describe, expect, it } from "vitest"
import { axisTitles, type MemorizationRunPoint, memorizationMarkNames, memorizationPlotSpec, renderSvg, type TopLevelSpec } from "../src/index.ts"

type Row = Record<string, unknown>
interface Encoding { readonly field?: string; readonly type?: string; readonly title?: string; readonly scale?: Row; readonly axis?: Row }
interface LayerView { readonly name?: string; readonly encoding?: Readonly<Record<string, Encoding | ReadonlyArray<Encoding>>> }
interface PanelView { readonly data?: { readonly values?: ReadonlyArray<Row> }; readonly layer?: ReadonlyArray<LayerView> }

const panelsOf = (spec: TopLevelSpec): ReadonlyArray<PanelView> => (spec as { hconcat?: ReadonlyArray<PanelView> }).hconcat ?? []
const layerNamed = (spec: TopLevelSpec, name: string): LayerView => {
  const layer = panelsOf(spec).flatMap((panel) => panel.layer ?? []).find((candidate) => candidate.name === name)
  if (layer === undefined) throw new Error(`no layer ${name}`)
  return layer
}
const encodingOf = (layer: LayerView, channel: string): Encoding => {
  const encoding = layer.encoding?.[channel]
  if (encoding === undefined || Array.isArray(encoding)) throw new Error(`no ${channel} encoding`)
  return encoding as Encoding
}

const runs: ReadonlyArray<MemorizationRunPoint> = [
  { id: "a", params: 2e4, tokens: 2.5e5, budget: 3e10, rate: 0.05 },
  { id: "b", params: 8e4, tokens: 6.25e4, budget: 3e10, rate: 0.5 },
  { id: "c", params: 5e3, tokens: 3.3e5, budget: 1e10, rate: 0 },
  { id: "d", params: 2e4, tokens: 8.3e4, budget: 1e10, rate: 0.25 }
]

describe("memorizationPlotSpec", () => {
  const spec = memorizationPlotSpec({ title: "Memorization — test", runs })

  it("draws the rate against N on the left and against D on the right, each on a log axis", () => {
    const byParams = layerNamed(spec, memorizationMarkNames.paramsRuns)
    const byTokens = layerNamed(spec, memorizationMarkNames.tokensRuns)
    expect(encodingOf(byParams, "x")).toMatchObject({ field: "params", title: axisTitles.params, scale: { type: "log", domain: [5e3, 8e4] } })
    expect(encodingOf(byTokens, "x")).toMatchObject({ field: "tokens", title: axisTitles.tokens, scale: { type: "log", domain: [6.25e4, 3.3e5] } })
    expect(panelsOf(spec).map((panel) => panel.data?.values?.map((row) => [row["id"], row["rate"]]))).toEqual([
      runs.map((run) => [run.id, run.rate]),
      runs.map((run) => [run.id, run.rate])
    ])
  })

  it("reads the rate as a percentage on a fixed 0–100% axis", () => {
    for (const name of Object.values(memorizationMarkNames)) {
      expect(encodingOf(layerNamed(spec, name), "y")).toMatchObject({ field: "rate", scale: { domain: [0, 1], nice: false }, axis: { format: ".0%" } })
    }
  })

  it("colours the runs by budget, in ascending order, and names run, N, D, budget and rate in the tooltip", () => {
    const points = layerNamed(spec, memorizationMarkNames.paramsRuns)
    expect(encodingOf(points, "color")).toMatchObject({ field: "budget_label", type: "ordinal", scale: { domain: ["1e10", "3e10"] } })
    const tooltip = points.encoding?.["tooltip"] as ReadonlyArray<Encoding & { readonly format?: string }>
    expect(tooltip.map((entry) => entry.field)).toEqual(["id", "params_label", "tokens_label", "budget_label", "rate"])
    expect(tooltip.find((entry) => entry.field === "rate")?.format).toBe(".1%")
  })

  it("renders a sweep that memorized nothing with the whole 0–100% axis, not one collapsed onto 0", async () => {
    const svg = await renderSvg(memorizationPlotSpec({ runs: runs.map((run) => ({ ...run, rate: 0 })) }))
    for (const label of ["0%", "25%", "50%", "75%", "100%"]) expect(svg).toContain(`>${label}</text>`)
  })
})
