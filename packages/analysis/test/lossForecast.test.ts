import { Effect, Result } from "effect"
import { describe, expect, it } from "vitest"
import { bootstrapHealth, chinchillaLossLaw, type LossLaw, percentileInterval } from "@scalelab/laws"
import { computeOptimalLossForecast, ImpossibleLossForecast, lossForecastAt } from "../src/lossForecast.ts"
import { fixedLossModel, type LossForecastModel } from "../src/lossForecastModel.ts"
import { fitLossSource, lossForecastsAt, parametricNotAsked } from "../src/lossForecastSource.ts"
import { fitSummary } from "../src/sweepFit.ts"

const coefficients = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 }
const law = chinchillaLossLaw(coefficients)
const replicates = [1.6, 1.65, 1.7, 1.75, 1.8].map((E) => chinchillaLossLaw({ ...coefficients, E }))

const model = (overrides: Partial<LossForecastModel> = {}): LossForecastModel => ({
  law,
  replicates,
  health: bootstrapHealth(replicates.length, 0),
  calibrated: false,
  widen: (interval) => interval,
  calibration: undefined,
  uncalibratedReason: undefined,
  decadesBeyond: () => undefined,
  ...overrides
})

/** A broken law: its loss at every N and D is 0.1 below its own irreducible loss. */
const belowItsFloor = (floor: number): LossLaw => ({
  form: "broken",
  floor,
  lossAt: () => floor - 0.1,
  optimumAt: (compute) => ({ params: Math.sqrt(compute / 120), tokens: 20 * Math.sqrt(compute / 120), loss: floor - 0.1 })
})

const success = <A, E>(result: Result.Result<A, E>): A => {
  if (Result.isFailure(result)) throw new Error(`expected a forecast, got ${String(result.failure)}`)
  return result.success
}

describe("lossForecastAt", () => {
  it("is the law's loss at N and D, with the 80% percentile interval of the replicates' losses there", () => {
    const forecast = success(lossForecastAt(model(), 1e10, 2e11))
    expect(forecast.loss).toBe(law.lossAt(1e10, 2e11))
    expect(forecast.compute).toBe(6 * 1e10 * 2e11)
    expect(forecast.interval).toEqual(percentileInterval(replicates.map((r) => r.lossAt(1e10, 2e11)), 0.8))
    expect(forecast.health).toMatchObject({ used: 5, requested: 5, trustworthy: true })
  })

  it("widens the percentile interval by the model's calibration", () => {
    const widened = success(lossForecastAt(model({ calibrated: true, widen: ([low, high]) => [low - 1, high + 1] }), 1e10, 2e11))
    const plain = percentileInterval(replicates.map((r) => r.lossAt(1e10, 2e11)), 0.8)
    expect(widened.interval).toEqual([plain[0] - 1, plain[1] + 1])
    expect(widened.calibrated).toBe(true)
  })

  it("has no interval for a fixed law", () => {
    const forecast = success(lossForecastAt(fixedLossModel(law), 1e10, 2e11))
    expect([forecast.interval, forecast.health]).toEqual([undefined, undefined])
  })
})

describe("computeOptimalLossForecast", () => {
  it("is the law's compute-optimal loss, each replicate solved at the same compute", () => {
    const forecast = success(computeOptimalLossForecast(model(), 1e23))
    expect(forecast).toMatchObject(law.optimumAt(1e23))
    expect(forecast.interval).toEqual(percentileInterval(replicates.map((r) => r.optimumAt(1e23).loss), 0.8))
  })

  it("counts a replicate with no finite forecast as a failed resample, and flags the interval when too many fail", () => {
    const runaway: LossLaw = { ...law, optimumAt: () => ({ params: Infinity, tokens: 0, loss: Number.NaN }) }
    const forecast = success(computeOptimalLossForecast(model({ replicates: [...replicates, runaway] }), 1e23))
    expect(forecast.interval).toEqual(percentileInterval(replicates.map((r) => r.optimumAt(1e23).loss), 0.8))
    expect(forecast.health).toMatchObject({ used: 5, failed: 1, requested: 6, trustworthy: false })
    expect(forecast.health?.warning).toContain("5 of 6")
  })

  it("refuses a forecast below the law's irreducible loss: an error naming the floor, never a number", () => {
    const result = computeOptimalLossForecast(fixedLossModel(belowItsFloor(1.8)), 1e24)
    expect(Result.isFailure(result)).toBe(true)
    if (Result.isSuccess(result)) return
    expect(result.failure).toBeInstanceOf(ImpossibleLossForecast)
    expect(result.failure.message).toContain("forecasts loss 1.7000")
    expect(result.failure.message).toContain("below its own irreducible loss 1.8000")
    expect(result.failure.message).toContain("scalelab fit INPUT --method parametric")
  })

  it("refuses a bootstrap refit that forecasts below its own irreducible loss, naming it", () => {
    const result = lossForecastAt(model({ replicates: [...replicates, belowItsFloor(1.7)] }), 1e10, 2e11)
    expect(Result.isFailure(result) && result.failure.message).toContain("bootstrap refit 6 of the broken law")
  })
})

describe("where there is no parametric law", () => {
  const fewRuns = [1e8, 2e8, 4e8].map((params, i) => ({ id: `r${i}`, params, tokens: 2e9, flops: 6 * params * 2e9, budget: 1e18, loss: 3 }))

  it("says why and what to do, and the summary prints that instead of a loss", async () => {
    const tooFew = await Effect.runPromise(fitLossSource(fewRuns, { resamples: 0, seed: 0 }))
    expect(tooFew).toEqual({ _tag: "NoLaw", reason: expect.stringContaining("needs at least 5 runs") })
    const notAsked = await Effect.runPromise(fitLossSource(fewRuns, { resamples: 0, seed: 0 }, ["isoflop"]))
    expect(notAsked).toEqual({ _tag: "NoLaw", reason: parametricNotAsked })
    const summary = fitSummary({ _tag: "NotFitted", reason: "one budget" }, { _tag: "NoIntervals", reason: "none" }, lossForecastsAt(notAsked, [1e21]))
    expect(summary.join("\n")).toContain("no loss forecast: `parametric` is not in the spec's fit.methods")
    expect(summary.join("\n")).not.toMatch(/loss ≈ \d/)
  })
})
