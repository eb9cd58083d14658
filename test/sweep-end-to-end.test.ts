// The whole path, for real and small: spec → plan → TensorFlow.js training in worker processes →
// SQLite store → IsoFLOP fit → Vega-Lite report; then the same command again, which must redo nothing.
import { existsSync, readFileSync } from "node:fs"
import { copyFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fitIsoflop } from "@scalelab/laws"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CliOutcome, runCli } from "./support/cli.ts"

const spec = readFileSync(new URL("./fixtures/e2e-sweep.yaml", import.meta.url), "utf8")

interface StoredRun {
  readonly id: string
  readonly status: string
  readonly attempts: number
  readonly backend: string | null
  readonly result: { readonly loss: number; readonly params: number; readonly tokens: number; readonly budget: number } | null
}

let dir: string
let first: CliOutcome
let second: CliOutcome
let fitAfterFirst: string
let stored: ReadonlyArray<StoredRun>

const reportDir = () => join(dir, ".scalelab", "reports", "smoke-e2e")

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-e2e-"))
  await writeFile(join(dir, "e2e.yaml"), spec)
  first = await runCli(["run", "e2e.yaml"], dir)
  fitAfterFirst = readFileSync(join(reportDir(), "fit.json"), "utf8")
  stored = JSON.parse((await runCli(["runs", "e2e.yaml", "--json"], dir)).stdout) as ReadonlyArray<StoredRun>
  second = await runCli(["run", "e2e.yaml"], dir)
}, 600_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("scalelab run, end to end", () => {
  it("trains the sweep and fits it", () => {
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toContain("6 runs trained, 0 already complete, 0 failed")
    expect(first.stdout).toMatch(/N\*\(C\) = \S+ · C\^\d\.\d{3}/)
    // Ten and a hundred times the largest budget (forecast.compute is empty).
    expect(first.stdout).toMatch(/^  C = 1e12 FLOPs: N\* = \S+ (\[\S+, \S+\] )?params/m)
    expect(first.stdout).toMatch(/^  C = 1e13 FLOPs: N\* = \S+ (\[\S+, \S+\] )?params/m)
    // Then where to look: the report first.
    expect(first.stdout).toMatch(/^Where to look:\n  report +\S+index\.html/m)
  })

  it("stores every run as completed, once, with its result", async () => {
    expect(stored).toHaveLength(6)
    for (const run of stored) {
      expect(run.status).toBe("completed")
      expect(run.attempts).toBe(1)
      expect(["wasm", "cpu"]).toContain(run.backend)
      const folder = join(dir, ".scalelab", "runs", run.id)
      const result = JSON.parse(readFileSync(join(folder, "result.json"), "utf8")) as { val_loss: number; id: string }
      expect(result.id).toBe(run.id)
      expect(run.result?.loss).toBe(result.val_loss)
      const metrics = readFileSync(join(folder, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { val_loss?: number })
      expect(metrics.filter((m) => m.val_loss !== undefined).length).toBeGreaterThanOrEqual(2)
      // A byte model starts near ln 256 = 5.55 nats; every run must have learned something.
      expect(result.val_loss).toBeLessThan(4)
    }
    expect(new Set(stored.map((run) => run.result?.budget)).size).toBe(2)
  })

  it("fits exactly the stored results", () => {
    const fit = JSON.parse(fitAfterFirst) as { isoflop: ReturnType<typeof fitIsoflop> }
    const refit = fitIsoflop(stored.map((run) => ({ ...run.result!, id: run.id })))
    expect(fit.isoflop.used_budgets).toHaveLength(2)
    expect(fit.isoflop.params_opt.a).toBeCloseTo(refit.params_opt.a, 9)
    expect(fit.isoflop.tokens_opt.b).toBeCloseTo(refit.tokens_opt.b, 9)
    // With C = 6ND at every optimum, the two exponents add up to one.
    expect(fit.isoflop.params_opt.a + fit.isoflop.tokens_opt.b).toBeCloseTo(1, 1)
  })

  it("writes the report: HTML that needs no network, SVG and PNG", async () => {
    const files = await readdir(reportDir())
    expect(files).toEqual(expect.arrayContaining(["index.html", "isoflop.svg", "isoflop.png", "fit.json", "vendor"]))
    const html = readFileSync(join(reportDir(), "index.html"), "utf8")
    expect(html).not.toMatch(/src="https?:/)
    expect(readFileSync(join(reportDir(), "isoflop.svg"), "utf8")).toContain("<svg")
    expect(readFileSync(join(reportDir(), "isoflop.png")).subarray(1, 4).toString()).toBe("PNG")
    await copyFile(join(reportDir(), "isoflop.png"), join(tmpdir(), "scalelab-e2e-isoflop.png")).catch(() => undefined)
  })

  it("run again: nothing is retrained and the fit is the same", () => {
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout).toContain("0 runs trained, 6 already complete, 0 failed")
    expect(readFileSync(join(reportDir(), "fit.json"), "utf8")).toBe(fitAfterFirst)
    expect(existsSync(join(dir, ".scalelab", "scalelab.db"))).toBe(true)
  })
})
