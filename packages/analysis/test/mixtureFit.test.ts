import { predictDomainLosses, simplexLattice } from "@scalelab/laws"
import type { MixingLawFit } from "@scalelab/laws"
import { decodeSpecText, type MixtureExperiment, type RunResult, type RunSpec, specOfKind } from "@scalelab/spec"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { fitMixtureBudgets, mixtureFitRecord, mixtureRunMark, mixtureValidation, roundedMixture, sliceWeights } from "../src/index.ts"

const experiment = ((): MixtureExperiment => {
  const decoded = decodeSpecText(
    "name: mix\nsweep:\n  kind: mixture\n  corpora: { a: moby-dick, b: sotu, c: { kind: markov } }\n  weights: { grid: 4 }\n  target: [0.5, 0.25, 0.25]\nfit: { bootstrap: 40 }\n",
    "mix.yaml"
  )
  if (Result.isFailure(decoded)) throw new Error(decoded.failure.message)
  const kind = specOfKind(decoded.success)
  if (kind._tag !== "Mixture") throw new Error(kind._tag)
  return kind.mixture
})()

const truth: MixingLawFit = {
  domains: [
    { c: 1.2, k: 2.0, t: [-2.5, -0.3, -0.6], rmse: 0 },
    { c: 1.8, k: 1.5, t: [-0.2, -1.8, -0.4], rmse: 0 },
    { c: 0.6, k: 1.0, t: [-0.5, -0.2, -3.0], rmse: 0 }
  ]
}
const target = [0.5, 0.25, 0.25]

const mixtureRecordOf = (validation: ReturnType<typeof mixtureValidation>) => mixtureFitRecord(experiment, [], validation).validation

const marks = simplexLattice(3, 4).map((weights, i) => {
  const losses = predictDomainLosses(truth, weights)
  return { id: `r${i}`, budget: 1e10, weights, losses, target: losses.reduce((sum, loss, j) => sum + target[j]! * loss, 0) }
})

describe("mixture fit", () => {
  it("reads a run's weights and its loss on every domain; the target weighs them by the spec's `target`", () => {
    const run = { id: "x", budget: 1e10, data: { corpus: { kind: "mixture", domains: [
      { name: "a", corpus: "moby-dick", weight: 0.5 }, { name: "b", corpus: "sotu", weight: 0.25 }, { name: "c", corpus: "sotu", weight: 0.25 }
    ] } } } as unknown as RunSpec
    const result = { status: "completed", val_loss_by_domain: { c: 3, a: 1, b: 2 } } as unknown as RunResult
    expect(mixtureRunMark(run, result, ["a", "b", "c"], target)).toEqual({ id: "x", budget: 1e10, weights: [0.5, 0.25, 0.25], losses: [1, 2, 3], target: 1.75 })
    expect(mixtureRunMark(run, { ...result, status: "diverged" }, ["a", "b", "c"], target)).toBeUndefined()
  })

  it("fits each budget, puts the validation run's measured loss against the prediction's interval, and records both", () => {
    const [fitted] = fitMixtureBudgets(experiment, marks)
    if (fitted?._tag !== "Fitted") throw new Error("not fitted")
    const weights = roundedMixture(fitted.result.optimum.weights)
    expect(weights.reduce((a, b) => a + b, 0)).toBe(1)
    const losses = predictDomainLosses(truth, weights)
    const measured = losses.reduce((sum, loss, j) => sum + target[j]! * loss, 0)
    const validation = mixtureValidation(fitted, target, weights, [{ id: "v", budget: 1e10, weights, losses, target: measured }])
    expect(validation?.predicted).toBeCloseTo(measured, 4)
    // Exact runs: both intervals collapse onto the truth (to the fit's precision).
    expect(validation?.intervals?.law[0]).toBeCloseTo(measured, 4)
    expect(validation?.intervals?.newRun[1]).toBeCloseTo(measured, 4)
    const record = mixtureFitRecord(experiment, [fitted], validation)
    expect(record.target).toEqual({ a: 0.5, b: 0.25, c: 0.25 })
    expect(record.validation).toMatchObject({ runs: ["v"], measured_target_loss: measured, law_interval: expect.any(Array), new_run_interval: expect.any(Array) })
    const far = mixtureRecordOf(mixtureValidation(fitted, target, weights, [{ id: "v", budget: 1e10, weights, losses, target: measured + 1 }]))
    expect(far).toMatchObject({ inside_law_interval: false, inside_new_run_interval: false })
  })

  it("reports a budget with too few mixtures as not fitted, with the reason", () => {
    const [budget] = fitMixtureBudgets(experiment, marks.slice(0, 3))
    expect(budget).toMatchObject({ _tag: "NotFitted", reason: expect.stringContaining("distinct mixtures") })
  })

  it("slices through a mixture keeping the other domains' shares of the rest, and rounds a mixture to sum to exactly 1", () => {
    expect(sliceWeights([0.2, 0.3, 0.5], 0, 0.6)).toEqual([0.6, expect.closeTo(0.15, 12), expect.closeTo(0.25, 12)])
    expect(sliceWeights([1, 0, 0], 0, 0.5)).toEqual([0.5, 0.25, 0.25])
    expect(roundedMixture([1 / 3, 1 / 3, 1 / 3])).toEqual([0.334, 0.333, 0.333])
  })
})
