// How the IsoFLOP fit reads each budget's minimum is a setting: the spec's `fit.isoflop_minimum`
// (what `report`, `run`, `fit` and `forecast --from` of the spec use) and `fit --isoflop-minimum`.
// The runs are a noise-free Chinchilla loss surface swept at sizes placed off each budget's optimum
// by a different factor, so the curves are asymmetric around their swept sizes in a different way
// per budget and each estimator gives its own exponent.
import { readFileSync } from "node:fs"
import { mkdtemp, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { defaultIsoflopMinimum, fitIsoflop, forecastIsoflop, type IsoflopPoint, isoflopMinimumEstimators } from "@scalelab/laws"
import { CliBatch } from "./support/cli.ts"

// Hoffmann et al. 2022's fitted constants.
const [E, A, B, alpha, beta] = [1.69, 406.4, 410.7, 0.34, 0.28]
const exponent = beta / (alpha + beta)
const G = ((alpha * A) / (beta * B)) ** (1 / (alpha + beta))
const offsets = [1, 2.5, 0.5, 1.8]

const points: IsoflopPoint[] = [1e18, 1e19, 1e20, 1e21].flatMap((budget, b) => {
  const optimum = G * (budget / 6) ** exponent
  return Array.from({ length: 7 }, (_, i) => {
    const params = optimum * 4 ** (i - 3) * (offsets[b] as number)
    const tokens = budget / (6 * params)
    return { params, tokens, budget, loss: E + A / params ** alpha + B / tokens ** beta }
  })
})
const csv = ["params,tokens,flops,loss,budget", ...points.map((p) => [p.params, p.tokens, p.budget, p.loss, p.budget].join(","))].join("\n")

const spec = (name: string, fit: string) => `name: ${name}\nsweep:\n  kind: table\n  file: sweep.csv\nfit: ${fit}\n`

const parabola = fitIsoflop(points, { minimum: "parabola" })
const akima = fitIsoflop(points, { minimum: "akima" })

let dir: string
let batch: CliBatch

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-isoflop-minimum-"))
  await writeFile(join(dir, "sweep.csv"), `${csv}\n`)
  const specs: Record<string, string> = {
    "parabola.yaml": spec("parabola", "{ methods: [isoflop], isoflop_minimum: parabola }"),
    "akima.yaml": spec("akima", "{ methods: [isoflop], isoflop_minimum: akima }"),
    "bad.yaml": spec("bad", "{ isoflop_minimum: spline }")
  }
  await Promise.all(Object.entries(specs).map(([name, text]) => writeFile(join(dir, name), text)))
  batch = await CliBatch.run({
    reportParabola: ["report", "parabola.yaml", "--bootstrap", "0", "--out", "parabola"],
    reportAkima: ["report", "akima.yaml", "--bootstrap", "0", "--out", "akima"],
    fitFlag: ["fit", "sweep.csv", "--method", "isoflop", "--isoflop-minimum", "parabola", "--json"],
    fitSpec: ["fit", "akima.yaml", "--method", "isoflop", "--json"],
    fitOverride: ["fit", "akima.yaml", "--method", "isoflop", "--isoflop-minimum", "parabola"],
    fitDefault: ["fit", "sweep.csv", "--method", "isoflop"],
    forecastSpec: ["forecast", "--from", "akima.yaml", "--method", "isoflop", "--compute", "1e22", "--json"],
    badFlag: ["fit", "sweep.csv", "--method", "isoflop", "--isoflop-minimum", "spline"],
    badSpec: ["validate", "bad.yaml"]
  }, dir)
}, 120_000)

const fitJson = (folder: string) => JSON.parse(readFileSync(join(dir, folder, "fit.json"), "utf8"))

describe("fit.isoflop_minimum and fit --isoflop-minimum", () => {
  it("reads the minima as the spec says in its report, and records how in fit.json", () => {
    expect(batch.outcome("reportParabola").code, batch.outcome("reportParabola").stderr).toBe(0)
    expect(batch.outcome("reportAkima").code, batch.outcome("reportAkima").stderr).toBe(0)
    const fromParabola = fitJson("parabola").isoflop
    const fromAkima = fitJson("akima").isoflop
    expect(fromParabola.minimum).toBe("parabola")
    expect(fromAkima.minimum).toBe("akima")
    expect(fromParabola.params_opt.a).toBeCloseTo(parabola.params_opt.a, 12)
    expect(fromAkima.params_opt.a).toBeCloseTo(akima.params_opt.a, 12)
    // The two estimators disagree on these curves by more than the digits compared.
    expect(Math.abs(parabola.params_opt.a - akima.params_opt.a)).toBeGreaterThan(0.005)
  })

  it("fits with the flag's estimator and records it in --json", () => {
    const isoflop = batch.json("fitFlag").isoflop
    expect(isoflop.minimum).toBe("parabola")
    expect(isoflop.params_opt.a).toBeCloseTo(parabola.params_opt.a, 12)
  })

  it("fits a spec with its fit.isoflop_minimum unless the flag says otherwise, and prints which", () => {
    const isoflop = batch.json("fitSpec").isoflop
    expect(isoflop.minimum).toBe("akima")
    expect(isoflop.params_opt.a).toBeCloseTo(akima.params_opt.a, 12)
    expect(batch.outcome("fitOverride").stdout).toContain("minimum of each budget: parabola\n")
    expect(batch.outcome("fitDefault").stdout).toContain(`minimum of each budget: ${defaultIsoflopMinimum}\n`)
  })

  it("forecasts from a spec with its fit.isoflop_minimum", () => {
    const forecast = batch.json("forecastSpec")
    expect(forecast.params).toBeCloseTo(forecastIsoflop(akima, 1e22).params, 0)
    expect(Math.abs(forecast.params / forecastIsoflop(parabola, 1e22).params - 1)).toBeGreaterThan(0.01)
  })

  it("refuses an unknown name, naming the flag or the field and the names allowed", () => {
    for (const name of ["badFlag", "badSpec"]) {
      const outcome = batch.outcome(name)
      expect(outcome.code, outcome.stderr).toBe(2)
      for (const allowed of isoflopMinimumEstimators) expect(outcome.stderr).toContain(allowed)
    }
    expect(batch.outcome("badFlag").stderr).toContain("--isoflop-minimum")
    // The spec's messages name a field by where it is written: line 5, column 25 is `spline`.
    expect(batch.outcome("badSpec").stderr).toMatch(/^bad\.yaml:5:25: expected one of .*, got `spline`$/m)
  })
})
