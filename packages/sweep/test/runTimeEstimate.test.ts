// The wall-time estimate: its cache of measured speeds (fresh, stale, another machine), the real
// probe process, the arithmetic of an estimate, and which evidence wins.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { flopsPerToken } from "@scalelab/laws"
import { type Plan, planIsoflop } from "@scalelab/planner"
import { databasePath, RunStore, runFolderPath, runSpecFile } from "@scalelab/runner"
import { decodeExperimentText, type Experiment, type RunResult, type RunSpec } from "@scalelab/spec"
import { trainerVersion } from "@scalelab/train/throughput-report"
import { Effect, Result } from "effect"
import { TestClock } from "effect/testing"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type MachineFingerprint, thisMachine } from "../src/estimate/machineFingerprint.ts"
import { estimateRunSeconds, type RunTimeEstimate, sweepSeconds } from "../src/estimate/runTimeEstimate.ts"
import { cachedThroughput, maxAgeDays, type ThroughputCache, throughputCacheFileName } from "../src/estimate/throughputCache.ts"
import { processProbe, type ThroughputProbe } from "../src/estimate/throughputProbe.ts"

const specText = `
name: estimate-test
data: { corpus: moby-dick, tokenizer: bytes, validation: 0.05, val_tokens: 1024 }
model: { family: llama, context: 32, aspect: 16, head_dim: 8, kv_heads: 1 }
sweep: { kind: isoflop, budgets: [1e9, 1e10, 1e11], sizes_per_budget: 3, span: 8, centre: deepseek-llm, seeds: 2 }
training: { lr: 1e-2, warmup: 0.05, schedule: cosine, batch_tokens: D / 100 }
eval: { cloze: { answer_bytes: 16 } }   # at most half the context
execution: { concurrency: 2, backend: wasm }
`
const experiment: Experiment = Result.getOrThrow(decodeExperimentText(specText, "estimate-test.yaml"))
const plan: Plan = planIsoflop(experiment)
const runs = plan.runs.map(({ run }) => run)

const machine: MachineFingerprint = { cpu: "Test CPU", cores: 2, memory_bytes: 8e9, node: "v20.0.0", platform: "linux", arch: "x64" }
const exactFlopsPerToken = (run: RunSpec) => flopsPerToken(run.shape, "exact")
// FLOP/s as a power of d_model: log-linear in log d_model, so interpolating between anchors
// reproduces it exactly and every run's speed is known in advance.
const flopsPerSecond = (run: RunSpec) => 1e6 * run.shape.d_model ** 1.5
const tokensPerSecond = (run: RunSpec) => flopsPerSecond(run) / exactFlopsPerToken(run)

/** A stand-in for the probe process that answers at once and counts what it was asked. */
const countingProbe = () => {
  const asked: Array<ReadonlyArray<string>> = []
  const probe: ThroughputProbe = (_backend, probed) =>
    Effect.sync(() => {
      asked.push(probed.map((run) => run.id))
      return {
        backend: "wasm",
        device: "test device",
        runs: probed.map((run) => ({ id: run.id, tokens_per_s: tokensPerSecond(run), sequences: 1, steps: 3, seconds: 0.1 }))
      }
    })
  return { asked, probe }
}

