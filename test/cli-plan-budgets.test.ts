// Specs whose plan would depart from what they ask: `validate`, `plan` and `run` refuse a budget
// its runs cannot honour (exit 2, FILE:LINE:COL at the field to change, nothing written), and
// `validate` and `plan` note every size planned other than asked.
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CliBatch, listFiles } from "./support/cli.ts"

const specs = {
  "tiny-budget.yaml": "name: tiny\nsweep: { budgets: 1e3 }\n",
  "long-context.yaml": "name: long\nmodel: { context: 1e9 }\n",
  "huge-budget.yaml": "name: huge\ndata: { tokenizer: bpe, vocab: 1024 }\nsweep: { budgets: 1e30 }\n",
  "merged-sizes.yaml": "name: merged\ndata: { tokenizer: bpe, vocab: 4096 }\nsweep: { budgets: 3e10, sizes_per_budget: 3 }\n"
}

let dir: string
// The BPE plan caches its tokenizer in its store: kept apart, so that the refused commands are seen to write nothing.
let store: string
let before: ReadonlyArray<string>
let batch: CliBatch

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-plan-budgets-"))
  store = await mkdtemp(join(tmpdir(), "scalelab-plan-budgets-store-"))
  for (const [name, text] of Object.entries(specs)) await writeFile(join(dir, name), text)
  before = await listFiles(dir)
  batch = await CliBatch.run({
    validate: ["validate", ...Object.keys(specs)],
    planTiny: ["plan", "--no-estimate", "tiny-budget.yaml"],
    runTiny: ["run", "tiny-budget.yaml"],
    planHuge: ["plan", "--no-estimate", "huge-budget.yaml"],
    planMerged: ["plan", "--no-estimate", "--json", "--store", store, "merged-sizes.yaml"]
  }, dir)
}, 120_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
  await rm(store, { recursive: true, force: true })
})

describe("budgets a plan cannot honour", () => {
  it("validate reports each at the line of the field to change, exit 2", () => {
    const { code, stderr } = batch.outcome("validate")
    expect(code).toBe(2)
    expect(stderr).toMatch(/^tiny-budget\.yaml:2:19: budget 1000: size 1 of 5 \(.*\) cannot spend it: .*×5400 the budget/m)
    // The budgets are defaults, not written: the context is what the file says.
    expect(stderr.split("\n").filter((line) => line.startsWith("long-context.yaml:2:19: budget "))).toHaveLength(3)
    expect(stderr).toMatch(/^huge-budget\.yaml:3:19: budget 1e30: .* more than the 1e12 this planner shapes; lower the budget$/m)
    expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?$/m)
  })

  it("plan and run refuse the same spec the same way, and write nothing", async () => {
    for (const name of ["planTiny", "runTiny"]) {
      const { code, stderr } = batch.outcome(name)
      expect(code, name).toBe(2)
      expect(stderr, name).toMatch(/^tiny-budget\.yaml:2:19: budget 1000: size 1 of 5/)
    }
    expect(batch.outcome("planHuge").code).toBe(2)
    expect(await listFiles(dir)).toEqual(before)
  })
})

describe("sizes planned other than asked", () => {
  const moved = /^merged-sizes\.yaml:3:19: note: budget 3e10: size 1 of 3 \(1\.1e4 params asked\) is planned as .* 6\.9e4 params/m
  const merged = /^merged-sizes\.yaml:3:19: note: budget 3e10: size 2 of 3 \(3\.2e4 params asked\) lands on the shape of size 1 of 3/m

  it("validate calls the spec valid and notes each one at its budget", () => {
    const { stdout } = batch.outcome("validate")
    expect(stdout).toContain('merged-sizes.yaml: valid — experiment "merged"')
    expect(stdout).toMatch(moved)
    expect(stdout).toMatch(merged)
  })

  it("plan lists them with the runs", () => {
    const plan = batch.json("planMerged") as { readonly runs: ReadonlyArray<unknown>; readonly notes: ReadonlyArray<string> }
    expect(plan.runs).toHaveLength(2)
    expect(plan.notes).toEqual([expect.stringMatching(moved), expect.stringMatching(merged)])
  })
})
