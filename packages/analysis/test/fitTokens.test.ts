// `fit.tokens: effective`: the points the fits take carry each run's effective tokens D'
// (Muennighoff et al. 2023), computed from the run's tokens and its corpus's unique tokens.
import { describe, expect, it } from "vitest"
import type { Plan, PlannedRun } from "@scalelab/planner"
import { decodeExperimentText } from "@scalelab/spec"
import { Result } from "effect"
import { fitTokensNote, withFitTokens } from "../src/fitTokens.ts"
import { fitRecordOf } from "../src/reportWriter.ts"

const experiment = (tokens: "total" | "effective") => {
  const decoded = decodeExperimentText(`name: repeated\nfit: { tokens: ${tokens} }\n`, "repeated.yaml")
  if (Result.isFailure(decoded)) throw new Error(decoded.failure.message)
  return decoded.success
}

const unique = 1e6

/** A planned run as far as withFitTokens reads it: its id, tokens and epochs over `unique` tokens. */
const planned = (id: string, tokens: number): PlannedRun => ({
  run: { id, tokens } as PlannedRun["run"],
  params_total: 0,
  target_params: 0,
  centre_params: 0,
  centre_reason: "",
  centre: "",
  reason: "",
  epochs: tokens / unique
})

const plan: Plan = { experiment: "repeated", runs: [planned("once", 0.5e6), planned("fivefold", 5e6), planned("one-epoch", 1e6)], notes: [] }
const points = [
  { id: "once", tokens: 0.5e6, loss: 3 },
  { id: "fivefold", tokens: 5e6, loss: 2.5 },
  { id: "one-epoch", tokens: 1e6, loss: 2.8 },
  { id: "not-planned", tokens: 7e6, loss: 2.4 }
]

describe("withFitTokens", () => {
  it("takes D' for a repeated run: 5 epochs of 1e6 unique tokens are worth 4.5224e6 tokens", () => {
    const fitted = withFitTokens(experiment("effective"), plan, points)
    // R = 4 repetitions: D' = U·(1 + R*·(1 − e^(−4/15.39))) = 1e6 · 4.5224365731627.
    expect(fitted.find((p) => p.id === "fivefold")?.tokens).toBeCloseTo(4522436.5731627, 3)
  })

  it("keeps D for a run within one epoch (D' = D), and for a run the plan has no corpus facts for", () => {
    const fitted = withFitTokens(experiment("effective"), plan, points)
    expect(fitted.find((p) => p.id === "once")?.tokens).toBe(0.5e6)
    expect(fitted.find((p) => p.id === "one-epoch")?.tokens).toBe(1e6)
    expect(fitted.find((p) => p.id === "not-planned")?.tokens).toBe(7e6)
    expect(fitted.map((p) => p.loss)).toEqual(points.map((p) => p.loss))
  })

  it("leaves every run's tokens alone under `fit.tokens: total`", () => {
    expect(withFitTokens(experiment("total"), plan, points)).toEqual(points)
    expect(fitTokensNote(experiment("total"))).toBeUndefined()
  })

  it("says in fit.json that the fit is on effective tokens", () => {
    const tokensNote = fitTokensNote(experiment("effective"))
    expect(tokensNote).toMatch(/effective tokens D'/)
    const json = fitRecordOf({ isoflop: { _tag: "NotFitted", reason: "none" }, ...(tokensNote === undefined ? {} : { tokensNote }) })
    expect(json).toMatchObject({ tokens: tokensNote })
  })
})
