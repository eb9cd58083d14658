// What the throughput probe (throughputProbe.ts) is asked on stdin and answers on stdout, as JSON.
// Kept apart from the probe itself and free of tfjs, so that `scalelab plan` can check its cache of
// measurements without loading a tensor library.
import { Backend, RunSpec } from "@scalelab/spec"
import { Schema } from "effect"
import trainPackage from "../../package.json" with { type: "json" }

/** The trainer's package version: a speed measured under another version may no longer hold. */
export const trainerVersion: string = trainPackage.version

export const ThroughputProbeRequest = Schema.Struct({
  /** The experiment's backend setting; the probe selects a backend as a worker would. */
  backend: Backend,
  /** Runs to time: a few steps of each, never the whole run. */
  runs: Schema.Array(RunSpec),
  /** About how long to time each run, warm-up included; one step of a large run may take longer. */
  seconds_per_run: Schema.Finite,
  /** The store's cache folder, where BPE merges are shared with the planner and the workers. */
  cache_directory: Schema.optionalKey(Schema.String)
})
export type ThroughputProbeRequest = typeof ThroughputProbeRequest.Type

export const RunThroughput = Schema.Struct({
  id: Schema.String,
  tokens_per_s: Schema.Finite,
  /** Sequences per timed step: the run's own batch, or fewer where one step of it would overrun the time bound. */
  sequences: Schema.Int,
  /** Timed steps after warm-up; tokens_per_s is from their median. */
  steps: Schema.Int,
  /** Time spent on this run, warm-up included. */
  seconds: Schema.Finite
})
export type RunThroughput = typeof RunThroughput.Type

export const ThroughputProbeReport = Schema.Struct({
  /** The backend that trained, e.g. `wasm` where `auto` was asked for. */
  backend: Schema.String,
  /** What it computed on, e.g. "CPU (wasm simd, 1 thread)". */
  device: Schema.String,
  runs: Schema.Array(RunThroughput)
})
export type ThroughputProbeReport = typeof ThroughputProbeReport.Type
