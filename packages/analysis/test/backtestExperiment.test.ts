// The backtest as a library call, on a store of stand-in results that follow a known law: the sweep
// below the cutoff is recorded as finished, and a stand-in `train` records the truth runs it is
// handed with the law's loss, so the forecast must come true, and a second backtest trains nothing.
import { existsSync, readFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Option, Result } from "effect"
import { RunStore, type SweepOutcome } from "@scalelab/runner"
import { decodeExperimentText, type RunResult, type RunSpec } from "@scalelab/spec"
import { planExperiment } from "@scalelab/sweep"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { backtestExperiment, type BacktestOptions } from "../src/backtest/backtestExperiment.ts"

const top = 1e13
const specText = (budgets: string) => `
name: known-law
data: { corpus: moby-dick, tokenizer: bytes }
model: { context: 64, aspect: 16, head_dim: 8, kv_heads: 2 }
flops: 6N
sweep: { budgets: ${budgets}, sizes_per_budget: 7, span: 16, centre: deepseek-llm }
training: { batch_tokens: D / 20 }
`
const experiment = Result.getOrThrow(decodeExperimentText(specText(`[1e11, 1e12, ${top}]`), "sweep.yaml"))
// The same experiment with a fourth budget: ids do not depend on the budget list, so it shares the
// store, whose runs below 1e14 then make two cutoffs (1e13 and 1e14) of a rolling backtest.
const fourBudgets = Result.getOrThrow(decodeExperimentText(specText(`[1e11, 1e12, ${top}, 1e14]`), "sweep.yaml"))

// Chinchilla's L(N, D) = E + A/N^α + B/D^β, without noise.
const lawLoss = (params: number, tokens: number) => 1.69 + 406.4 / params ** 0.34 + 410.7 / tokens ** 0.28

const resultOf = (run: RunSpec): RunResult => ({
  id: run.id,
  status: "completed",
  val_loss: lawLoss(run.params, run.tokens),
  train_loss: lawLoss(run.params, run.tokens),
  params: run.params,
  tokens: run.tokens,
  flops: run.flops,
  steps: 1,
  backend: "stand-in",
  wall_s: 0.01,
  tokens_per_s: 1e6
})

/** Records the runs as trained to the law, as the sweep would. */
const recordTrained = (runs: ReadonlyArray<RunSpec>) =>
  Effect.gen(function*() {
    const store = yield* RunStore
    yield* store.upsertExperiment(experiment.name, null)
    yield* store.recordPlanned(runs)
    for (const run of runs) yield* store.markCompleted(run.id, null, resultOf(run))
  })

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-backtest-library-"))
  const plan = await Effect.runPromise(planExperiment(experiment, dir))
  const below = plan.runs.map(({ run }) => run).filter((run) => run.budget < top)
  await Effect.runPromise(recordTrained(below).pipe(Effect.provide(RunStore.layer(dir))))
})
afterEach(() => rm(dir, { recursive: true, force: true }))

const options = (): BacktestOptions => ({
  storeDir: dir,
  cutoff: Option.some(top),
  bootstrap: { resamples: 0, seed: 1 },
  lossLaw: "parametric",
  out: Option.none(),
  concurrency: Option.none()
})

/** A stand-in for the executor: records what it was handed as trained, or fails every run. */
const standInTrain = (fail: boolean) => {
  const handed: Array<ReadonlyArray<RunSpec>> = []
  const train = ({ runs }: { readonly runs: ReadonlyArray<RunSpec> }) =>
    Effect.gen(function*() {
      handed.push(runs)
      if (fail) return { completed: [], failed: runs.map((run) => ({ id: run.id, reason: "stand-in failure" })), skipped: 0 } satisfies SweepOutcome
      yield* recordTrained(runs)
      return { completed: runs.map(resultOf), failed: [], skipped: 0 } satisfies SweepOutcome
    })
  return { handed, train }
}

