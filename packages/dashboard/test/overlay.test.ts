import { rmSync } from "node:fs"
import { Result } from "effect"
import { computeOptimalLossForecast, storedLossModel } from "@scalelab/analysis"
import { compareMarkNames, compileToVega, experimentPalette, type TopLevelSpec } from "@scalelab/plots"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  experiment,
  makeOverlayStore,
  type RunningDashboard,
  secondExperiment,
  secondFit,
  startDashboard
} from "./dashboardFixture.ts"

type Row = Record<string, unknown>
interface LayerView { readonly name?: string; readonly data?: { readonly values?: ReadonlyArray<Row> }; readonly encoding?: Record<string, Row> }

const layersOf = (spec: TopLevelSpec): Array<LayerView> => {
  const top = spec as { layer?: ReadonlyArray<LayerView>; hconcat?: ReadonlyArray<{ layer?: ReadonlyArray<LayerView> }> }
  return [...(top.layer ?? []), ...(top.hconcat ?? []).flatMap((panel) => panel.layer ?? [])]
}
const rowsOf = (spec: TopLevelSpec, name: string) => layersOf(spec).find((layer) => layer.name === name)?.data?.values ?? []

interface OverlayBody {
  readonly experiments?: ReadonlyArray<string>
  readonly plots?: Record<string, TopLevelSpec | null>
  readonly notes?: ReadonlyArray<string>
  readonly error?: string
}

describe("the dashboard's overlay of several experiments", () => {
  let storeDir = ""
  let dashboard: RunningDashboard
  const overlay = async (query: string) => {
    const response = await fetch(`${dashboard.url}/api/overlay${query}`)
    return { status: response.status, body: (await response.json()) as OverlayBody }
  }

  beforeAll(async () => {
    storeDir = await makeOverlayStore()
    dashboard = await startDashboard(storeDir)
  })
  afterAll(async () => {
    await dashboard.close()
    rmSync(storeDir, { recursive: true, force: true })
  })

  it("overlays both experiments' runs, minima and stored laws, coloured in the order asked", async () => {
    const { status, body } = await overlay(`?experiment=${experiment}&experiment=${secondExperiment}`)
    expect(status).toBe(200)
    expect(body.experiments).toEqual([experiment, secondExperiment])
    const isoflop = body.plots?.["isoflop"]
    const frontier = body.plots?.["frontier"]
    const loss = body.plots?.["loss"]
    if (isoflop == null || frontier == null || loss == null) throw new Error(`a plot is missing: ${JSON.stringify(Object.keys(body.plots ?? {}))}`)
    for (const spec of [isoflop, frontier, loss]) expect(() => compileToVega(spec)).not.toThrow()

    const runs = rowsOf(isoflop, compareMarkNames.runs)
    // The first experiment's two completed runs (the running one has no result yet) and the second's six.
    expect(runs.filter((row) => row["experiment"] === experiment)).toHaveLength(2)
    expect(runs.filter((row) => row["experiment"] === secondExperiment)).toHaveLength(6)
    const color = layersOf(isoflop).find((layer) => layer.name === compareMarkNames.runs)?.encoding?.["color"]
    expect(color?.["scale"]).toEqual({ domain: [experiment, secondExperiment], range: experimentPalette.slice(0, 2) })
    expect(rowsOf(isoflop, compareMarkNames.minima).map((row) => [row["experiment"], row["params"]])).toEqual([
      [experiment, 200_000],
      [secondExperiment, 100_000],
      [secondExperiment, 200_000]
    ])

    // N*(C) from each stored power law, over one compute span for both.
    const paramsLaw = secondFit.isoflop as { params_opt: { k: number; a: number } }
    const frontierRows = [...rowsOf(frontier, `${compareMarkNames.fitted}_params`), ...rowsOf(frontier, `${compareMarkNames.extrapolated}_params`)]
    for (const row of frontierRows.filter((r) => r["experiment"] === secondExperiment)) {
      expect(row["value"]).toBeCloseTo(paramsLaw.params_opt.k * (row["compute"] as number) ** paramsLaw.params_opt.a, 6)
    }
    expect(Math.max(...frontierRows.map((row) => row["compute"] as number))).toBeCloseTo(1e15, -5)

    // L*(C) only where there is a parametric law, read through the one loss forecaster.
    const lossRows = [...rowsOf(loss, compareMarkNames.fitted), ...rowsOf(loss, compareMarkNames.extrapolated)]
    expect(lossRows.every((row) => row["experiment"] === secondExperiment)).toBe(true)
    const model = storedLossModel(secondFit.parametric!)
    for (const row of lossRows) {
      const forecast = computeOptimalLossForecast(model, row["compute"] as number)
      expect(Result.isSuccess(forecast) && forecast.success.loss).toBeCloseTo(row["value"] as number, 10)
    }
    expect(rowsOf(loss, compareMarkNames.band)).toEqual([])
    expect(JSON.stringify(loss)).toContain("no bootstrap, so the laws have no bands")
    expect(body.notes).toEqual([`${experiment}: no parametric law, so no loss line`])
  })

  it("colours by the order of the request", async () => {
    const { body } = await overlay(`?experiment=${secondExperiment}&experiment=${experiment}`)
    const isoflop = body.plots?.["isoflop"]
    if (isoflop == null) throw new Error("no IsoFLOP plot")
    const color = layersOf(isoflop).find((layer) => layer.name === compareMarkNames.runs)?.encoding?.["color"]
    expect((color?.["scale"] as { domain: Array<string> }).domain).toEqual([secondExperiment, experiment])
  })

  it("answers an experiment the store lacks with 404, naming it", async () => {
    const { status, body } = await overlay(`?experiment=${experiment}&experiment=nope`)
    expect(status).toBe(404)
    expect(body.error).toBe(`no experiment "nope" in the store`)
  })

  it.each([
    ["", "give 1 to 8 experiment= parameters"],
    [`?experiment=${experiment}&experiment=${experiment}`, "is given twice"],
    ["?experiment=%00", "is not an experiment name"],
    [`?${Array.from({ length: 9 }, (_, index) => `experiment=e${index}`).join("&")}`, "give 1 to 8"]
  ])("answers ?%s with 400 saying what is wrong", async (query, problem) => {
    const { status, body } = await overlay(query)
    expect(status).toBe(400)
    expect(body.error).toContain(problem)
  })
})
