// `scalelab forecast`'s forms beyond the compute-optimal allocation, through the real command: the
// loss of a model of N params trained on D tokens, the inference-aware optimum, and the flag
// combinations that make no sense.
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { computeOptimal, lawByName, mulberry32, parametricLoss, type ParametricLaw, standardNormal } from "../packages/laws/src/index.ts"
import { CliBatch } from "./support/cli.ts"

const chinchilla = lawByName("chinchilla") as ParametricLaw

/** Nine sizes at each of four budgets around the true optimum, loss with 0.2% seeded noise. */
const rows = [1e17, 1e18, 1e19, 1e20].flatMap((budget) => {
  const random = mulberry32(budget % 97)
  const centre = computeOptimal(chinchilla, budget).params
  return Array.from({ length: 9 }, (_, i) => {
    const params = centre * 4 ** ((i - 4) / 4)
    const tokens = budget / (6 * params)
    return `${params},${tokens},${budget},${parametricLoss(chinchilla, params, tokens) * (1 + 0.002 * standardNormal(random))}`
  })
})

let dir: string
let batch: CliBatch

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-forecast-"))
  await writeFile(join(dir, "runs.csv"), `params,tokens,budget,loss\n${rows.join("\n")}\n`)
  batch = await CliBatch.run({
    lossAt: ["forecast", "--from", "runs.csv", "--params", "3e9", "--tokens", "6e10", "--bootstrap", "40", "--json"],
    lossAtText: ["forecast", "--from", "runs.csv", "--params", "3e9", "--tokens", "6e10", "--bootstrap", "40"],
    // 200 tokens per parameter, ten times Chinchilla's 20, at 1.2e21 FLOPs: a decade past the largest budget.
    overTrained: ["forecast", "--from", "runs.csv", "--params", "1e9", "--tokens", "2e11", "--bootstrap", "100", "--json"],
    lossAtLaw: ["forecast", "--law", "chinchilla", "--params", "7e10", "--tokens", "1.4e12", "--json"],
    inferenceLaw: ["forecast", "--law", "chinchilla", "--loss", "2.0", "--inference-tokens", "2e12", "--json"],
    inferenceFit: ["forecast", "--from", "runs.csv", "--loss", "2.2", "--inference-tokens", "1e12"],
    computeWithSize: ["forecast", "--law", "chinchilla", "--compute", "1e22", "--params", "1e9", "--tokens", "1e11"],
    lossWithoutDemand: ["forecast", "--law", "chinchilla", "--loss", "2.0"],
    lossWithCompute: ["forecast", "--law", "chinchilla", "--loss", "2.0", "--inference-tokens", "1e12", "--compute", "1e22"],
    lossBelowFloor: ["forecast", "--law", "chinchilla", "--loss", "1.5", "--inference-tokens", "1e12"],
    lossAtPowerLaw: ["forecast", "--law", "llama-3", "--params", "7e10", "--tokens", "1.4e12"],
    negativeDemand: ["forecast", "--law", "chinchilla", "--loss", "2.0", "--inference-tokens", "-1"],
    nothing: ["forecast", "--law", "chinchilla"]
  }, dir)
}, 300_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const outcome = (name: string) => batch.outcome(name)
const json = (name: string) => batch.json(name)

describe("scalelab forecast", () => {
  it("--params N --tokens D gives the loss of that model with its 80% interval and how many resamples it came from", () => {
    const forecast = json("lossAt")
    expect([forecast.params, forecast.tokens, forecast.compute]).toEqual([3e9, 6e10, 6 * 3e9 * 6e10])
    expect(Math.abs(forecast.loss / parametricLoss(chinchilla, 3e9, 6e10) - 1)).toBeLessThan(0.005)
    expect(forecast.interval.loss[0]).toBeLessThanOrEqual(forecast.loss)
    expect(forecast.interval.loss[1]).toBeGreaterThanOrEqual(forecast.loss)
    // Four budgets give the leave-one- and leave-two-largest-out backtests that calibrate extrapolation.
    expect(forecast.bootstrap.loss).toMatchObject({ resamples_requested: 40, resamples_used: 40, trustworthy: true, calibrated: true })
    expect(outcome("lossAtText").stdout).toContain("80% interval [")
    expect(outcome("lossAtText").stdout).toContain("interval from 40 of 40 bootstrap resamples")
  })

  it("recovers the known law's loss of an over-trained model a decade past the sweep inside its interval", () => {
    const forecast = json("overTrained")
    const truth = parametricLoss(chinchilla, 1e9, 2e11)
    expect(forecast.interval.loss[0]).toBeLessThanOrEqual(truth)
    expect(forecast.interval.loss[1]).toBeGreaterThanOrEqual(truth)
    expect(Math.abs(forecast.loss / truth - 1)).toBeLessThan(0.01)
  })

  it("--law NAME --params N --tokens D gives the published law's loss there, without an interval", () => {
    const forecast = json("lossAtLaw")
    expect(forecast.loss).toBeCloseTo(parametricLoss(chinchilla, 7e10, 1.4e12), 12)
    expect(forecast.interval).toBeUndefined()
  })

  it("--loss L --inference-tokens T gives the inference-aware optimum beside the Chinchilla-optimal model for the same loss", () => {
    const result = json("inferenceLaw")
    expect(result.loss).toBe(2)
    expect(parametricLoss(chinchilla, result.optimal.params, result.optimal.tokens)).toBeCloseTo(2, 9)
    expect(result.optimal.params).toBeLessThan(result.chinchilla_optimal.params)
    expect(result.optimal.tokens_per_param).toBeGreaterThan(result.chinchilla_optimal.tokens_per_param)
    expect(result.optimal.inference_flops).toBeCloseTo(2 * result.optimal.params * 2e12, -10)
    expect(result.saved_flops).toBeCloseTo(result.chinchilla_optimal.total_flops - result.optimal.total_flops, -10)
    expect(result.saved_fraction).toBeGreaterThan(0)
    const text = outcome("inferenceFit")
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain("inference-aware optimum (Sardana et al. 2024)")
    expect(text.stdout).toContain("Chinchilla-optimal")
  })

  it("flags that make no sense together exit 2 saying what to pass", () => {
    for (const name of ["computeWithSize", "lossWithoutDemand", "lossWithCompute", "lossBelowFloor", "lossAtPowerLaw", "nothing"]) {
      expect(outcome(name).code, name).toBe(2)
      expect(outcome(name).stdout, name).toBe("")
    }
    expect(outcome("computeWithSize").stderr).toContain("--params N --tokens D for the loss of that model")
    expect(outcome("lossWithoutDemand").stderr).toContain("needs both --loss L")
    expect(outcome("lossWithCompute").stderr).toContain("drop --compute")
    expect(outcome("lossBelowFloor").stderr).toContain("at or below the law's irreducible loss 1.69")
    expect(outcome("lossAtPowerLaw").stderr).toContain("no loss: use a parametric law")
    // A value out of range fails parsing, as every numeric flag does.
    expect(outcome("negativeDemand").code).toBe(2)
    expect(outcome("negativeDemand").stdout + outcome("negativeDemand").stderr).toContain("a number from 0 to 1e+40")
  })
})
