// A store with one experiment (two completed runs, one running, a recorded fit), optionally a
// second one to overlay, and the dashboard serving it on a free port, for the server's tests and
// the browser tests.
import { type FitRecord, RunStore } from "@scalelab/runner"
import type { MetricLine, RunResult, RunSpec } from "@scalelab/spec"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { HttpServer } from "effect/http"
import { appendFileSync, mkdirSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { sweep, truth, withComputeMultiplier } from "../../laws/test/synthetic.ts"
import { makeRun } from "../../runner/test/fixtures.ts"
import { dashboardServer } from "../src/index.ts"

export const experiment = "toy-sweep"

/** A run of the experiment with the runner tests' spec fields, at its own size and budget. */
export const runSpec = (id: string, params: number, budget: number, experimentName = experiment): RunSpec => {
  const tokens = Math.round(budget / (6 * params))
  return { ...makeRun(0, experimentName), id, budget, params, params_non_embedding: params - 2048, tokens, flops: 6 * params * tokens }
}

/** Training lines falling towards `floor`, with an evaluation line every fifth step. */
export const metricLines = (count: number, from = 0, floor = 1.5): Array<MetricLine> =>
  Array.from({ length: count }, (_, index) => {
    const step = from + index + 1
    const loss = floor + 5 / Math.sqrt(step)
    return { step, tokens: step * 2048, flops: step * 1e9, loss, ...(step % 5 === 0 ? { val_loss: loss + 0.1 } : {}) }
  })

const optimalParams = 200_000

/** The final loss of a run of `params` on the stored fit's parabola (minimum 2.9 at 200k). */
export const lossOnParabola = (params: number): number => 2.9 + 0.25 * Math.log10(params / optimalParams) ** 2

const resultOf = (run: RunSpec, loss: number): RunResult => ({
  id: run.id,
  status: "completed",
  val_loss: loss,
  train_loss: loss - 0.05,
  params: run.params,
  tokens: run.tokens,
  flops: run.flops,
  steps: 20,
  backend: "wasm",
  wall_s: 3,
  tokens_per_s: 1000
})

/** Where the running run's training loss is heading. */
export const liveFloor = 1.5

export const runs = {
  small: runSpec("aaaa000000000001", 100_000, 1e13),
  large: runSpec("aaaa000000000002", 400_000, 1e13),
  live: runSpec("aaaa000000000003", 200_000, 1e13)
}

export const storedFit: FitRecord = {
  isoflop: {
    budgets: [{
      budget: 1e13,
      n_points: 2,
      params_opt: optimalParams,
      tokens_opt: 8e6,
      loss_opt: 2.9,
      bracketed: true,
      convex: true,
      params_range: [100_000, 400_000],
      parabola_params: {
        c0: 2.9 + 0.25 * Math.log10(optimalParams) ** 2,
        c1: -0.5 * Math.log10(optimalParams),
        c2: 0.25
      },
      parabola_tokens: { c0: 3, c1: 0, c2: 0.1 }
    }],
    params_opt: { k: 0.3, a: 0.5 },
    tokens_opt: { k: 0.5, b: 0.5 },
    loss_opt: { k: 30, c: -0.05 },
    r2s: { params: 0.99, tokens: 0.99, loss: 0.98 },
    used_budgets: [1e13],
    excluded_budgets: []
  },
  forecast: [{ compute: 1e15, params: 2e6, tokens: 8e7, loss: 2.5 }]
}

export const withStore = <A, E>(storeDir: string, body: Effect.Effect<A, E, RunStore>) =>
  Effect.runPromise(body.pipe(Effect.provide(RunStore.layer(storeDir))))

/** Appends lines to a run folder's metrics.jsonl, as a worker does while it trains. */
export const appendMetricLines = (storeDir: string, id: string, lines: ReadonlyArray<MetricLine>) => {
  const folder = join(storeDir, "runs", id)
  mkdirSync(folder, { recursive: true })
  appendFileSync(join(folder, "metrics.jsonl"), lines.map((line) => `${JSON.stringify(line)}\n`).join(""))
}

export const makeFixtureStore = async (): Promise<string> => {
  const storeDir = mkdtempSync(join(tmpdir(), "scalelab-dashboard-"))
  await withStore(storeDir, Effect.gen(function*() {
    const store = yield* RunStore
    yield* store.upsertExperiment(experiment, null)
    yield* store.recordPlanned(Object.values(runs))
    for (const [run, floor] of [[runs.small, 1.8], [runs.large, 1.2]] as const) {
      const attempt = yield* store.startAttempt(run.id, { executor: "local", lr: 0.003 })
      yield* store.markCompleted(run.id, attempt, resultOf(run, lossOnParabola(run.params)), metricLines(20, 0, floor))
    }
    yield* store.startAttempt(runs.live.id, { executor: "local", lr: 0.003 })
    yield* store.recordFit(experiment, storedFit)
  }))
  appendMetricLines(storeDir, runs.live.id, metricLines(6, 0, liveFloor))
  return storeDir
}

/** A second experiment, for the overlay: finished runs at two budgets, a fit with power laws and a parametric law. */
export const secondExperiment = "toy-moe"

const secondRuns = [
  runSpec("bbbb000000000001", 50_000, 1e13, secondExperiment),
  runSpec("bbbb000000000002", 100_000, 1e13, secondExperiment),
  runSpec("bbbb000000000003", 200_000, 1e13, secondExperiment),
  runSpec("bbbb000000000004", 100_000, 1e14, secondExperiment),
  runSpec("bbbb000000000005", 200_000, 1e14, secondExperiment),
  runSpec("bbbb000000000006", 400_000, 1e14, secondExperiment)
]

/** The second experiment's losses: parabolas with minima 2.7 at 100k (1e13) and 2.4 at 200k (1e14). */
const secondLoss = (run: RunSpec) => {
  const [optimum, floor] = run.budget === 1e13 ? [100_000, 2.7] : [200_000, 2.4]
  return floor + 0.25 * Math.log10(run.params / optimum) ** 2
}

const secondBudget = (budget: number, optimum: number, floor: number) => ({
  budget,
  n_points: 3,
  params_opt: optimum,
  tokens_opt: budget / (6 * optimum),
  loss_opt: floor,
  bracketed: true,
  convex: true,
  params_range: [optimum / 2, optimum * 2] as [number, number],
  parabola_params: { c0: floor + 0.25 * Math.log10(optimum) ** 2, c1: -0.5 * Math.log10(optimum), c2: 0.25 },
  parabola_tokens: { c0: 3, c1: 0, c2: 0.1 }
})

export const secondFit: FitRecord = {
  isoflop: {
    budgets: [secondBudget(1e13, 100_000, 2.7), secondBudget(1e14, 200_000, 2.4)],
    params_opt: { k: 100_000 / 1e13 ** 0.301, a: 0.301 },
    tokens_opt: { k: 1e13 / (6 * 100_000) / 1e13 ** 0.699, b: 0.699 },
    loss_opt: { k: 10, c: -0.05 },
    r2s: { params: 1, tokens: 1, loss: 1 },
    used_budgets: [1e13, 1e14],
    excluded_budgets: []
  },
  forecast: [{ compute: 1e15, params: 4e5, tokens: 4.2e8, loss: 2.2 }],
  parametric: {
    // Close to the minima above: 2.66 at (100k, 1.7e7), 2.40 at (200k, 8.3e7).
    E: 1.8,
    A: 25,
    B: 60,
    alpha: 0.35,
    beta: 0.3,
    objective: 0.001,
    n_points: 6,
    starts: 32,
    converged_starts: 30,
    residuals: [0, 0, 0, 0, 0, 0],
    diagnostics: { r2_log: 0.99, rms_log_residual: 0.01 }
  }
}

/** The fixture store with the second experiment added beside the first. */
export const makeOverlayStore = async (): Promise<string> => {
  const storeDir = await makeFixtureStore()
  await withStore(storeDir, Effect.gen(function*() {
    const store = yield* RunStore
    yield* store.upsertExperiment(secondExperiment, null)
    yield* store.recordPlanned(secondRuns)
    for (const run of secondRuns) {
      const attempt = yield* store.startAttempt(run.id, { executor: "local", lr: 0.003 })
      yield* store.markCompleted(run.id, attempt, resultOf(run, secondLoss(run)), metricLines(20, 0, secondLoss(run) - 0.2))
    }
    yield* store.recordFit(secondExperiment, secondFit)
  }))
  return storeDir
}

/** The experiments of the comparison store: a baseline and a candidate that is a known 2× compute multiplier over it. */
export const comparedExperiments = { baseline: "dense", candidate: "double" } as const

/**
 * A store with two experiments swept from known laws (five budgets of seven sizes, 1% noise): the
 * second needs half the compute of the first for any loss, so the multiplier is 2 throughout.
 */
export const makeComparisonStore = async (): Promise<string> => {
  const storeDir = mkdtempSync(join(tmpdir(), "scalelab-dashboard-compare-"))
  const budgets = [1e17, 1e18, 1e19, 1e20, 1e21]
  const laws = [[comparedExperiments.baseline, truth, 31], [comparedExperiments.candidate, withComputeMultiplier(truth, 2), 33]] as const
  await withStore(storeDir, Effect.gen(function*() {
    const store = yield* RunStore
    for (const [index, [name, law, seed]] of laws.entries()) {
      yield* store.upsertExperiment(name, null)
      const points = sweep({ law, noise: 0.01, seed, budgets, sizes: 7, span: 16 })
      const planned = points.map((point, nth) => ({ run: runSpec(`cmp${index}${String(nth).padStart(4, "0")}`, Math.round(point.params), point.budget, name), loss: point.loss }))
      yield* store.recordPlanned(planned.map(({ run }) => run))
      for (const { run, loss } of planned) {
        const attempt = yield* store.startAttempt(run.id, { executor: "local", lr: 0.003 })
        yield* store.markCompleted(run.id, attempt, resultOf(run, loss), [])
      }
    }
  }))
  return storeDir
}

export interface RunningDashboard {
  readonly url: string
  readonly port: number
  readonly close: () => Promise<void>
}

/** Serves the store's dashboard on a free port of 127.0.0.1 until `close`. */
export const startDashboard = async (storeDir: string): Promise<RunningDashboard> => {
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(dashboardServer({ storeDir, port: 0 }), scope))
  const { address } = Context.get(context, HttpServer.HttpServer)
  if (!("port" in address)) throw new Error(`the dashboard listens on ${JSON.stringify(address)}, not a TCP port`)
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
