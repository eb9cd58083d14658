// How long each planned run and the whole sweep will take on this machine, from the best evidence at
// hand: a completed run's own speed, then a completed run of the same shape, then the throughput
// probe (packages/train/src/throughput/throughputProbe.ts), measured once per machine and cached.
import { existsSync, readFileSync } from "node:fs"
import { availableParallelism } from "node:os"
import { join } from "node:path"
import { flopsPerToken } from "@scalelab/laws"
import { canonicalJson, type Plan } from "@scalelab/planner"
import { databasePath, largestFirst, makespan, RunStore, runFolderPath, runSpecFile, type StoreError } from "@scalelab/runner"
import { Backend, ModelShape, type RunSpec, type TrainedSpec } from "@scalelab/spec"
import { trainerVersion } from "@scalelab/train/throughput-report"
import { Data, Effect, Option, Schema } from "effect"
import { tokenizerCacheDir } from "../workerCommand.ts"
import { type MachineFingerprint, thisMachine } from "./machineFingerprint.ts"
import { cachedThroughput, type ThroughputCacheError, type ThroughputMeasurement } from "./throughputCache.ts"
import { processProbe, type ThroughputProbe, type ThroughputProbeFailed } from "./throughputProbe.ts"

/** Where a run's speed comes from, best first. */
export type EstimateSource =
  | "completed" // the run itself, already trained
  | "same-shape" // a completed run of the same model shape
  | "measured" // the probe timed this run's workload
  | "interpolated" // the probe's FLOP/s at nearby workloads

export interface RunEstimate {
  readonly id: string
  readonly tokens_per_s: number
  /** Training time: the run's tokens over tokens_per_s. */
  readonly seconds: number
  readonly source: EstimateSource
}

/** A workload the probe measured, as the summary shows it. */
export interface ThroughputPoint {
  readonly d_model: number
  readonly layers: number
  readonly batch_tokens: number
  readonly tokens_per_s: number
}

export interface ProbeEvidence {
  /** The backend that trained, what it ran on, and the oldest of the measurements used. */
  readonly backend: string
  readonly device: string
  readonly measured_at: string
  /** Wall seconds of the probe run for this estimate; absent when every measurement came from the cache. */
  readonly probe_seconds?: number
  readonly points: ReadonlyArray<ThroughputPoint>
}

export interface RunTimeEstimate {
  /** Every run of the plan, in plan order. */
  readonly runs: ReadonlyArray<RunEstimate>
  /** Runs training at once. */
  readonly concurrency: number
  /** The whole sweep from scratch, on `concurrency` workers, largest runs first (as runSweep starts them). */
  readonly sweep_seconds: number
  /** The same for the runs not yet completed: what `scalelab run` would take now. */
  readonly remaining_seconds: number
  /** Present when some run's speed came from the probe. */
  readonly probe?: ProbeEvidence
}

/** The estimate times the built-in trainer on this machine, which says nothing of another executor's runs. */
export class EstimateUnavailable extends Data.TaggedError("EstimateUnavailable")<{ readonly executor: string }> {
  override get message() {
    return `No time estimate: execution.executor is \`${this.executor}\`, and the estimate times the built-in ` +
      "trainer on this machine (`executor: local`)."
  }
}

export type EstimateError = EstimateUnavailable | StoreError | ThroughputCacheError | ThroughputProbeFailed

export interface EstimateOptions {
  /** Workers at once; by default the spec's execution.concurrency (auto: this machine's cores). */
  readonly concurrency?: number
  /** Stand-ins for this machine's probe and fingerprint (tests). */
  readonly probe?: ThroughputProbe
  readonly machine?: MachineFingerprint
}

/**
 * What a run's speed depends on. Completed runs outside the plan are read from their run.json this
 * loosely, since one written by an older scalelab may lack fields added since; a run without a
 * `trainer` predates external trainers, so the built-in one trained it.
 */
const SpeedFactors = Schema.Struct({
  shape: ModelShape,
  backend: Backend,
  training: Schema.Struct({ batch_tokens: Schema.Int }),
  trainer: Schema.optionalKey(Schema.String)
})
type SpeedFactors = typeof SpeedFactors.Type

/** A completed run's measured speed, and what it was measured on. */
interface CompletedRun {
  readonly id: string
  readonly factors: SpeedFactors
  readonly tokens_per_s: number
}

const decodeSpeedFactors = Schema.decodeUnknownOption(Schema.fromJsonString(SpeedFactors))

/**
 * What a run outside the plan (of an earlier version of the spec) was trained on, from its run
 * folder. A folder that is gone or unreadable only means one piece of evidence less.
 */