describe("backtestExperiment", () => {
  it("trains the forecast optima through `train`, compares them with the forecast, writes backtest.json, and reads them the second time", async () => {
    const first = standInTrain(false)
    const { result, files } = await Effect.runPromise(backtestExperiment(experiment, "sweep.yaml", options(), first.train))
    expect(first.handed).toHaveLength(1)
    const trained = first.handed[0]!
    expect(trained.length).toBeGreaterThan(0)
    expect(trained.every((run) => run.budget === top)).toBe(true)

    expect(result.mode).toBe("single")
    expect(result.cutoffs).toEqual([top])
    const [backtest] = result.backtests
    expect(backtest!.fit_budgets).toEqual([1e11, 1e12])
    expect(backtest!.held_out_budgets).toEqual([top])
    expect(result.runs_trained).toBe(trained.length)
    expect(result.runs_read).toBe(0)
    const [heldOut] = backtest!.held_out
    expect(heldOut!.truth_runs.map((run) => run.id)).toEqual(trained.map((run) => run.id))
    expect(heldOut!.truth_runs.every((run) => run.trained)).toBe(true)
    // The parametric law fitted on noiseless runs of the law forecasts the truth run's loss.
    const loss = heldOut!.comparisons.find((comparison) => comparison.quantity === "loss")!
    expect(loss.actual).toBeCloseTo(lawLoss(trained[0]!.params, trained[0]!.tokens), 10)
    expect(Math.abs(loss.error)).toBeLessThan(0.005)

    expect(files.jsonPath).toBe(join(dir, "reports", experiment.name, "backtest", "backtest.json"))
    expect(JSON.parse(readFileSync(files.jsonPath, "utf8"))).toMatchObject({ runs_trained: trained.length, cutoffs: [top] })

    const second = standInTrain(false)
    const again = await Effect.runPromise(backtestExperiment(experiment, "sweep.yaml", options(), second.train))
    expect(second.handed).toHaveLength(0)
    expect(again.result.runs_trained).toBe(0)
    expect(again.result.runs_read).toBe(trained.length)
  })

  it("rolls over every cutoff, trains each distinct truth run once, and counts coverage at every level over all cutoffs", async () => {
    // The sweep at 1e13 too, so that the rolling backtest can fit below 1e14 and measure 1e13's own minimum.
    const plan = await Effect.runPromise(planExperiment(fourBudgets, dir))
    await Effect.runPromise(recordTrained(plan.runs.map(({ run }) => run).filter((run) => run.budget === top)).pipe(Effect.provide(RunStore.layer(dir))))
    const train = standInTrain(false)
    const rolling = { ...options(), cutoff: Option.none(), bootstrap: { resamples: 60, seed: 3 } }
    const { result, files } = await Effect.runPromise(backtestExperiment(fourBudgets, "sweep.yaml", rolling, train.train))

    expect(result.mode).toBe("rolling")
    expect(result.cutoffs).toEqual([top, 1e14])
    expect(result.backtests.map((b) => b.fit_budgets)).toEqual([[1e11, 1e12], [1e11, 1e12, top]])
    expect(result.backtests.map((b) => b.held_out_budgets)).toEqual([[top, 1e14], [1e14]])
    // One training call for both cutoffs, no run handed twice, and every truth run it names among them.
    expect(train.handed).toHaveLength(1)
    const handedIds = train.handed[0]!.map((run) => run.id)
    expect(new Set(handedIds).size).toBe(handedIds.length)
    // A truth run the sweep already trained (the forecast N* fell on one of the sweep's sizes) is read, not trained again.
    const truthRuns = result.backtests.flatMap((b) => b.held_out.flatMap((h) => h.truth_runs))
    const trainedIds = new Set(truthRuns.filter((run) => run.trained).map((run) => run.id))
    const readIds = new Set(truthRuns.filter((run) => !run.trained).map((run) => run.id))
    expect([...trainedIds].sort()).toEqual([...handedIds].sort())
    expect(result.runs_trained).toBe(trainedIds.size)
    expect(result.runs_read).toBe(readIds.size)

    // 1e13's own sweep ran: N*, D*, L* are compared there, and N* carries its truth's own standard
    // error, from the curvature and residuals of the budget's minimum.
    const at1e13 = result.backtests[0]!.held_out.find((h) => h.budget === top)!
    expect(at1e13.comparisons.map((c) => c.quantity)).toEqual(["loss", "params_opt", "tokens_opt", "loss_opt"])
    const uncertainty = at1e13.comparisons.find((c) => c.quantity === "params_opt")!.truth_uncertainty
    expect(uncertainty).toMatchObject({ measured: true })
    if (uncertainty?.measured === true) {
      expect(uncertainty.log10_se).toBeGreaterThan(0)
      expect(uncertainty.error_in_se).toBeCloseTo(uncertainty.error_decades / uncertainty.combined_se_decades, 12)
    }

    // Coverage at each level counts each (cutoff, budget, quantity) check at that level, over both cutoffs.
    const checks = result.backtests.flatMap((b) => b.held_out.flatMap((h) => h.comparisons.flatMap((c) => c.by_level)))
    expect(result.coverage_by_level.map((c) => c.level)).toEqual([0.5, 0.8, 0.9, 0.95])
    for (const coverage of result.coverage_by_level) {
      const atLevel = checks.filter((check) => check.level === coverage.level)
      expect(coverage.compared).toBe(atLevel.length)
      expect(coverage.inside).toBe(atLevel.filter((check) => check.inside).length)
    }
    expect(result.coverage_by_level[1]!.compared).toBeGreaterThan(0)
    // Wider levels hold at least what narrower ones do: the intervals are percentiles of one set of replicates.
    const inside = result.coverage_by_level.map((c) => c.inside)
    expect([...inside].sort((p, q) => p - q)).toEqual(inside)
    expect(files.plotPaths.some((file) => file.endsWith("backtest-calibration.png"))).toBe(true)
  }, 120_000)

  it("ends in SweepIncomplete, writing nothing, when truth runs fail", async () => {
    const failing = standInTrain(true)
    const error = await Effect.runPromise(Effect.flip(backtestExperiment(experiment, "sweep.yaml", options(), failing.train)))
    expect(error._tag).toBe("SweepIncomplete")
    expect(error._tag === "SweepIncomplete" && error.failed).toEqual(failing.handed[0]!.map((run) => run.id))
    expect(existsSync(join(dir, "reports"))).toBe(false)
  })

  it("says there is nothing to backtest without a store, and never trains", async () => {
    const train = standInTrain(false)
    const error = await Effect.runPromise(Effect.flip(
      backtestExperiment(experiment, "sweep.yaml", { ...options(), storeDir: join(dir, "elsewhere") }, train.train)
    ))
    expect(error._tag).toBe("BacktestNotPossible")
    expect(error.message).toContain(`sweep.yaml: no run store at ${join(dir, "elsewhere")}`)
    expect(train.handed).toHaveLength(0)
  })
})
