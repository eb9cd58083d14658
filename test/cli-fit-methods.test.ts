// `scalelab fit` methods beyond the IsoFLOP and parametric fits, through the real command: the
// envelope on training curves, a law from a YAML file, the downstream two-stage law, the
// diagnostics every result carries, and the errors of inputs that cannot support a method.
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { accuracyAtNll, computeOptimal, lawByName, mulberry32, parametricLoss, type ParametricLaw, standardNormal } from "../packages/laws/src/index.ts"
import { CliBatch } from "./support/cli.ts"

const chinchilla = lawByName("chinchilla") as ParametricLaw
// Along C = 6ND the optimum of this law follows N* ∝ C^(β/(α+β)).
const analyticA = chinchilla.beta / (chinchilla.alpha + chinchilla.beta)
const csv = (header: string, rows: ReadonlyArray<string>) => `${header}\n${rows.join("\n")}\n`
const logspace = (low: number, high: number, count: number) =>
  Array.from({ length: count }, (_, i) => low * (high / low) ** (i / (count - 1)))

/** An IsoFLOP sweep of the law, 0.2% seeded noise: the input of isoflop and parametric. */
const sweepRows = (() => {
  const random = mulberry32(11)
  return [1e17, 1e18, 1e19, 1e20].flatMap((budget) => {
    const centre = computeOptimal(chinchilla, budget).params
    return Array.from({ length: 9 }, (_, i) => {
      const params = centre * 4 ** ((i - 4) / 4)
      const loss = parametricLoss(chinchilla, params, budget / (6 * params)) * (1 + 0.002 * standardNormal(random))
      return `${params},${budget},${loss},${budget}`
    })
  })
})()

/** Training curves of 20 sizes, one JSONL line per evaluation: the loss the law gives after D tokens. */
const curveLines = logspace(1e7, 1e10, 20).flatMap((params, run) =>
  logspace(1e8, 1e12, 40).map((tokens, step) =>
    JSON.stringify({ run: `r${run}`, step, params, tokens, loss: parametricLoss(chinchilla, params, tokens) })
  )
)

/** A grid in (N, D) with the law's exact losses: what a declared law must recover. */
const gridRows = logspace(1e7, 1e10, 6).flatMap((params) =>
  logspace(1e9, 1e12, 6).map((tokens) => `${params},${tokens},${parametricLoss(chinchilla, params, tokens)}`)
)

// The downstream law the task columns follow: nll(C) = E + A·C^(−α), accuracy a sigmoid of nll.
const taskNll = { E: 0.8, A: 2e4, alpha: 0.2 }
const taskAccuracy = { chance: 0.25, span: 0.6, steepness: 6, midpoint: 1.3 }
const nllAt = (compute: number) => taskNll.E + taskNll.A * compute ** -taskNll.alpha
const taskRows = logspace(1e17, 1e23, 12).map((flops) => {
  const params = computeOptimal(chinchilla, flops).params
  const nll = nllAt(flops)
  return `${params},${flops},${parametricLoss(chinchilla, params, flops / (6 * params))},${nll},${accuracyAtNll(taskAccuracy, nll)}`
})

const lawYaml = `expression: E + A / params^alpha + B / tokens^beta
variables: [params, tokens]
parameters:
  E: { start: [1, 3], bounds: [0, 10] }
  A: { start: [100, 1000], bounds: [0, .inf] }
  B: { start: [100, 1000], bounds: [0, .inf] }
  alpha: { start: [0.2, 0.5], bounds: [0, 2] }
  beta: { start: [0.2, 0.5], bounds: [0, 2] }
`

