// `scalelab fit --bootstrap` through the real command: how many resamples the intervals rest on,
// and the warning a user sees instead of a fine-looking interval when most resamples fail.
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { IsoflopPoint } from "../packages/laws/src/index.ts"
import { sweep } from "../packages/laws/test/synthetic.ts"
import { CliBatch } from "./support/cli.ts"

const csv = (points: ReadonlyArray<IsoflopPoint>) =>
  `params,tokens,budget,loss\n${points.map((p) => `${p.params},${p.tokens},${p.budget},${p.loss}`).join("\n")}\n`

let dir: string
let batch: CliBatch

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-fit-bootstrap-"))
  await Promise.all([
    // Quickstart-like: 5 budgets of 5 sizes over a factor of 8, 1% noise.
    writeFile(join(dir, "healthy.csv"), csv(sweep({ noise: 0.01, seed: 1, budgets: [1e17, 1e18, 1e19, 1e20, 1e21], sizes: 5, span: 8 }))),
    // Two budgets whose minima sit next to their smallest size: the noise of a resample pushes one
    // of them out of its sweep about half the time, leaving no power law to refit.
    writeFile(join(dir, "edge.csv"), csv(sweep({ noise: 0.003, seed: 3, budgets: [1e18, 1e19], sizes: 5, span: 8, shift: () => 2.8 }))),
    // Three seeds per size.
    writeFile(join(dir, "seeds.csv"), csv(sweep({ noise: 0.01, seed: 2, budgets: [1e17, 1e18, 1e19], sizes: 5, span: 8, seeds: 3 })))
  ])
  batch = await CliBatch.run({
    healthy: ["fit", "healthy.csv", "--method", "isoflop", "--bootstrap", "200"],
    edge: ["fit", "edge.csv", "--method", "isoflop", "--bootstrap", "200"],
    edgeJson: ["fit", "edge.csv", "--method", "isoflop", "--bootstrap", "200", "--json"],
    seeds: ["fit", "seeds.csv", "--method", "isoflop", "--json"]
  }, dir)
}, 120_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("scalelab fit --bootstrap", () => {
  it("says how many resamples the intervals rest on", () => {
    const { code, stdout } = batch.outcome("healthy")
    expect(code).toBe(0)
    const [, used] = /80% intervals from (\d+) of 200 resamples/.exec(stdout) ?? []
    expect(Number(used)).toBeGreaterThanOrEqual(190)
    expect(stdout).not.toMatch(/WARNING/)
  })

  it("warns that the interval is not reliable when most resamples fail, in the text and the JSON", () => {
    const { code, stdout } = batch.outcome("edge")
    expect(code).toBe(0)
    const [, used] = /80% intervals from (\d+) of 200 resamples/.exec(stdout) ?? []
    expect(Number(used)).toBeLessThan(100)
    expect(stdout).toContain(`WARNING: only ${used} of 200 bootstrap resamples could be refitted`)
    expect(stdout).toMatch(/not reliable/)
    const { bootstrap } = batch.json("edgeJson").isoflop
    expect(bootstrap).toMatchObject({ resamples_requested: 200, resamples_used: Number(used), failed_resamples: 200 - Number(used), trustworthy: false })
    expect(bootstrap.first_failure).toMatch(/needs at least 2 budgets/)
  })

  it("reports the spread of replicate seeds", () => {
    const spread = batch.json("seeds").isoflop.diagnostics.seed_spread
    // 15 sizes with 3 seeds each: 2 degrees of freedom per size.
    expect(spread).toMatchObject({ groups: 15, df: 30 })
    // Loss noise of 1% on losses of 3 to 4.5: an SD of about 0.03 to 0.045.
    expect(spread.sd).toBeGreaterThan(0.025)
    expect(spread.sd).toBeLessThan(0.05)
  })
})
