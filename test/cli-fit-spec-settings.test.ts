// A spec's `fit.methods` and `fit.bootstrap` decide what `scalelab run` and `scalelab report` fit,
// and with how many resamples: a table spec (nothing to train) shows it in seconds.
import { readFileSync } from "node:fs"
import { copyFile, mkdtemp, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { beforeAll, describe, expect, it } from "vitest"
import { CliBatch } from "./support/cli.ts"

// Twelve runs scored on a task (a known two-stage downstream law with a little wobble).
const scored = fileURLToPath(new URL("./fixtures/fit-record/scored.csv", import.meta.url))

const spec = (name: string, fit: string) =>
  `name: ${name}\nsweep:\n  kind: table\n  file: scored.csv\nfit: ${fit}\nforecast: { compute: [1e23] }\n`

let dir: string
let batch: CliBatch

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-fit-settings-"))
  await copyFile(scored, join(dir, "scored.csv"))
  const specs: Record<string, string> = {
    "fifty.yaml": spec("fifty", "{ bootstrap: 50, methods: [downstream] }"),
    "defaults.yaml": spec("defaults", "{}"),
    "too-many.yaml": spec("too-many", "{ bootstrap: 100001 }")
  }
  await Promise.all(Object.entries(specs).map(([name, text]) => writeFile(join(dir, name), text)))
  batch = await CliBatch.run({
    validate: ["validate", "fifty.yaml"],
    run: ["run", "fifty.yaml"],
    reportOverride: ["report", "fifty.yaml", "--bootstrap", "10", "--out", "override"],
    defaults: ["report", "defaults.yaml", "--out", "defaults"],
    tooMany: ["validate", "too-many.yaml"]
  }, dir)
}, 120_000)

const caption = (folder: string) => readFileSync(join(dir, folder, "index.html"), "utf8").match(/over (\d+) bootstrap resamples/)?.[1]

describe("fit settings of a spec", () => {
  it("accepts fit.bootstrap: 50, and the run's forecast intervals come from 50 resamples", () => {
    expect(batch.outcome("validate").code, batch.outcome("validate").stderr).toBe(0)
    expect(batch.outcome("run").code, batch.outcome("run").stderr).toBe(0)
    expect(caption(join(".scalelab", "reports", "fifty"))).toBe("50")
  })

  it("fits only the methods of fit.methods", () => {
    const fit = JSON.parse(readFileSync(join(dir, ".scalelab", "reports", "fifty", "fit.json"), "utf8"))
    expect(fit).toEqual({ isoflop: { error: "isoflop is not in fit.methods" } })
    expect(batch.outcome("run").stdout).toContain("sections: Downstream forecast: quiz\n")
  })

  it("lets report --bootstrap override the spec's resamples", () => {
    expect(batch.outcome("reportOverride").code, batch.outcome("reportOverride").stderr).toBe(0)
    expect(caption("override")).toBe("10")
  })

  it("fits every reported method with 200 resamples by default", () => {
    const outcome = batch.outcome("defaults")
    expect(outcome.code, outcome.stderr).toBe(0)
    expect(caption("defaults")).toBe("200")
    expect(outcome.stdout).toContain("Parametric loss surface")
    expect(JSON.parse(readFileSync(join(dir, "defaults", "fit.json"), "utf8"))).toHaveProperty("parametric")
  })

  it("refuses more resamples than the CLI's --bootstrap allows, at the value's line and column", () => {
    const outcome = batch.outcome("tooMany")
    expect(outcome.code).toBe(2)
    expect(outcome.stderr).toContain("too-many.yaml:5:19: expected an integer from 0 to 100,000, got `100001`")
  })
})