const storedSpeedFactors = (storeDir: string, id: string): Option.Option<SpeedFactors> => {
  try {
    return decodeSpeedFactors(readFileSync(join(runFolderPath(storeDir, id), runSpecFile), "utf8"))
  } catch {
    return Option.none()
  }
}

/** Completed runs of the experiment and their speeds; none without a store (opening one would create it). */
const completedRuns = (experiment: TrainedSpec, plan: Plan, storeDir: string): Effect.Effect<ReadonlyArray<CompletedRun>, StoreError> => {
  if (!existsSync(databasePath(storeDir))) return Effect.succeed([])
  const planned = new Map<string, SpeedFactors>(plan.runs.map(({ run }) => [run.id, run]))
  return Effect.gen(function* () {
    const rows = yield* (yield* RunStore).results(experiment.name)
    return rows.flatMap((row) => {
      const factors = Option.fromUndefinedOr(planned.get(row.run_id)).pipe(Option.orElse(() => storedSpeedFactors(storeDir, row.run_id)))
      return Option.isSome(factors) && row.tokens_per_s > 0 ? [{ id: row.run_id, factors: factors.value, tokens_per_s: row.tokens_per_s }] : []
    })
  }).pipe(Effect.provide(RunStore.layer(storeDir)))
}

/** The completed run of the same shape, backend setting and trainer whose batch is nearest this run's. */
const sameShape = (run: SpeedFactors, completed: ReadonlyArray<CompletedRun>): CompletedRun | undefined => {
  const shape = canonicalJson(run.shape)
  const sameTrainer = (other: SpeedFactors) => other.trainer === undefined || other.trainer === run.trainer
  const distance = (other: CompletedRun) => Math.abs(Math.log(other.factors.training.batch_tokens / run.training.batch_tokens))
  return completed
    .filter(({ factors }) => factors.backend === run.backend && sameTrainer(factors) && canonicalJson(factors.shape) === shape)
    .sort((a, b) => distance(a) - distance(b))[0]
}

// The probe times the runs at a few anchor widths and the others are interpolated: FLOP/s (exact
// count) log-linearly in d_model, constant beyond the anchors. FLOP/s moves slowly and smoothly
// with width, climbing from per-kernel overhead towards the backend's peak as the products grow,
// while tokens/s falls about as 1/N and would interpolate badly; depth and vocabulary enter through
// the exact FLOPs per token. Checked on test/fixtures/e2e-sweep.yaml (six runs, d_model 8-40, 1-3
// layers, batches of 320-5888 tokens), every run probed directly in one process and the estimator
// given those measurements for its anchors (d_model 8, 16, 40), three probes: two of the three
// other runs came within 0-23% of their direct measurement; the third, d_model 24 with the
// smallest batch (5 sequences), came out 38-128% too fast, since at that size a step's time is
// per-kernel overhead that only the batch, not the width, tells apart. Against FLOPs per step,
// params, or FLOPs per step and layer instead of d_model, errors reached 42-130%.
const logWidth = (shape: ModelShape): number => Math.log(shape.d_model)
const flopsPerSecond = (measurement: ThroughputMeasurement): number =>
  measurement.tokens_per_s * flopsPerToken(measurement.workload.shape, "exact")

/** A run of the smallest, a middle and the largest d_model (the last of each in plan order): about a second of probe each. */
const anchorRuns = (runs: ReadonlyArray<RunSpec>): ReadonlyArray<RunSpec> => {
  const byWidth = [...new Map(runs.map((run) => [run.shape.d_model, run])).values()].sort((a, b) => a.shape.d_model - b.shape.d_model)
  const picks = new Set([0, Math.floor((byWidth.length - 1) / 2), byWidth.length - 1])
  return byWidth.filter((_, index) => picks.has(index))
}

interface FlopRatePoint {
  readonly logWidth: number
  readonly logFlopsPerSecond: number
}

/** One point per measured width (the mean in logs where several workloads share one), by width. */
const flopRatePoints = (measurements: ReadonlyArray<ThroughputMeasurement>): ReadonlyArray<FlopRatePoint> => {
  const byWidth = new Map<number, Array<number>>()
  for (const m of measurements) {
    const width = m.workload.shape.d_model
    byWidth.set(width, [...(byWidth.get(width) ?? []), Math.log(flopsPerSecond(m))])
  }
  return [...byWidth]
    .map(([width, logs]) => ({ logWidth: Math.log(width), logFlopsPerSecond: logs.reduce((a, b) => a + b, 0) / logs.length }))
    .sort((a, b) => a.logWidth - b.logWidth)
}

