// The overlay's multiplier panel: /api/compare compares the store's experiments as `scalelab
// compare` does, recovers a known 2× multiplier, says why a comparison cannot be made instead of
// failing, and fits each state of the store once.
import { rmSync } from "node:fs"
import { Effect } from "effect"
import { compareMarkNames, compileToVega, experimentPalette, type TopLevelSpec } from "@scalelab/plots"
import type { ResultRow } from "@scalelab/runner"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ComparisonView, comparisonView, dashboardResamples, makeComparisonCache } from "../src/comparisonView.ts"
import {
  comparedExperiments,
  experiment,
  makeComparisonStore,
  makeOverlayStore,
  type RunningDashboard,
  secondExperiment,
  startDashboard
} from "./dashboardFixture.ts"

type Row = Record<string, unknown>
const rowsOf = (spec: TopLevelSpec, name: string): ReadonlyArray<Row> =>
  ((spec as { layer?: ReadonlyArray<{ name?: string; data?: { values?: ReadonlyArray<Row> } }> }).layer ?? [])
    .find((layer) => layer.name === name)?.data?.values ?? []

const colorScaleOf = (spec: TopLevelSpec, name: string) =>
  ((spec as { layer?: ReadonlyArray<{ name?: string; encoding?: { color?: { scale?: unknown } } }> }).layer ?? [])
    .find((layer) => layer.name === name)?.encoding?.color?.scale

/** Whether `value` lies inside the interval a headline gives, `M× [low×, high×]`. */
const inside = (value: number, headline: string | undefined) => {
  const [low, high] = (headline?.match(/\[(\S+)×, (\S+)×\]$/) ?? []).slice(1).map(Number)
  return low !== undefined && high !== undefined && low <= value && value <= high
}

interface CompareBody extends Partial<ComparisonView> {
  readonly error?: string
}

