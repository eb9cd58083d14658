// `scalelab report` through the real command, on results tables written here from a known law:
// the files a reader opens, the forecast they read, and the errors a user sees.
import { existsSync, readFileSync } from "node:fs"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { accuracyAtNll, computeOptimal, evaluateOffsetPowerLaw, fitIsoflop, forecastIsoflop, lawByName, mulberry32, parametricLoss, type ParametricLaw, standardNormal } from "../packages/laws/src/index.ts"
import { CliBatch } from "./support/cli.ts"

const chinchilla = lawByName("chinchilla") as ParametricLaw
const budgets = [1e18, 1e19, 1e20]

/** Seven sizes per budget around the true optimum, loss with 0.2% seeded noise. */
const runs = (() => {
  const random = mulberry32(11)
  return budgets.flatMap((budget) => {
    const centre = computeOptimal(chinchilla, budget).params
    return Array.from({ length: 7 }, (_, i) => {
      const params = centre * 4 ** ((i - 3) / 3)
      const tokens = budget / (6 * params)
      return { params, tokens, budget, loss: parametricLoss(chinchilla, params, tokens) * (1 + 0.002 * standardNormal(random)) }
    })
  })
})()

// A known two-stage downstream law (the laws package's fixture): twelve runs at 20 tokens per
// parameter over four decades of compute, since stage 1 needs distinct computes (an IsoFLOP
// sweep's runs share a few). NLL from the compute law, accuracy from the sigmoid, seeded noise.
const nllLaw = { E: 0.6, A: 2500, alpha: 0.18 }
const sigmoid = { chance: 0.25, span: 0.6, steepness: 6, midpoint: 1.3 }
const scoredRows = (() => {
  const random = mulberry32(5)
  return Array.from({ length: 12 }, (_, i) => {
    const compute = 10 ** (18 + (4 * i) / 11)
    const params = Math.sqrt(compute / 120)
    const tokens = 20 * params
    const nll = evaluateOffsetPowerLaw(nllLaw, compute) + 0.003 * standardNormal(random)
    const accuracy = accuracyAtNll(sigmoid, nll) + 0.005 * standardNormal(random)
    return `${params},${tokens},${parametricLoss(chinchilla, params, tokens)},${nll},${accuracy}`
  })
})()

