// The throughput probe: `node --import tsx packages/train/src/throughput/throughputProbe.ts`, started with the
// trainer's node flags (nodeFlags.ts) like a worker, reads a ThroughputProbeRequest as JSON on stdin,
// times a few training steps of each run and prints a ThroughputProbeReport as JSON on stdout;
// `scalelab plan` estimates wall times from it. It builds each run's own model, optimiser state and
// batches and times the trainer's own step (trainingStep, as trainRun and bench/train.ts do), so the
// speed it sees is the speed a worker would see.
// Exit codes: 0 measured, 2 a request that does not decode, 1 anything else (the message on stderr).
import { text } from "node:stream/consumers"
import type { RunSpec } from "@scalelab/spec"
import * as tf from "@tensorflow/tfjs-core"
import { Schema } from "effect"
import { type BackendName, selectBackend } from "../backend/backend.ts"
import { sequencesPerStep } from "../data/batches.ts"
import { disposeConstants, modelConstants } from "../model/model.ts"
import { disposeAdamWState, initialAdamWState } from "../optim/optimizer.ts"
import { initialParameters, parameterLayout, weightTensors } from "../model/parameters.ts"
import { type RunThroughput, ThroughputProbeReport, ThroughputProbeRequest } from "./throughputReport.ts"
import { type TrainingData, prepareTrainingData, trainingBatch } from "../data/trainingData.ts"
import { trainingStep } from "../run/trainRun.ts"

/**
 * What a step's time is read from. wasm and cpu compute on this process's one thread, so its CPU
 * time is the step's time on a core of its own, whatever else the machine runs meanwhile: a
 * measurement cached for days must not keep a moment's load (on a shared 2-core machine, wall-clock
 * probes a minute apart differed up to 5x). Native and GPU backends compute on threads or devices
 * of their own, which only the wall clock sees.
 */
type StepClock = "cpu" | "wall"
const stepClock = (backend: BackendName): StepClock => (backend === "wasm" || backend === "cpu" ? "cpu" : "wall")

// At least this many timed steps, for a median that one slow step (a GC pause) cannot set; at most
// this many, since more of a fast step adds nothing.
const minTimedSteps = 3
const maxTimedSteps = 20

/**
 * Tokens per second of one run's training step. A first step pays the one-off costs (memory growth,
 * kernel set-up, shader compiles); the batch then grows towards the run's own until a step takes
 * a fifth of the time bound, and the steps at that size are timed. A small model's speed is set by
 * per-kernel overhead, so it is timed at its real batch; a large model's by its products, so a
 * smaller batch than its own (when one step of it would overrun the bound) changes little.
 */
async function timeRun(spec: RunSpec, data: TrainingData, secondsBound: number, clock: StepClock): Promise<RunThroughput> {
  const started = performance.now()
  const context = spec.shape.context
  const layout = parameterLayout(spec.shape)
  const constants = modelConstants(spec.shape, layout, "gather", { documentMasking: spec.data.document_masking })
  let state = initialAdamWState(weightTensors(initialParameters(layout, spec.seed), layout))
  let step = 0
  // A read-back ends each timing: on GPU backends the step's kernels may still be queued.
  const timeStep = async (sequences: number): Promise<number> => {
    const batch = trainingBatch(data, spec.seed, step, sequences, context)
    const wallStarted = performance.now()
    const cpuStarted = process.cpuUsage()
    const previous = state
    const result = trainingStep(state, batch, spec.training.lr, constants, spec)
    state = result.state
    disposeAdamWState(previous)
    await result.loss.data()
    const cpu = process.cpuUsage(cpuStarted)
    const seconds = clock === "cpu" ? (cpu.user + cpu.system) / 1e6 : (performance.now() - wallStarted) / 1000
    tf.dispose([result.loss, result.gradNorm])
    step++
    return seconds
  }
  try {
    const runSequences = sequencesPerStep(spec.tokens, spec.training.batch_tokens, context)[0] ?? 1
    const stepBound = secondsBound / 5
    await timeStep(1)
    let sequences = 1
    let stepSeconds = await timeStep(sequences)
    // A step's time grows at most in proportion to its sequences (its fixed overhead does not grow),
    // so scaling by stepBound / stepSeconds never overshoots the bound but by the doubling. The last
    // step of this loop warms up the size that is then timed.
    while (sequences < runSequences && stepSeconds < stepBound) {
      sequences = Math.min(runSequences, Math.max(2 * sequences, Math.floor((sequences * stepBound) / stepSeconds)))
      stepSeconds = await timeStep(sequences)
    }
    const deadline = started + secondsBound * 1000
    const times: Array<number> = []
    while (times.length < minTimedSteps || (times.length < maxTimedSteps && performance.now() < deadline)) {
      times.push(await timeStep(sequences))
    }
    const median = times.sort((a, b) => a - b)[Math.floor(times.length / 2)] as number
    return {
      id: spec.id,
      tokens_per_s: (sequences * context) / median,
      sequences,
      steps: times.length,
      seconds: (performance.now() - started) / 1000
    }
  } finally {
    disposeAdamWState(state)
    disposeConstants(constants)
  }
}

async function probe(request: ThroughputProbeRequest): Promise<ThroughputProbeReport> {
  const backend = await selectBackend(request.backend)
  const options = request.cache_directory === undefined ? {} : { cacheDirectory: request.cache_directory }
  // The runs of one experiment share their data; prepare it once per distinct setting.
  const prepared = new Map<string, TrainingData>()
  const dataFor = (spec: RunSpec): TrainingData => {
    const key = JSON.stringify([spec.data, spec.shape.vocab, spec.shape.context])
    const known = prepared.get(key)
    if (known !== undefined) return known
    const data = prepareTrainingData(spec, options)
    prepared.set(key, data)
    return data
  }
  // V8 optimises tfjs's JavaScript (op dispatch, gradient bookkeeping) only after it has run a while:
  // untimed, the first run measured was 2-3x slower than the same run timed later in the process.
  const first = request.runs[0]
  const clock = stepClock(backend.name)
  if (first !== undefined) await timeRun(first, dataFor(first), request.seconds_per_run, clock)
  const runs: Array<RunThroughput> = []
  for (const spec of request.runs) runs.push(await timeRun(spec, dataFor(spec), request.seconds_per_run, clock))
  return { backend: backend.name, device: backend.device, runs }
}

const decodeRequest = Schema.decodeUnknownSync(Schema.fromJsonString(ThroughputProbeRequest))
const encodeReport = Schema.encodeSync(Schema.fromJsonString(ThroughputProbeReport))

async function main(): Promise<number> {
  const input = await text(process.stdin)
  let request: ThroughputProbeRequest
  try {
    request = decodeRequest(input)
  } catch (error) {
    process.stderr.write(`the probe's request on stdin is not a ThroughputProbeRequest: ${error instanceof Error ? error.message : String(error)}\n`)
    return 2
  }
  try {
    const report = `${encodeReport(await probe(request))}\n`
    // Written before the explicit exit below, which would otherwise cut a pending write short.
    await new Promise<void>((resolve) => process.stdout.write(report, () => resolve()))
    return 0
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}

// Exit explicitly: backends may hold handles that would otherwise keep the process alive.
process.exit(await main())
