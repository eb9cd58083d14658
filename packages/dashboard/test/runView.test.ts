// The runs table's rows: a mixture of experts' N is its active parameters, and its total comes
// beside it so the table can show both.
import type { ResultRow, RunRow } from "@scalelab/runner"
import { describe, expect, it } from "vitest"
import { runViews } from "../src/runView.ts"

const run = (id: string, params: number, params_total: number): RunRow => ({
  id, experiment: "moe", budget: 1e10, params, params_total, tokens: 1e5, flops: 6e9, plan_reason: null, status: "completed",
  attempts: 1, executor: "local", backend: "wasm", error: null, started_at: null, finished_at: null
})

const result = (run_id: string, loss: number): ResultRow => ({
  run_id, experiment: "moe", budget: 1e10, params: 5_860, params_total: 14_500, tokens: 1e5, flops: 6e9, loss, train_loss: loss, seed: 0,
  backend: "wasm", wall_s: 1, tokens_per_s: 1, cloze_accuracy: null, cloze_nll: null, memorization: null
})

describe("runViews", () => {
  it("carries a mixture of experts' total parameters beside its active ones, and the loss of a completed run", () => {
    const views = runViews([run("a", 5_860, 14_500), run("b", 14_200, 14_200)], [result("a", 2.47)])
    expect(views.map((view) => [view.id, view.params, view.paramsTotal, view.loss])).toEqual([
      ["a", 5_860, 14_500, 2.47],
      ["b", 14_200, 14_200, null]
    ])
  })
})
