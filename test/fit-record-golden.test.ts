// fit.json is a stored format: the dashboard and the run store read it back. The report must
// write the same bytes for the same results however the record is built. The golden files are
// what the two `scalelab report` commands below write (run in the fixtures folder); when a fit
// changes on purpose, rewrite them that way and check that only the intended fields moved.
import { readFileSync } from "node:fs"
import { mkdtemp } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { beforeAll, describe, expect, it } from "vitest"
import { CliBatch } from "./support/cli.ts"

const fixtures = fileURLToPath(new URL("./fixtures/fit-record/", import.meta.url))

let out: string
let batch: CliBatch

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "scalelab-fit-record-"))
  // Three bracketed budgets: power laws, forecast and the parametric law. One budget: the curves
  // and the reason there is no power law, beside the parametric law.
  batch = await CliBatch.run({
    sweep: ["report", "sweep.csv", "--out", join(out, "sweep"), "--compute", "1e21", "--bootstrap", "0"],
    oneBudget: ["report", "one-budget.csv", "--out", join(out, "one-budget"), "--compute", "1e21", "--bootstrap", "0"]
  }, fixtures)
}, 120_000)

describe("fit.json", () => {
  it.each([["sweep", "sweep"], ["oneBudget", "one-budget"]])("of %s is byte for byte the golden file", (name, file) => {
    expect(batch.outcome(name).code, batch.outcome(name).stderr).toBe(0)
    expect(readFileSync(join(out, file, "fit.json"), "utf8")).toBe(readFileSync(join(fixtures, `${file}.fit.json`), "utf8"))
  })
})
