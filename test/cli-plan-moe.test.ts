// `scalelab plan` of a mixture of experts: runs sized by active parameters, each with params_total
// (every parameter) beside params, in the table and in --json; a dense plan's table is as before.
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { countParams } from "../packages/laws/src/index.ts"
import type { RunSpec } from "../packages/spec/src/index.ts"
import { CliBatch } from "./support/cli.ts"

const model = "context: 64, layers: 2, head_dim: 8, kv_heads: 2"
const specs = {
  "dense.yaml": `name: dense\nmodel: { ${model} }\nsweep: { budgets: 1e11 }\n`,
  "experts.yaml": `name: experts\nmodel: { family: moe, experts: 4, top_k: 2, ${model} }\nsweep: { budgets: 1e11 }\n`
}

let dir: string
let batch: CliBatch

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-plan-moe-"))
  for (const [name, text] of Object.entries(specs)) await writeFile(join(dir, name), text)
  batch = await CliBatch.run({
    dense: ["plan", "--no-estimate", "dense.yaml"],
    experts: ["plan", "--no-estimate", "experts.yaml"],
    expertsJson: ["plan", "--no-estimate", "--json", "experts.yaml"]
  }, dir)
}, 120_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("plan of a mixture of experts", () => {
  it("prints params_total beside params for a mixture of experts only", () => {
    const header = (name: string) => batch.outcome(name).stdout.split("\n").find((line) => line.startsWith("id ")) ?? ""
    expect(batch.outcome("experts").code).toBe(0)
    expect(header("experts")).toMatch(/\bparams\s+params_total\s+tokens\b/)
    expect(header("dense")).toMatch(/\bparams\s+tokens\b/)
    expect(header("dense")).not.toContain("params_total")
  })

  it("--json: each run has its active parameters as params, all of them as params_total, and FLOPs of the active ones", () => {
    const { code, stdout } = batch.outcome("expertsJson")
    expect(code).toBe(0)
    const planned = (JSON.parse(stdout) as { runs: Array<{ run: RunSpec; params_total: number }> }).runs
    expect(planned).toHaveLength(5)
    for (const { run, params_total } of planned) {
      const counts = countParams(run.shape)
      expect(run.shape.moe).toEqual({ experts: 4, top_k: 2, aux_loss_weight: 0.01 })
      expect([run.params, run.params_total, params_total]).toEqual([counts.active, counts.total, counts.total])
      expect(run.flops).toBe(6 * counts.active * run.tokens)
    }
  })
})
