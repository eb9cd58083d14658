// A hyperparameter sweep end to end through the command line: a tiny grid trained, its laws fitted
// and reported, and another spec planning its learning rate from that fit.
import { existsSync, readFileSync } from "node:fs"
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "./support/cli.ts"
import { tinyGridSpec } from "./support/tinySweeps.ts"

let scratch: string

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "scalelab-hyperparameters-"))
})

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

const grid = tinyGridSpec()

interface FitJson {
  readonly laws: { readonly lr: { readonly fitted: boolean; readonly k?: number; readonly exponent?: number } }
  readonly budgets: ReadonlyArray<{ readonly budget: number; readonly lr: { readonly interior: boolean } }>
}

describe("sweep.kind: hyperparameters through the CLI", () => {
  it("trains the grid, fits lr*(C), writes fit.json and the plots; another spec plans its lr from that fit", async () => {
    await writeFile(join(scratch, "grid.yaml"), grid)
    const run = await runCli(["run", "--quiet", "grid.yaml"], scratch)
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    expect(run.stdout).toContain("6 runs trained")
    expect(run.stdout).toContain("Hyperparameter optima per budget:")
    // One batch size: no batch law, and the terminal says why.
    expect(run.stdout).toMatch(/only 1 batch size value tried/u)
    const report = join(scratch, ".scalelab", "reports", "grid")
    for (const file of ["index.html", "fit.json", "loss-vs-lr.png", "hyperparameter-laws.png"]) expect(existsSync(join(report, file)), file).toBe(true)
    const fit = JSON.parse(readFileSync(join(report, "fit.json"), "utf8")) as FitJson
    expect(fit.budgets.map((budget) => budget.budget)).toEqual([3e8, 1e9])

    // `report` refits the store's runs without training, here into a folder of its own and without intervals.
    const report2 = join(scratch, "report-again")
    const again = await runCli(["report", "grid.yaml", "--out", report2, "--bootstrap", "0"], scratch)
    expect(again.stderr).toBe("")
    expect(again.code).toBe(0)
    expect(again.stdout).toContain("no intervals: 0 bootstrap resamples asked for")
    expect(existsSync(join(report2, "hyperparameter-laws.png"))).toBe(true)

    // A spec naming the fit: each run's lr is the law at its C.
    await writeFile(
      join(scratch, "user.yaml"),
      "name: user\nmodel: { context: 32, layers: 1, head_dim: 8, kv_heads: 1 }\nsweep: { budgets: [1e9], sizes_per_budget: 3, span: 4 }\n" +
        "training:\n  lr: { from: grid.yaml }\neval: { cloze: { items: 0 } }\n"
    )
    const plan = await runCli(["plan", "--json", "--no-estimate", "user.yaml"], scratch)
    // At these sizes 3e-2 beats 3e-3 and 3e-1 at both budgets: both bracket their optimum.
    expect(fit.budgets.map((budget) => budget.lr.interior)).toEqual([true, true])
    const { k, exponent } = fit.laws.lr
    if (k === undefined || exponent === undefined) throw new Error("expected the lr law fitted")
    expect(plan.stderr).toBe("")
    expect(plan.code).toBe(0)
    const planned = JSON.parse(plan.stdout) as { readonly runs: ReadonlyArray<{ readonly run: { readonly flops: number; readonly training: { readonly lr: number } } }> }
    expect(planned.runs).toHaveLength(3)
    for (const { run: planRun } of planned.runs) expect(planRun.training.lr / (k * planRun.flops ** exponent)).toBeCloseTo(1, 4)
  }, 180_000)

  it("a bad grid is refused at its line and column with exit 2, nothing trained", async () => {
    const folder = join(scratch, "bad")
    await mkdir(folder)
    await writeFile(join(folder, "bad.yaml"), "name: bad\nsweep:\n  kind: hyperparameters\n  batch_tokens: [512, zero]\n")
    const outcome = await runCli(["run", "bad.yaml"], folder)
    expect(outcome.code).toBe(2)
    expect(outcome.stderr).toMatch(/^bad\.yaml:4:23: /u)
    expect(existsSync(join(folder, ".scalelab"))).toBe(false)
  })
})
