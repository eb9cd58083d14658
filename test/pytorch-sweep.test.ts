// experiments/pytorch.yaml as a user runs it: the quickstart's adaptive IsoFLOP sweep trained by the
// PyTorch trainer through `executor: command`, into a store of its own, then fitted. Every minimum
// must be bracketed, or the example does not show what it is for.
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CliOutcome, runCli } from "./support/cli.ts"
import { hasTorch } from "./support/torch.ts"

const root = join(import.meta.dirname, "..")

interface StoredRun {
  readonly status: string
  readonly executor: string
  readonly backend: string | null
}

interface StoredFit {
  readonly isoflop: { readonly budgets: ReadonlyArray<{ readonly budget: number; readonly bracketed: boolean }> }
}

describe.skipIf(!hasTorch)("experiments/pytorch.yaml (needs PyTorch importable by /usr/bin/python3)", () => {
  let store: string
  let sweep: CliOutcome
  let runs: ReadonlyArray<StoredRun>
  let fit: StoredFit

  beforeAll(async () => {
    store = await mkdtemp(join(tmpdir(), "scalelab-pytorch-"))
    sweep = await runCli(["run", "experiments/pytorch.yaml", "--store", store, "--quiet"], root)
    runs = JSON.parse((await runCli(["runs", "experiments/pytorch.yaml", "--store", store, "--json"], root)).stdout) as ReadonlyArray<StoredRun>
    fit = JSON.parse((await runCli(["fit", "experiments/pytorch.yaml", "--store", store, "--json"], root)).stdout) as StoredFit
  }, 600_000)

  afterAll(async () => {
    await rm(store, { recursive: true, force: true })
  })

  it("trains every run with PyTorch through the command executor", () => {
    expect(sweep.code, sweep.stderr).toBe(0)
    expect(sweep.stdout).toContain("14 runs trained, 0 already complete, 0 failed")
    expect(runs).toHaveLength(14)
    for (const run of runs) expect(run).toMatchObject({ status: "completed", executor: "command", backend: "pytorch" })
  })

  it("brackets the minimum at every budget", () => {
    expect(sweep.stdout).toContain("IsoFLOP fit over 3 of 3 budgets, every minimum bracketed")
    expect(fit.isoflop.budgets.map((b) => b.bracketed)).toEqual([true, true, true])
  })
})
