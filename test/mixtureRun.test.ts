// `scalelab run` of a data-mixture spec end to end, on a tiny sweep of two synthetic domains:
// the runs are trained, the law fitted, the predicted best mix trained, and fit.json and the plots
// written; a second run retrains nothing.
import { existsSync, readFileSync } from "node:fs"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "./support/cli.ts"
import { tinyMixtureSpec } from "./support/tinySweeps.ts"

let scratch: string

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "scalelab-mixture-run-"))
  await writeFile(join(scratch, "mix.yaml"), tinyMixtureSpec())
})

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

describe("scalelab run of a mixture spec", () => {
  it("trains every mix and the predicted best one, and writes the fit, the comparison and the plots", async () => {
    const store = join(scratch, "store")
    const outcome = await runCli(["run", "mix.yaml", "--store", store, "--quiet"], scratch)
    expect(outcome.stderr).toBe("")
    expect(outcome.code).toBe(0)
    expect(outcome.stdout).toContain("Data-mixing law (Ye et al. 2024) per domain")
    expect(outcome.stdout).toMatch(/Validation at C=3\.00e\+8, mixture easy=[0-9.]+, hard=[0-9.]+: measured target loss/)
    expect(outcome.stdout).toContain("6 runs trained, 0 already complete, 0 failed")
    const report = join(store, "reports", "tiny-mix")
    const fit = JSON.parse(readFileSync(join(report, "fit.json"), "utf8"))
    expect(fit.domains).toEqual(["easy", "hard"])
    expect(fit.budgets[0]).toMatchObject({ budget: 3e8, runs: 5, optimum: { weights: { easy: expect.any(Number), hard: expect.any(Number) } } })
    expect(fit.budgets[0].optimum.target_loss_interval).toHaveLength(2)
    expect(fit.validation).toMatchObject({ budget: 3e8, new_run_interval: expect.any(Array), inside_new_run_interval: expect.any(Boolean) })
    for (const plot of ["mixture_domains.png", "mixture_target.png", "index.html"]) expect(existsSync(join(report, plot)), plot).toBe(true)

    const again = await runCli(["run", "mix.yaml", "--store", store, "--quiet"], scratch)
    expect(again.code).toBe(0)
    expect(again.stdout).toContain("0 runs trained, 6 already complete, 0 failed")
  }, 240_000)

  it("shows the plan with each run's weights, and refuses a weight vector that does not sum to 1 at its line (exit 2)", async () => {
    const plan = await runCli(["plan", "mix.yaml", "--store", join(scratch, "plan-store")], scratch)
    expect(plan.code).toBe(0)
    expect(plan.stdout).toMatch(/w\.easy\s+w\.hard/)
    expect(plan.stdout).toContain("5 runs,")
    await writeFile(join(scratch, "bad.yaml"), readFileSync(join(scratch, "mix.yaml"), "utf8").replace("{ grid: 4 }", "[[0.5, 0.6], [1, 0]]"))
    const bad = await runCli(["validate", "bad.yaml"], scratch)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("bad.yaml:9:13: expected weights summing to 1, got [0.5, 0.6] summing to 1.1")
    const rerun = await runCli(["run", "mix.yaml", "--store", join(scratch, "plan-store"), "--rerun", "abc"], scratch)
    expect(rerun.code).toBe(2)
    // --rerun takes a mixture's runs now: an id no run of the plan has is bad input, named.
    expect(rerun.stderr).toContain("--rerun abc: no run of this plan starts with it")
  }, 60_000)
})
