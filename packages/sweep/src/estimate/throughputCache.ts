// Training speeds measured on this machine, kept in the store's cache folder so that only the first
// plan pays for the probe. A measurement holds for one workload (model shape, batch, masking) under
// one backend setting, trainer version and machine; it goes stale after `maxAgeDays`, since the
// machine's load, its drivers and the libraries under the trainer change without its fingerprint
// changing.
import { mkdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { canonicalJson } from "@scalelab/planner"
import { Backend, ModelShape, type RunSpec } from "@scalelab/spec"
import { writeFileAtomically } from "@scalelab/spec/atomic-file"
import { Clock, Data, Effect, Option, Schema } from "effect"
import { MachineFingerprint } from "./machineFingerprint.ts"
import { type ThroughputProbe, ThroughputProbeFailed } from "./throughputProbe.ts"

export const throughputCacheFileName = "throughput.json"
export const maxAgeDays = 14
const dayMs = 24 * 3600 * 1000

/** What sets a training step's speed, apart from the machine: the model, the tokens per step, and the attention mask. */
export const ThroughputWorkload = Schema.Struct({
  shape: ModelShape,
  batch_tokens: Schema.Int,
  document_masking: Schema.Boolean
})
export type ThroughputWorkload = typeof ThroughputWorkload.Type

export const workloadOf = (run: RunSpec): ThroughputWorkload => ({
  shape: run.shape,
  batch_tokens: run.training.batch_tokens,
  document_masking: run.data.document_masking
})

/** What a cached measurement must have been made under to count. */
export const MeasurementConditions = Schema.Struct({
  backend_request: Backend,
  trainer_version: Schema.String,
  machine: MachineFingerprint
})
export type MeasurementConditions = typeof MeasurementConditions.Type

export const ThroughputMeasurement = Schema.Struct({
  ...MeasurementConditions.fields,
  workload: ThroughputWorkload,
  /** The backend that trained (what `auto` chose) and what it ran on. */
  backend: Schema.String,
  device: Schema.String,
  tokens_per_s: Schema.Finite,
  measured_at: Schema.String // ISO 8601
})
export type ThroughputMeasurement = typeof ThroughputMeasurement.Type

const ThroughputCacheFile = Schema.Struct({
  format: Schema.Literal(1),
  measurements: Schema.Array(ThroughputMeasurement)
})
const decodeCacheFile = Schema.decodeUnknownOption(Schema.fromJsonString(ThroughputCacheFile))

/** The cache file could not be read or written for a reason other than its absence. */
export class ThroughputCacheError extends Data.TaggedError("ThroughputCacheError")<{
  readonly path: string
  readonly cause: unknown
}> {
  override get message() {
    const detail = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `Cannot use the throughput cache ${this.path} (${detail}). Check that the store folder is writable, ` +
      "or plan with --no-estimate."
  }
}

export interface ThroughputCache {
  /** The store's cache folder. */
  readonly directory: string
  readonly conditions: MeasurementConditions
  readonly probe: ThroughputProbe
}

export interface CachedThroughput {
  /** By run id: the measurement of the run's workload, from the cache or from the probe just now. */
  readonly measurements: ReadonlyMap<string, ThroughputMeasurement>
  /** Wall seconds of the probe when one ran; undefined when the cache held everything needed. */
  readonly probeSeconds: number | undefined
}

const isMissingFile = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT"

// A file that does not decode (an older format, a hand edit) is a cache miss: the next write
// replaces it. One that cannot be read at all is an error the user can fix.
const readMeasurements = (path: string): Effect.Effect<ReadonlyArray<ThroughputMeasurement>, ThroughputCacheError> =>
  Effect.try({
    try: () => {
      try {
        return readFileSync(path, "utf8")
      } catch (error) {
        if (isMissingFile(error)) return undefined
        throw error
      }
    },
    catch: (cause) => new ThroughputCacheError({ path, cause })
  }).pipe(
    Effect.map((text) =>
      text === undefined ? [] : Option.match(decodeCacheFile(text), { onNone: () => [], onSome: (file) => file.measurements })
    )
  )

const writeMeasurements = (directory: string, path: string, measurements: ReadonlyArray<ThroughputMeasurement>) =>
  Effect.try({
    try: () => {
      mkdirSync(directory, { recursive: true })
      writeFileAtomically(path, `${JSON.stringify({ format: 1, measurements }, null, 2)}\n`)
    },
    catch: (cause) => new ThroughputCacheError({ path, cause })
  })

const measurementKey = (conditions: MeasurementConditions, workload: ThroughputWorkload): string =>
  canonicalJson({ conditions, workload })

const keyOf = (measurement: ThroughputMeasurement): string =>
  measurementKey(
    { backend_request: measurement.backend_request, trainer_version: measurement.trainer_version, machine: measurement.machine },
    measurement.workload
  )

/**
 * Measurements for `required` runs (the probe measures those the cache lacks, all in one process)
 * and for any of `welcome` the cache happens to hold. New measurements are written back, replacing
 * older ones of the same key and dropping stale ones, atomically (temporary file and rename), so two
 * plans at once each leave a whole file.
 */
export const cachedThroughput = (
  cache: ThroughputCache,
  required: ReadonlyArray<RunSpec>,
  welcome: ReadonlyArray<RunSpec>
): Effect.Effect<CachedThroughput, ThroughputCacheError | ThroughputProbeFailed> =>
  Effect.gen(function* () {
    const path = join(cache.directory, throughputCacheFileName)
    const now = yield* Clock.currentTimeMillis
    const isFresh = (measurement: ThroughputMeasurement) => now - Date.parse(measurement.measured_at) <= maxAgeDays * dayMs
    const stored = yield* readMeasurements(path)
    const fresh = new Map(stored.filter(isFresh).map((measurement) => [keyOf(measurement), measurement]))
    const keyOfRun = (run: RunSpec) => measurementKey(cache.conditions, workloadOf(run))

    const missing = new Map<string, RunSpec>()
    for (const run of required) if (!fresh.has(keyOfRun(run))) missing.set(keyOfRun(run), run)
    let probeSeconds: number | undefined
    if (missing.size > 0) {
      const started = yield* Clock.currentTimeMillis
      const report = yield* cache.probe(cache.conditions.backend_request, [...missing.values()])
      const finished = yield* Clock.currentTimeMillis
      probeSeconds = (finished - started) / 1000
      const measuredAt = new Date(finished).toISOString()
      for (const [key, run] of missing) {
        const measured = report.runs.find((candidate) => candidate.id === run.id)
        if (measured === undefined) return yield* new ThroughputProbeFailed({ reason: `the probe did not report run ${run.id}` })
        fresh.set(key, {
          ...cache.conditions,
          workload: workloadOf(run),
          backend: report.backend,
          device: report.device,
          tokens_per_s: measured.tokens_per_s,
          measured_at: measuredAt
        })
      }
      yield* writeMeasurements(cache.directory, path, [...fresh.values()])
    }

    const measurements = new Map<string, ThroughputMeasurement>()
    for (const run of [...required, ...welcome]) {
      const measurement = fresh.get(keyOfRun(run))
      if (measurement !== undefined) measurements.set(run.id, measurement)
    }
    return { measurements, probeSeconds }
  })
