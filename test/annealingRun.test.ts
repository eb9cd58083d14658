// `scalelab run` of annealing probes end to end, on a tiny sweep of synthetic domains: checkpoints
// first, then anneals that start from their final weights, then each candidate's change against the
// control; a second run retrains nothing, and `report`, `runs` and `plan` read the same store.
import { existsSync, readFileSync } from "node:fs"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "./support/cli.ts"
import { tinyAnnealingSpec } from "./support/tinySweeps.ts"

let scratch: string

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "scalelab-annealing-run-"))
  await writeFile(join(scratch, "anneal.yaml"), tinyAnnealingSpec())
})

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

describe("scalelab run of annealing probes", () => {
  it("trains the checkpoints, then their anneals from the checkpoints' ends, and reports each candidate against the control", async () => {
    const store = join(scratch, "store")
    const outcome = await runCli(["run", "anneal.yaml", "--store", store, "--quiet"], scratch)
    expect(outcome.stderr).toBe("")
    expect(outcome.code).toBe(0)
    expect(outcome.stdout).toContain("8 runs trained, 0 already complete, 0 failed")
    expect(outcome.stdout).toMatch(/C=3e8: N=[\d,]+, checkpoint [\d,]+ tokens, anneals [\d,]+ tokens; 2 of 2 seeds complete/)
    expect(outcome.stdout).toMatch(/with other − control/)
    const report = join(store, "reports", "tiny-anneal")
    const fit = JSON.parse(readFileSync(join(report, "fit.json"), "utf8"))
    expect(fit).toMatchObject({ kind: "annealing", domains: ["base", "other", "placebo"], candidate_weight: 0.5, anneal_fraction: 0.25 })
    const [budget] = fit.budgets
    expect(budget).toMatchObject({ budget: 3e8, seeds: 2, planned_seeds: 2 })
    const [other, placebo] = budget.candidates
    // Half of the anneal on the other chain: its own loss falls and the default data's rises, against the control.
    expect(other.change.other.mean).toBeLessThan(0)
    expect(other.change.base.mean).toBeGreaterThan(0)
    expect(other.change.other.low).toBeLessThanOrEqual(other.change.other.mean)
    // The placebo's windows are the control's own (same text, same draws): pairing leaves nothing.
    for (const column of ["base", "other", "placebo", "target"]) expect(placebo.change[column]).toMatchObject({ mean: 0, low: 0, high: 0 })
    for (const file of ["annealing_change.png", "annealing_losses.png", "index.html"]) expect(existsSync(join(report, file)), file).toBe(true)

    // Each anneal started from its checkpoint's final weights and took its own steps from 0.
    const plan = JSON.parse((await runCli(["plan", "anneal.yaml", "--store", store, "--json"], scratch)).stdout)
    const anneal = plan.runs.find((planned: { run: { init?: unknown } }) => planned.run.init !== undefined).run
    const checkpoint = plan.runs.find((planned: { run: { id: string } }) => planned.run.id === anneal.init.run).run
    expect(checkpoint.save_final).toBe(true)
    expect(existsSync(join(store, "runs", checkpoint.id, "final.bin"))).toBe(true)
    const result = JSON.parse(readFileSync(join(store, "runs", anneal.id, "result.json"), "utf8"))
    expect(result.tokens).toBe(anneal.tokens)
    const lines = readFileSync(join(store, "runs", anneal.id, "metrics.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line))
    expect(lines[0].step).toBeLessThanOrEqual(result.steps)
    // The learning rate decays to zero at the anneal's last step.
    const lastLr = lines.filter((line) => line.lr !== undefined).at(-1).lr
    expect(lastLr).toBe(0)

    const again = await runCli(["run", "anneal.yaml", "--store", store, "--quiet"], scratch)
    expect(again.code).toBe(0)
    expect(again.stdout).toContain("0 runs trained, 8 already complete, 0 failed")

    const reported = await runCli(["report", "anneal.yaml", "--store", store], scratch)
    expect(reported.code).toBe(0)
    expect(reported.stdout).toContain("On the target, against the control: other")

    const runs = await runCli(["runs", "anneal.yaml", "--store", store, "--csv"], scratch)
    expect(runs.code).toBe(0)
    expect(runs.stdout.split("\n")[0]).toContain("weight.other")
  }, 240_000)

  it("refuses a candidate named like the default data at its line (exit 2), writing nothing", async () => {
    await writeFile(join(scratch, "bad.yaml"), `name: bad
sweep:
  kind: annealing
  base: moby-dick
  candidates:
    base: sotu
`)
    const outcome = await runCli(["run", "bad.yaml", "--store", join(scratch, "bad-store")], scratch)
    expect(outcome.code).toBe(2)
    expect(outcome.stderr).toMatch(/bad\.yaml:6:\d+: .*`base` names the default data/)
    expect(existsSync(join(scratch, "bad-store"))).toBe(false)
  })
})