const day = 24 * 3600 * 1000
const start = Date.parse("2026-01-01T00:00:00Z")

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-estimate-"))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("the throughput cache", () => {
  const cacheWith = (probe: ThroughputProbe, fingerprint = machine, version = trainerVersion): ThroughputCache => ({
    directory: join(dir, "cache"),
    conditions: { backend_request: "wasm", trainer_version: version, machine: fingerprint },
    probe
  })
  // Two runs of different shapes: one the cache must hold, one it may.
  const first = runs[0]!
  const second = runs.find((run) => JSON.stringify(run.shape) !== JSON.stringify(first.shape))!
  const lookUp = (cache: ThroughputCache, at: number) =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(at)
        return yield* cachedThroughput(cache, [first], [second])
      }).pipe(Effect.provide(TestClock.layer()))
    )

  it("measures once, then answers from the cache while the measurement is fresh", async () => {
    const { asked, probe } = countingProbe()
    const measured = await lookUp(cacheWith(probe), start)
    expect(asked).toEqual([[first.id]])
    expect(measured.probeSeconds).toBeDefined()
    const again = await lookUp(cacheWith(probe), start + (maxAgeDays - 1) * day)
    expect(asked).toHaveLength(1)
    expect(again.probeSeconds).toBeUndefined()
    expect(again.measurements.get(first.id)?.tokens_per_s).toBe(tokensPerSecond(first))
    expect(again.measurements.get(first.id)?.measured_at).toBe(new Date(start).toISOString())
    // Only what was asked for is measured: the other run is welcome from the cache but not probed.
    expect(again.measurements.has(second.id)).toBe(false)
  })

  it("measures again once the measurement is stale, and drops the stale one", async () => {
    const { asked, probe } = countingProbe()
    await lookUp(cacheWith(probe), start)
    const later = start + (maxAgeDays + 1) * day
    const renewed = await lookUp(cacheWith(probe), later)
    expect(asked).toHaveLength(2)
    expect(renewed.measurements.get(first.id)?.measured_at).toBe(new Date(later).toISOString())
    const file = JSON.parse(readFileSync(join(dir, "cache", throughputCacheFileName), "utf8")) as { measurements: Array<unknown> }
    expect(file.measurements).toHaveLength(1)
  })

  it("measures again on another machine or trainer version, keeping the other machine's measurement", async () => {
    const { asked, probe } = countingProbe()
    await lookUp(cacheWith(probe), start)
    await lookUp(cacheWith(probe, { ...machine, cores: 16 }), start + day)
    await lookUp(cacheWith(probe, machine, `${trainerVersion}-next`), start + day)
    expect(asked).toHaveLength(3)
    // Each machine's measurement is kept: a store may be shared by several machines.
    await lookUp(cacheWith(probe, { ...machine, cores: 16 }), start + 2 * day)
    await lookUp(cacheWith(probe), start + 2 * day)
    expect(asked).toHaveLength(3)
  })

  it("writes whole files only, and takes an unreadable one for an empty cache", async () => {
    const { asked, probe } = countingProbe()
    mkdirSync(join(dir, "cache"))
    writeFileSync(join(dir, "cache", throughputCacheFileName), '{"format": 1, "measurements": [')
    await lookUp(cacheWith(probe), start)
    expect(asked).toHaveLength(1)
    expect(readdirSync(join(dir, "cache"))).toEqual([throughputCacheFileName])
    await lookUp(cacheWith(probe), start)
    expect(asked).toHaveLength(1)
  })
})

describe("the throughput probe", () => {
  it("trains a tiny run for real and reports its speed and backend", async () => {
    const tiny = runs.reduce((a, b) => (a.params <= b.params ? a : b))
    const report = await Effect.runPromise(processProbe(join(dir, "cache"))("wasm", [tiny]))
    expect(report.backend).toBe("wasm")
    expect(report.device).toMatch(/wasm/)
    expect(report.runs).toHaveLength(1)
    expect(report.runs[0]?.id).toBe(tiny.id)
    expect(report.runs[0]?.tokens_per_s).toBeGreaterThan(0)
  })
})

