// One loss forecaster everywhere: on a quickstart-sized table from a known law, the loss at the
// same compute is the same number in the end-of-sweep summary, the report's forecast.json,
// `scalelab forecast` (its library call) and the dashboard's /api/fit.
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Forecast, forecastFromFit, fitSummary, type ResultPoint, writeResultsReport } from "@scalelab/analysis"
import { RunStore } from "@scalelab/runner"
import { DEFAULT_LAW_FORM, defaultIsoflopMinimum, FIT_METHODS } from "@scalelab/spec"
import { computeOptimal, lawByName, mulberry32, parametricLoss, type ParametricLaw, standardNormal } from "../../laws/src/index.ts"
import { startDashboard, withStore } from "./dashboardFixture.ts"

const chinchilla = lawByName("chinchilla") as ParametricLaw
const compute = 1e22
const bootstrap = { resamples: 20, seed: 0 }

/** Seven sizes at each of three budgets around the true optimum, loss with 0.5% seeded noise. */
const points: ReadonlyArray<ResultPoint> = (() => {
  const random = mulberry32(3)
  return [1e18, 1e19, 1e20].flatMap((budget) => {
    const centre = computeOptimal(chinchilla, budget).params
    return Array.from({ length: 7 }, (_, i) => {
      const params = centre * 4 ** ((i - 3) / 3)
      const tokens = budget / (6 * params)
      const loss = parametricLoss(chinchilla, params, tokens) * (1 + 0.005 * standardNormal(random))
      return { id: `run-${budget}-${i}`, params, tokens, flops: budget, budget, loss }
    })
  })
})()

let dir = ""
let summaryLine = ""
let reportRow: { readonly loss: number; readonly loss_interval: readonly [number, number]; readonly isoflop_loss_diagnostic: number }
let forecast: Forecast
let dashboardLoss: unknown

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "scalelab-agreement-"))
  const written = await Effect.runPromise(writeResultsReport({
    input: "table",
    name: "agreement",
    results: { points, tasks: [], isoflopMinimum: defaultIsoflopMinimum, lawForm: DEFAULT_LAW_FORM },
    outDir: join(dir, "report"),
    forecastComputes: [compute],
    bootstrap,
    methods: FIT_METHODS,
    curves: []
  }))
  summaryLine = fitSummary(written.isoflop, written.intervals, written.lossForecasts).find((line) => line.includes("C = 1e22")) ?? ""
  reportRow = JSON.parse(readFileSync(join(dir, "report", "forecast.json"), "utf8")).forecasts[0]
  forecast = await Effect.runPromise(forecastFromFit({ points, isoflopMinimum: defaultIsoflopMinimum, lawForm: DEFAULT_LAW_FORM }, "isoflop", { quantity: "compute", value: compute }, bootstrap.resamples, bootstrap.seed))
  const storeDir = join(dir, "store")
  await withStore(storeDir, Effect.gen(function*() {
    const store = yield* RunStore
    yield* store.upsertExperiment("agreement", null)
    yield* store.recordFit("agreement", written.report.fitJson)
  }))
  const dashboard = await startDashboard(storeDir)
  try {
    const response = await fetch(`${dashboard.url}/api/fit?experiment=agreement`)
    dashboardLoss = (await response.json() as { fit: { forecasts: ReadonlyArray<{ loss: unknown }> } }).fit.forecasts[0]?.loss
  } finally {
    await dashboard.close()
  }
}, 120_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("the loss forecast at one compute", () => {
  it("is the same number in the report, `forecast` and the dashboard, and the summary prints it", () => {
    const loss = forecast.loss?.loss
    expect(loss).toBeDefined()
    expect(reportRow.loss).toBe(loss)
    expect(dashboardLoss).toBe(loss)
    expect(summaryLine).toContain(`loss ≈ ${loss?.toFixed(3)}`)
  })

  it("has the same interval from the same bootstrap in the report, `forecast` and the summary", () => {
    const interval = forecast.loss?.interval
    expect(interval).toBeDefined()
    expect(reportRow.loss_interval).toEqual(interval)
    expect(summaryLine).toContain(`[${interval?.[0].toFixed(3)}, ${interval?.[1].toFixed(3)}]`)
  })

  it("is the parametric law's, with the IsoFLOP L*(C) only as a labelled diagnostic, within 1% of the truth", () => {
    const truth = computeOptimal(chinchilla, compute).loss ?? Number.NaN
    expect(Math.abs((forecast.loss?.loss ?? 0) / truth - 1)).toBeLessThan(0.01)
    expect(reportRow.isoflop_loss_diagnostic).toBe(forecast.isoflopLossDiagnostic)
    expect(reportRow.isoflop_loss_diagnostic).not.toBe(reportRow.loss)
  })
})