let dir: string
let batch: CliBatch

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-report-"))
  const files: Record<string, string> = {
    "sweep.csv": `params,tokens,budget,loss\n${runs.map((r) => `${r.params},${r.tokens},${r.budget},${r.loss}`).join("\n")}\n`,
    "scored.csv": `params,tokens,loss,task.quiz.nll,task.quiz.acc\n${scoredRows.join("\n")}\n`,
    "no-loss.csv": "params,flops,val\n1e8,1e18,3\n",
    // The sweep as a mixture of experts would record it: params active, params_total three times that.
    "experts.csv": `params,params_total,tokens,budget,loss\n${runs.map((r) => `${r.params},${3 * r.params},${r.tokens},${r.budget},${r.loss}`).join("\n")}\n`
  }
  await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(dir, name), text)))
  batch = await CliBatch.run({
    table: ["report", "sweep.csv", "--out", "out", "--compute", "1e21", "--bootstrap", "50"],
    defaultOut: ["report", "sweep.csv", "--bootstrap", "0"],
    scored: ["report", "scored.csv", "--out", "scored", "--compute", "1e23", "--bootstrap", "20"],
    missing: ["report", "absent.csv"],
    noLoss: ["report", "no-loss.csv"],
    experts: ["report", "experts.csv", "--out", "experts", "--bootstrap", "0"],
    // A real mixture-of-experts sweep (the quickstart with 4 experts, top_k 1) whose losses barely
    // depend on N: its five-constant fit drives alpha to ~118 and A = exp(a) past the float range.
    overflow: ["report", join(process.cwd(), "test/fixtures/moe-quickstart-runs.csv"), "--out", "overflow", "--bootstrap", "0"]
  }, dir)
}, 120_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("scalelab report", () => {
  it("writes the report without the parametric fit when a constant leaves the float range, and says why", () => {
    const outcome = batch.outcome("overflow")
    expect(outcome.code, outcome.stderr).toBe(0)
    expect(outcome.stdout).toContain("the parametric fit left the float range (A = Infinity")
    expect(existsSync(join(dir, "overflow", "index.html"))).toBe(true)
    expect(JSON.parse(readFileSync(join(dir, "overflow", "fit.json"), "utf8")).parametric).toBeUndefined()
  })

  it("lists a mixture of experts' runs with their total parameters beside params (active); a dense report has no such table", () => {
    const outcome = batch.outcome("experts")
    expect(outcome.code, outcome.stderr).toBe(0)
    expect(outcome.stdout).toMatch(/sections: .*Runs/)
    const listed = JSON.parse(readFileSync(join(dir, "experts", "runs.json"), "utf8")) as Array<{ params: number; params_total: number }>
    expect(listed).toHaveLength(runs.length)
    for (const run of listed) expect(run.params_total / run.params).toBeCloseTo(3, 9)
    expect(readFileSync(join(dir, "experts", "index.html"), "utf8")).toContain("params_total")
    expect(batch.outcome("table").stdout).not.toMatch(/sections: .*Runs/)
    expect(existsSync(join(dir, "out", "runs.json"))).toBe(false)
  })

  it("writes index.html, an SVG and a PNG per plot, fit.json and forecast.json", () => {
    const outcome = batch.outcome("table")
    expect(outcome.code, outcome.stderr).toBe(0)
    expect(outcome.stdout).toContain("sections: IsoFLOP curves, Compute-optimal frontier, Forecast, Parametric loss surface")
    for (const stem of ["isoflop", "frontier", "parametric"]) {
      expect(readFileSync(join(dir, "out", `${stem}.svg`), "utf8")).toMatch(/^<svg/)
      expect(readFileSync(join(dir, "out", `${stem}.png`)).subarray(1, 4).toString()).toBe("PNG")
    }
    const html = readFileSync(join(dir, "out", "index.html"), "utf8")
    expect(html).toContain("<h2>Forecast</h2>")
    expect(html).toContain('src="vendor/vega.min.js"')
    expect(JSON.parse(readFileSync(join(dir, "out", "fit.json"), "utf8")).isoflop.used_budgets).toEqual(budgets)
  })

  it("forecasts with the IsoFLOP laws at --compute, with bootstrap intervals around the point forecast", () => {
    const forecast = JSON.parse(readFileSync(join(dir, "out", "forecast.json"), "utf8"))
    const expected = forecastIsoflop(fitIsoflop(runs), 1e21)
    expect(forecast.method).toBe("isoflop")
    expect(forecast.interval_level).toBe(0.8)
    const [row] = forecast.forecasts
    expect(row.compute).toBe(1e21)
    expect(row.params).toBeCloseTo(expected.params, -3)
    expect(row.params_interval[0]).toBeLessThan(row.params_interval[1])
  })

  it("draws a downstream section per task, and adds its accuracy to the forecast table", () => {
    const outcome = batch.outcome("scored")
    expect(outcome.code, outcome.stderr).toBe(0)
    expect(outcome.stdout).toContain("Downstream forecast: quiz")
    const html = readFileSync(join(dir, "scored", "index.html"), "utf8")
    expect(html).toContain("<h2>Downstream forecast: quiz</h2>")
    expect(readFileSync(join(dir, "scored", "downstream-forecast-quiz.png")).subarray(1, 4).toString()).toBe("PNG")
    const [row] = JSON.parse(readFileSync(join(dir, "scored", "forecast.json"), "utf8")).forecasts
    const [cell] = row.accuracy
    expect(cell.task).toBe("quiz")
    expect(cell.accuracy).toBeCloseTo(accuracyAtNll(sigmoid, evaluateOffsetPowerLaw(nllLaw, 1e23)), 1)
    expect(cell.interval[0]).toBeLessThanOrEqual(cell.accuracy)
    expect(cell.interval[1]).toBeGreaterThanOrEqual(cell.accuracy)
  })

  it("draws no downstream section for a table without task columns", () => {
    expect(batch.outcome("table").stdout).not.toContain("Downstream")
    expect(readFileSync(join(dir, "out", "index.html"), "utf8")).not.toContain("Downstream")
  })

  it("writes to ./report-<file name> by default, and without intervals under --bootstrap 0", () => {
    expect(batch.outcome("defaultOut").code).toBe(0)
    expect(existsSync(join(dir, "report-sweep", "index.html"))).toBe(true)
    const forecast = JSON.parse(readFileSync(join(dir, "report-sweep", "forecast.json"), "utf8"))
    expect(forecast.interval_level).toBeNull()
    // 10× and 100× the largest budget, as for a spec, when neither --compute nor a spec says where to forecast.
    expect(forecast.forecasts.map((row: { compute: number }) => row.compute)).toEqual([1e21, 1e22])
  })

  it("rejects a missing file or a table without loss with exit code 2, naming the file", () => {
    for (const [name, file] of [["missing", "absent.csv"], ["noLoss", "no-loss.csv"]] as const) {
      const outcome = batch.outcome(name)
      expect(outcome.code).toBe(2)
      expect(outcome.stderr).toContain(file)
    }
  })
})