let dir: string
let batch: CliBatch

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-fit-methods-"))
  const files: Record<string, string> = {
    "sweep.csv": csv("params,flops,loss,budget", sweepRows),
    "curves.jsonl": `${curveLines.join("\n")}\n`,
    "grid.csv": csv("params,tokens,loss", gridRows),
    "tasks.csv": csv("params,flops,loss,task.cloze.nll,task.cloze.acc", taskRows),
    "law.yaml": lawYaml,
    "bad-law.yaml": lawYaml.replace("alpha: { start: [0.2, 0.5]", "alpha: { start: low")
  }
  await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(dir, name), text)))
  const commands: Record<string, ReadonlyArray<string>> = {
    all: ["fit", "sweep.csv", "--json"],
    envelope: ["fit", "curves.jsonl", "--method", "envelope", "--compute", "1e20", "--json"],
    law: ["fit", "grid.csv", "--method", "law", "--law-file", "law.yaml", "--json"],
    downstream: ["fit", "tasks.csv", "--method", "downstream", "--compute", "1e24", "--json"],
    noCurves: ["fit", "sweep.csv", "--method", "envelope"],
    noTasks: ["fit", "sweep.csv", "--method", "downstream"],
    badLaw: ["fit", "grid.csv", "--method", "law", "--law-file", "bad-law.yaml"]
  }
  batch = await CliBatch.run(commands, dir)
}, 180_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const outcome = (name: string) => batch.outcome(name)
const json = (name: string) => batch.json(name)

describe("scalelab fit --method", () => {
  it("all: isoflop and parametric with diagnostics; the methods the input cannot support are skipped", () => {
    const result = json("all")
    expect(result.isoflop.params_opt.a).toBeCloseTo(analyticA, 2)
    expect(result.isoflop.diagnostics.points_used).toBe(36)
    expect(result.isoflop.diagnostics.leave_one_budget_out).toHaveLength(4)
    for (const budget of result.isoflop.diagnostics.budgets) expect(budget.r2).toBeGreaterThan(0.9)
    expect(result.parametric.diagnostics.r2_log).toBeGreaterThan(0.99)
    // The noise is 0.2% of the loss, so the log residuals are about 0.002.
    expect(result.parametric.diagnostics.rms_log_residual).toBeGreaterThan(0.001)
    expect(result.parametric.diagnostics.rms_log_residual).toBeLessThan(0.004)
    expect(result.envelope.skipped).toContain("the table has no `run` or `id` column")
    expect(result.law.skipped).toContain("--law-file")
    expect(result.downstream.skipped).toContain("task.<name>.nll")
  })

  it("envelope: the lower envelope of training curves follows the law's N*(C)", () => {
    const { envelope } = json("envelope")
    // The winner is always a trained size (20 over 3 decades): the exponent is good to a few hundredths.
    expect(envelope.params_opt.a).toBeCloseTo(analyticA, 1)
    expect(envelope.loss_from).toBe("the table's loss column")
    expect(envelope.forecasts[0].compute).toBe(1e20)
    const expected = computeOptimal(chinchilla, 1e20).params
    expect(Math.abs(Math.log10(envelope.forecasts[0].params / expected))).toBeLessThan(0.15)
  })

  it("law: a Chinchilla-form law from a YAML file recovers the generating constants", () => {
    const { law } = json("law")
    expect(law.law_file).toBe("law.yaml")
    expect(law.parameters.E).toBeCloseTo(chinchilla.E, 2)
    expect(law.parameters.alpha).toBeCloseTo(chinchilla.alpha, 2)
    expect(law.parameters.beta).toBeCloseTo(chinchilla.beta, 2)
  })

  it("downstream: both stages recovered from task columns, and the accuracy forecast at --compute", () => {
    const { downstream } = json("downstream")
    expect(downstream.cloze.nll.alpha).toBeCloseTo(taskNll.alpha, 2)
    expect(downstream.cloze.accuracy.midpoint).toBeCloseTo(taskAccuracy.midpoint, 2)
    const [forecast] = downstream.cloze.forecasts
    expect(forecast.compute).toBe(1e24)
    expect(forecast.accuracy).toBeCloseTo(accuracyAtNll(taskAccuracy, nllAt(1e24)), 3)
  })

  it("inputs that cannot support the method exit 2 naming the file and what is missing", () => {
    for (const name of ["noCurves", "noTasks", "badLaw"]) {
      expect(outcome(name).code, name).toBe(2)
      expect(outcome(name).stdout, name).toBe("")
    }
    expect(outcome("noCurves").stderr).toContain("sweep.csv: envelope: the table has no `run` or `id` column")
    expect(outcome("noCurves").stderr).toContain("needs training curves")
    expect(outcome("noTasks").stderr).toContain('sweep.csv: downstream: no task.<name>.nll and task.<name>.acc columns; the input has "params", "flops", "loss", "budget"')
    expect(outcome("badLaw").stderr).toContain("bad-law.yaml:7:19: field parameters.alpha.start")
  })
})
