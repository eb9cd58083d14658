import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import type { Backend, RunSpec } from "@scalelab/spec"
import { wasmSpeedFlags } from "@scalelab/train/node-flags"
import { ThroughputProbeReport, type ThroughputProbeRequest } from "@scalelab/train/throughput-report"
import { Data, Effect, Schema } from "effect"

/** The probe could not measure: why, and how to plan without it. */
export class ThroughputProbeFailed extends Data.TaggedError("ThroughputProbeFailed")<{ readonly reason: string }> {
  override get message() {
    return `Could not measure this machine's training speed: ${this.reason.trim().replace(/\.$/, "")}. ` +
      "`scalelab plan --no-estimate` plans without it; `node --import tsx packages/train/src/backend/backendCheck.ts NAME` " +
      "shows whether a backend starts."
  }
}

/** A probe measures a few steps of each of these runs on a backend and says how fast they went. */
export type ThroughputProbe = (backend: Backend, runs: ReadonlyArray<RunSpec>) => Effect.Effect<ThroughputProbeReport, ThroughputProbeFailed>

// About a second per run keeps the first plan on a machine short (a few anchor runs, see
// runTimeEstimate.ts) while timing several steps of all but the largest models.
const secondsPerRun = 1
// Start-up (tsx, tfjs, backend selection, the corpus) takes seconds; a single step of a very large
// model on a CPU backend can take minutes, and then a plan should not wait for it.
const probeTimeoutSeconds = 120

const decodeReport = Schema.decodeUnknownEffect(Schema.fromJsonString(ThroughputProbeReport))

const runProbeProcess = (input: string, signal: AbortSignal): Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string; readonly timedOut: boolean }> =>
  new Promise((resolve, reject) => {
    // Started like a worker (workerCommand.ts): the same node flags, so the same wasm kernels.
    const child = spawn(
      process.execPath,
      [...wasmSpeedFlags, "--import", import.meta.resolve("tsx"), fileURLToPath(import.meta.resolve("@scalelab/train/throughput-probe"))],
      { stdio: ["pipe", "pipe", "pipe"], timeout: probeTimeoutSeconds * 1000, signal }
    )
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.on("error", reject)
    child.on("close", (code, killedBy) => resolve({ code, stdout, stderr, timedOut: code === null && killedBy === "SIGTERM" }))
    child.stdin.end(input)
  })

/** The trainer's probe process (packages/train/src/throughput/throughputProbe.ts), run once for all the runs given. */
export const processProbe = (cacheDirectory: string): ThroughputProbe => (backend, runs) =>
  Effect.gen(function* () {
    const request: ThroughputProbeRequest = { backend, runs, seconds_per_run: secondsPerRun, cache_directory: cacheDirectory }
    const outcome = yield* Effect.tryPromise({
      try: (signal) => runProbeProcess(JSON.stringify(request), signal),
      catch: (error) => new ThroughputProbeFailed({ reason: `the probe process did not start (${String(error)})` })
    })
    if (outcome.timedOut) {
      return yield* new ThroughputProbeFailed({
        reason: `the probe did not finish within ${probeTimeoutSeconds} s (a single training step of the largest run may take that long on this backend)`
      })
    }
    if (outcome.code !== 0) {
      return yield* new ThroughputProbeFailed({ reason: `the probe exited with code ${String(outcome.code)}: ${outcome.stderr.trim()}` })
    }
    return yield* decodeReport(outcome.stdout).pipe(
      Effect.mapError((error) => new ThroughputProbeFailed({ reason: `the probe's answer is not a ThroughputProbeReport (${error.message})` }))
    )
  })
