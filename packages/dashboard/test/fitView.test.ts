import type { ResultRow } from "@scalelab/runner"
import { describe, expect, it } from "vitest"
import { chinchillaLossLaw } from "../../laws/src/index.ts"
import { fitView } from "../src/fitView.ts"
import { storedFit } from "./dashboardFixture.ts"

const result = (params: number, loss: number): ResultRow => ({
  run_id: `run-${params}`,
  experiment: "toy",
  budget: 1e13,
  params,
  params_total: params,
  tokens: 1e13 / (6 * params),
  flops: 1e13,
  loss,
  train_loss: loss,
  seed: 0,
  backend: "wasm",
  wall_s: 1,
  tokens_per_s: 1,
  cloze_accuracy: null,
  cloze_nll: null,
  memorization: null
})

describe("fitView", () => {
  it("draws the runs and says why, when no curve could be fitted", () => {
    const view = fitView("toy", { created_at: "t", json: { isoflop: { error: "one run per budget" } } }, [result(1e5, 3)])
    expect([view.laws, view.problem, view.forecasts, view.loss_problem]).toEqual([null, "one run per budget", [], null])
    expect(JSON.stringify(view.spec)).toContain("run-100000")
  })

  it("shows the power laws and forecasts of a fitted record, and draws its budgets' parabolas", () => {
    const view = fitView("toy", { created_at: "t", json: storedFit }, [result(1e5, 3)])
    expect(view.laws).toEqual({ params_opt: { k: 0.3, a: 0.5 }, tokens_opt: { k: 0.5, b: 0.5 } })
    expect(view.problem).toBeNull()
    // The record's loss is the IsoFLOP L*(C), a diagnostic: without a parametric law there is no loss forecast, and the view says why.
    expect(view.forecasts).toEqual([{ compute: 1e15, params: 2e6, tokens: 8e7, loss: null }])
    expect(view.loss_problem).toContain("add it to fit.methods")
    expect(JSON.stringify(view.spec)).toContain("parabola")
  })

  it("forecasts the loss with the stored parametric law, as the one loss forecaster does", () => {
    const parametric = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28, objective: 0, n_points: 9, starts: 1, converged_starts: 1, residuals: [], diagnostics: { r2_log: 1, rms_log_residual: 0 } }
    const view = fitView("toy", { created_at: "t", json: { ...storedFit, parametric } }, [result(1e5, 3)])
    const law = chinchillaLossLaw(parametric)
    expect(view.forecasts).toEqual([{ compute: 1e15, params: 2e6, tokens: 8e7, loss: law.optimumAt(1e15).loss }])
    expect(view.loss_problem).toBeNull()
  })

  it("draws the curves of a record that has no power laws, with the reason", () => {
    const budgets = "budgets" in storedFit.isoflop ? storedFit.isoflop.budgets : []
    const view = fitView("toy", { created_at: "t", json: { isoflop: { budgets, error: "one budget" } } }, [])
    expect([view.laws, view.problem]).toEqual([null, "one budget"])
    expect(JSON.stringify(view.spec)).toContain("parabola")
  })
})
