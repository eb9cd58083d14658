import type { ResultRow } from "@scalelab/runner"
import { Option } from "effect"
import { describe, expect, it } from "vitest"
import { fitView } from "../src/fitView.ts"

const result = (params: number, loss: number): ResultRow => ({
  run_id: `run-${params}`,
  experiment: "toy",
  budget: 1e13,
  params,
  tokens: 1e13 / (6 * params),
  flops: 1e13,
  loss,
  train_loss: loss,
  seed: 0,
  backend: "wasm",
  wall_s: 1,
  tokens_per_s: 1,
  cloze_accuracy: null,
  cloze_nll: null
})

describe("fitView", () => {
  it("draws the runs and says why, when no curve could be fitted", () => {
    const view = fitView("toy", { created_at: "t", json: { isoflop: { error: "one run per budget" } } }, [result(1e5, 3)])
    expect(Option.map(view, (fit) => [fit.laws, fit.problem, fit.forecasts])).toEqual(Option.some([null, "one run per budget", []]))
    expect(JSON.stringify(Option.getOrThrow(view).spec)).toContain("run-100000")
  })

  it("is none for a stored fit of another shape", () => {
    expect(Option.isNone(fitView("toy", { created_at: "t", json: { parametric: {} } }, []))).toBe(true)
  })
})