describe("the dashboard's comparison of the ticked experiments", () => {
  const { baseline, candidate } = comparedExperiments
  let storeDir = ""
  let overlayStoreDir = ""
  let dashboard: RunningDashboard
  let overlayDashboard: RunningDashboard
  const compare = async (on: RunningDashboard, query: string) => {
    const response = await fetch(`${on.url}/api/compare${query}`)
    return { status: response.status, body: (await response.json()) as CompareBody }
  }

  beforeAll(async () => {
    storeDir = await makeComparisonStore()
    overlayStoreDir = await makeOverlayStore()
    dashboard = await startDashboard(storeDir)
    overlayDashboard = await startDashboard(overlayStoreDir)
  }, 60_000)
  afterAll(async () => {
    await dashboard?.close()
    await overlayDashboard?.close()
    rmSync(storeDir, { recursive: true, force: true })
    rmSync(overlayStoreDir, { recursive: true, force: true })
  })

  it("recovers a known 2× multiplier inside its interval, with the multiplier plot and the headline in words", async () => {
    const { status, body } = await compare(dashboard, `?experiment=${baseline}&experiment=${candidate}`)
    expect(status).toBe(200)
    expect(body).toMatchObject({ experiments: [baseline, candidate], baseline, resamples: dashboardResamples })
    const [comparison] = body.comparisons ?? []
    expect(comparison).toMatchObject({ candidate, baseline, compute: 1e23 })
    // Two decades beyond the sweep the point estimate drifts; the truth stays inside its interval.
    expect(inside(2, comparison?.headline)).toBe(true)
    expect(comparison?.headline).toMatch(/^at 1e23 FLOPs \(the largest forecast\): \S+× \[/)
    expect(comparison?.trend).toMatch(/^trend: the multiplier holds with compute/)

    const spec = body.plots?.multiplier
    if (spec == null) throw new Error("no multiplier plot")
    expect(() => compileToVega(spec)).not.toThrow()
    const budgets = rowsOf(spec, compareMarkNames.budgets)
    expect(budgets.map((row) => row["experiment"])).toEqual(Array(7).fill(candidate))
    // At the budgets swept, within a factor √2 of the truth.
    for (const row of budgets.filter((r) => r["marker"] === "budget swept")) expect(Math.abs(Math.log2((row["value"] as number) / 2))).toBeLessThan(0.5)
    expect(rowsOf(spec, compareMarkNames.band).length).toBeGreaterThan(10)
  }, 60_000)

  it("measures against the baseline= named, each experiment keeping the colour of its place in the order given", async () => {
    const { body } = await compare(dashboard, `?experiment=${baseline}&experiment=${candidate}&baseline=${candidate}`)
    expect(body.baseline).toBe(candidate)
    expect(body.comparisons?.[0]).toMatchObject({ candidate: baseline, baseline: candidate })
    expect(inside(0.5, body.comparisons?.[0]?.headline)).toBe(true)
    // The first experiment given is drawn in the palette's first colour, as in the overlay's plots,
    // though it is the candidate now: picking another baseline recolours nothing.
    const spec = body.plots?.multiplier
    if (spec == null) throw new Error("no multiplier plot")
    expect(colorScaleOf(spec, compareMarkNames.fitted)).toEqual({ domain: [baseline], range: [experimentPalette[0]] })
  }, 60_000)

  it("answers a comparison that cannot be made with a note, not an error", async () => {
    const { status, body } = await compare(overlayDashboard, `?experiment=${experiment}&experiment=${secondExperiment}`)
    expect(status).toBe(200)
    expect(body.plots).toEqual({ multiplier: null })
    expect(body.comparisons).toEqual([])
    expect(body.note).toMatch(new RegExp(`^${experiment}: no IsoFLOP fit to compare by: `))
  }, 60_000)

  it.each([
    [`?experiment=${baseline}`, 400, "give two or more experiment= parameters"],
    [`?experiment=${baseline}&experiment=${candidate}&baseline=other`, 400, `baseline="other" is not one of the experiment= parameters`],
    [`?experiment=${baseline}&experiment=${candidate}&baseline=${baseline}&baseline=${candidate}`, 400, "give at most one baseline="],
    [`?experiment=${baseline}&experiment=nope`, 404, `no experiment "nope" in the store`]
  ])("answers %s with %i saying what is wrong", async (query, code, problem) => {
    const { status, body } = await compare(dashboard, query)
    expect(status).toBe(code)
    expect(body.error).toContain(problem)
  })
})

describe("the comparison cache", () => {
  const row = (run_id: string, loss: number): ResultRow => ({
    run_id, experiment: "a", budget: 1e17, params: 1e6, params_total: 1e6, tokens: 1e10, flops: 6e16, loss, train_loss: loss, seed: 0,
    backend: "wasm", wall_s: 1, tokens_per_s: 1, cloze_accuracy: null, cloze_nll: null, memorization: null
  })

  it("fits each selection and store state once, and again when a run is added or the baseline changes", async () => {
    const fitted: Array<string> = []
    const cached = makeComparisonCache((experiments, baseline) => {
      fitted.push(`${baseline}:${experiments.map((e) => e.results.length).join(",")}`)
      return comparisonView(experiments, baseline)
    })
    const experiments = [{ name: "a", results: [row("r1", 3)], fit: undefined }, { name: "b", results: [row("r2", 3)], fit: undefined }]
    const first = await Effect.runPromise(cached(experiments, "a"))
    // One run each: no comparison, a note.
    expect(first.note).toBeDefined()
    expect(await Effect.runPromise(cached(experiments, "a"))).toBe(first)
    await Effect.runPromise(cached([{ ...experiments[0]!, results: [row("r1", 3), row("r3", 2.9)] }, experiments[1]!], "a"))
    await Effect.runPromise(cached(experiments, "b"))
    expect(fitted).toEqual(["a:1,1", "a:2,1", "b:1,1"])
  })
})