const interpolatedFlopsPerSecond = (points: ReadonlyArray<FlopRatePoint>, x: number): number => {
  const first = points[0] as FlopRatePoint
  const last = points[points.length - 1] as FlopRatePoint
  if (x <= first.logWidth) return Math.exp(first.logFlopsPerSecond)
  if (x >= last.logWidth) return Math.exp(last.logFlopsPerSecond)
  const upper = points.findIndex((point) => point.logWidth >= x)
  const a = points[upper - 1] as FlopRatePoint
  const b = points[upper] as FlopRatePoint
  const t = (x - a.logWidth) / (b.logWidth - a.logWidth)
  return Math.exp(a.logFlopsPerSecond + t * (b.logFlopsPerSecond - a.logFlopsPerSecond))
}

/**
 * The sweep's wall time: runs start largest FLOPs first, as runSweep starts them, each on the first
 * worker to come free (list scheduling).
 */
export const sweepSeconds = (runs: ReadonlyArray<{ readonly flops: number; readonly seconds: number }>, workers: number): number =>
  makespan(largestFirst(runs, (run) => run.flops).map((run) => run.seconds), workers)

const probeEvidence = (measurements: ReadonlyArray<ThroughputMeasurement>, probeSeconds: number | undefined): ProbeEvidence => {
  const oldest = measurements.reduce((a, b) => (Date.parse(a.measured_at) <= Date.parse(b.measured_at) ? a : b))
  return {
    backend: oldest.backend,
    device: oldest.device,
    measured_at: oldest.measured_at,
    ...(probeSeconds === undefined ? {} : { probe_seconds: probeSeconds }),
    points: measurements
      .map((m) => ({ d_model: m.workload.shape.d_model, layers: m.workload.shape.layers, batch_tokens: m.workload.batch_tokens, tokens_per_s: m.tokens_per_s }))
      .sort((a, b) => a.d_model - b.d_model || a.layers - b.layers || a.batch_tokens - b.batch_tokens)
  }
}

/**
 * The estimated training time of every run of the plan and of the sweep. The first estimate on a
 * machine runs the probe (a few seconds); later ones read its measurements from `<store>/cache/`.
 */
export const estimateRunSeconds = (
  experiment: TrainedSpec,
  plan: Plan,
  storeDir: string,
  options: EstimateOptions = {}
): Effect.Effect<RunTimeEstimate, EstimateError> =>
  Effect.gen(function* () {
    const executor: string = experiment.execution.executor
    if (executor !== "local") return yield* new EstimateUnavailable({ executor })
    const concurrency = options.concurrency ??
      (experiment.execution.concurrency === "auto" ? availableParallelism() : experiment.execution.concurrency)
    const completed = yield* completedRuns(experiment, plan, storeDir)
    const completedById = new Map(completed.map((run) => [run.id, run]))

    const estimates = new Map<string, RunEstimate>()
    const estimate = (run: RunSpec, tokens_per_s: number, source: EstimateSource) =>
      estimates.set(run.id, { id: run.id, tokens_per_s, seconds: run.tokens / tokens_per_s, source })
    const unmeasured: Array<RunSpec> = []
    for (const { run } of plan.runs) {
      const own = completedById.get(run.id)
      const similar = own === undefined ? sameShape(run, completed) : undefined
      if (own !== undefined) estimate(run, own.tokens_per_s, "completed")
      else if (similar !== undefined) estimate(run, similar.tokens_per_s, "same-shape")
      else unmeasured.push(run)
    }

    let probe: ProbeEvidence | undefined
    if (unmeasured.length > 0) {
      const cache = {
        directory: tokenizerCacheDir(storeDir),
        conditions: { backend_request: experiment.execution.backend, trainer_version: trainerVersion, machine: options.machine ?? thisMachine() },
        probe: options.probe ?? processProbe(tokenizerCacheDir(storeDir))
      }
      const { measurements, probeSeconds } = yield* cachedThroughput(cache, anchorRuns(unmeasured), unmeasured)
      const measured = [...new Map([...measurements.values()].map((m) => [canonicalJson(m.workload), m])).values()]
      const points = flopRatePoints(measured)
      for (const run of unmeasured) {
        const own = measurements.get(run.id)
        if (own !== undefined) estimate(run, own.tokens_per_s, "measured")
        else estimate(run, interpolatedFlopsPerSecond(points, logWidth(run.shape)) / flopsPerToken(run.shape, "exact"), "interpolated")
      }
      probe = probeEvidence(measured, probeSeconds)
    }

    const runs = plan.runs.map(({ run }) => estimates.get(run.id) as RunEstimate)
    const timed = plan.runs.map(({ run }, index) => ({ flops: run.flops, seconds: (runs[index] as RunEstimate).seconds, done: completedById.has(run.id) }))
    return {
      runs,
      concurrency,
      sweep_seconds: sweepSeconds(timed, concurrency),
      remaining_seconds: sweepSeconds(timed.filter((run) => !run.done), concurrency),
      ...(probe === undefined ? {} : { probe })
    }
  })