describe("the estimate", () => {
  const estimate = (options: { readonly probe: ThroughputProbe }): Promise<RunTimeEstimate> =>
    Effect.runPromise(estimateRunSeconds(experiment, plan, dir, { ...options, machine }))

  it("is each run's tokens over the speed of its source, and probes only a few anchor widths", async () => {
    const { asked, probe } = countingProbe()
    const result = await estimate({ probe })
    const widths = new Set(runs.map((run) => run.shape.d_model))
    expect(widths.size).toBeGreaterThan(3)
    expect(asked).toHaveLength(1)
    expect(asked[0]).toHaveLength(3)
    expect(result.runs.map((run) => run.source)).toContain("interpolated")
    result.runs.forEach((estimated, index) => {
      const run = runs[index]!
      expect(estimated.id).toBe(run.id)
      expect(estimated.tokens_per_s).toBeCloseTo(tokensPerSecond(run), 6)
      expect(estimated.seconds).toBe(run.tokens / estimated.tokens_per_s)
    })
    expect(result.probe?.backend).toBe("wasm")
    expect(result.probe?.points).toHaveLength(3)
    // No store existed, and the estimate must not create one.
    expect(existsSync(databasePath(dir))).toBe(false)
    // Nothing completed: the rest of the sweep is all of it.
    expect(result.remaining_seconds).toBe(result.sweep_seconds)
    expect(result.sweep_seconds).toBe(sweepSeconds(runs.map((run, i) => ({ flops: run.flops, seconds: result.runs[i]!.seconds })), 2))
  })

  it("prefers a completed run's own speed, then a completed run of the same shape, then the probe", async () => {
    const shapeOf = (run: RunSpec) => JSON.stringify(run.shape)
    const completed = runs[0]!
    const sameShapeInPlan = runs.filter((run) => run.id !== completed.id && shapeOf(run) === shapeOf(completed))
    // A run of an earlier version of the spec (another learning rate), known only from its folder.
    const earlier: RunSpec = { ...runs.at(-1)!, id: "earlier0000000000", training: { ...runs.at(-1)!.training, lr: 0.5 } }
    const resultOf = (run: RunSpec, tokens_per_s: number): RunResult => ({
      id: run.id,
      status: "completed",
      val_loss: 3,
      train_loss: 3,
      params: run.params,
      tokens: run.tokens,
      flops: run.flops,
      steps: 100,
      backend: "wasm",
      wall_s: run.tokens / tokens_per_s + 2,
      tokens_per_s
    })
    mkdirSync(runFolderPath(dir, earlier.id), { recursive: true })
    // Written as an older scalelab wrote run.json, before runs named their trainer.
    writeFileSync(join(runFolderPath(dir, earlier.id), runSpecFile), JSON.stringify(earlier, (key, value: unknown) => (key === "trainer" ? undefined : value)))
    await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* RunStore
        yield* store.upsertExperiment(experiment.name, null)
        yield* store.recordPlanned([...runs, earlier])
        yield* store.markCompleted(completed.id, null, resultOf(completed, 1111))
        yield* store.markCompleted(earlier.id, null, resultOf(earlier, 2222))
      }).pipe(Effect.provide(RunStore.layer(dir)))
    )
    const { probe } = countingProbe()
    const result = await estimate({ probe })
    const byId = new Map(result.runs.map((run) => [run.id, run]))
    expect(byId.get(completed.id)).toMatchObject({ source: "completed", tokens_per_s: 1111, seconds: completed.tokens / 1111 })
    expect(sameShapeInPlan.length).toBeGreaterThan(0) // the run's other seed at least
    for (const run of sameShapeInPlan) expect(byId.get(run.id)).toMatchObject({ source: "same-shape", tokens_per_s: 1111 })
    const sameShapeAsEarlier = runs.filter((run) => shapeOf(run) === shapeOf(earlier))
    expect(sameShapeAsEarlier.length).toBeGreaterThan(0)
    for (const run of sameShapeAsEarlier) expect(byId.get(run.id)).toMatchObject({ source: "same-shape", tokens_per_s: 2222 })
    const others = runs.filter((run) => shapeOf(run) !== shapeOf(completed) && shapeOf(run) !== shapeOf(earlier))
    expect(others.length).toBeGreaterThan(0)
    for (const run of others) {
      expect(["measured", "interpolated"]).toContain(byId.get(run.id)?.source)
      expect(byId.get(run.id)?.tokens_per_s).toBeCloseTo(tokensPerSecond(run), 6)
    }
    // The completed run is not trained again: what is left leaves it out.
    const left = runs.filter((run) => run.id !== completed.id).map((run) => ({ flops: run.flops, seconds: byId.get(run.id)!.seconds }))
    expect(result.remaining_seconds).toBe(sweepSeconds(left, 2))
  })
})

describe("the sweep's wall time", () => {
  it("starts the largest runs first, each on the first worker free", () => {
    const runsOf = (seconds: ReadonlyArray<number>) => seconds.map((s) => ({ flops: s, seconds: s }))
    expect(sweepSeconds(runsOf([5, 4, 3, 3]), 2)).toBe(8) // 5+3 | 4+3
    expect(sweepSeconds(runsOf([5, 4, 3, 3]), 1)).toBe(15)
    expect(sweepSeconds(runsOf([5, 4]), 8)).toBe(5)
    expect(sweepSeconds([], 2)).toBe(0)
  })
})

describe("the machine fingerprint", () => {
  it("names the hardware and runtime, and nothing that identifies the host", () => {
    const fingerprint = thisMachine()
    expect(Object.keys(fingerprint).sort()).toEqual(["arch", "cores", "cpu", "memory_bytes", "node", "platform"])
    expect(fingerprint.cores).toBeGreaterThan(0)
  })
})
