// `scalelab plan` estimates every run's training time from this machine's measured speed: the
// first plan on a store runs the throughput probe, later ones read its cache.
import { existsSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CliBatch } from "./support/cli.ts"

const spec = fileURLToPath(new URL("./fixtures/e2e-sweep.yaml", import.meta.url))

interface EstimatedRun {
  readonly run: { readonly id: string; readonly tokens: number }
  readonly estimated_seconds?: number
  readonly estimate_source?: string
}
interface PlanJson {
  readonly runs: ReadonlyArray<EstimatedRun>
  readonly estimate?: {
    readonly concurrency: number
    readonly sweep_seconds: number
    readonly remaining_seconds: number
    readonly probe?: { readonly backend: string; readonly probe_seconds?: number; readonly points: ReadonlyArray<unknown> }
  }
}

let dir: string
let store: string
let first: CliBatch
let later: CliBatch

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-plan-estimate-"))
  store = join(dir, "store")
  first = await CliBatch.run(
    { probed: ["plan", spec, "--store", store, "--json"], skipped: ["plan", spec, "--store", join(dir, "other"), "--json", "--no-estimate"] },
    dir
  )
  later = await CliBatch.run({ cached: ["plan", spec, "--store", store, "--json"], text: ["plan", spec, "--store", store] }, dir)
}, 180_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("scalelab plan's time estimate", () => {
  it("estimates every run from a probe of this machine on the first plan", () => {
    const plan = first.json("probed") as PlanJson
    expect(plan.runs.length).toBeGreaterThan(0)
    for (const run of plan.runs) {
      expect(run.estimated_seconds).toBeGreaterThan(0)
      expect(["measured", "interpolated"]).toContain(run.estimate_source)
    }
    expect(plan.estimate?.probe?.backend).toMatch(/^(cuda|tensorflow|webgpu|wasm|cpu)$/)
    expect(plan.estimate?.probe?.probe_seconds).toBeGreaterThan(0)
    expect(plan.estimate?.sweep_seconds).toBeGreaterThan(0)
    expect(existsSync(join(store, "cache", "throughput.json"))).toBe(true)
    // The plan does not create a run store: there was none to read completed runs from.
    expect(existsSync(join(store, "scalelab.db"))).toBe(false)
  })

  it("reads the cache on later plans, with the same estimates", () => {
    const probed = first.json("probed") as PlanJson
    const cached = later.json("cached") as PlanJson
    expect(cached.estimate?.probe?.probe_seconds).toBeUndefined()
    expect(cached.runs.map((run) => run.estimated_seconds)).toEqual(probed.runs.map((run) => run.estimated_seconds))
  })

  it("shows the estimate in the table and the summary", () => {
    const { stdout } = later.outcome("text")
    expect(stdout).toMatch(/est\. time/)
    expect(stdout).toMatch(/estimated training time: .+ at \d+ runs? at a time/)
    expect(stdout).toMatch(/speed from the cache, measured .+ on this machine: \w+ on /)
  })

  it("skips the estimate with --no-estimate", () => {
    const plan = first.json("skipped") as PlanJson
    expect(plan.estimate).toBeUndefined()
    for (const run of plan.runs) expect(run.estimated_seconds).toBeUndefined()
    expect(existsSync(join(dir, "other", "cache", "throughput.json"))).toBe(false)
  })
})
