// A whole run in process: resuming from a checkpoint reproduces the uninterrupted run, a blow-up
// ends `diverged` with the last good checkpoint kept, and nothing leaks.
import type { MetricLine, RunResult, RunSpec } from "@scalelab/spec"
import * as tf from "@tensorflow/tfjs-core"
import { beforeAll, describe, expect, it } from "vitest"
import { selectBackend } from "../src/backend/backend.ts"
import type { Checkpoint } from "../src/run/checkpoint.ts"
import { type CheckpointStore, type TrainOutcome, trainRun } from "../src/run/trainRun.ts"
import { tinySpec } from "./tinySpec.ts"

beforeAll(async () => {
  await selectBackend("wasm")
})

/** 12 steps of 256 tokens: one loss line per step (runs this short log every step). */
const spec: RunSpec = tinySpec({ tokens: 12 * 256, training: { ...tinySpec().training, batch_tokens: 256 } })

class MemoryCheckpoints implements CheckpointStore {
  saved: Array<number> = []
  latest: Checkpoint | undefined
  load = () => this.latest
  save = (checkpoint: Checkpoint) => {
    this.saved.push(checkpoint.meta.step)
    // Copies, as a file would hold: the trainer must not rely on the store sharing its arrays.
    this.latest = {
      meta: structuredClone(checkpoint.meta),
      parameters: checkpoint.parameters.slice(),
      firstMoment: checkpoint.firstMoment.slice(),
      secondMoment: checkpoint.secondMoment.slice()
    }
  }
}

const finished = (outcome: TrainOutcome): RunResult => {
  if (outcome.kind !== "finished") throw new Error(`expected a finished run, got ${outcome.kind}`)
  return outcome.result
}

const losses = (lines: ReadonlyArray<MetricLine>) => lines.filter((l) => l.loss !== undefined).map((l) => [l.step, l.loss])

describe("trainRun", () => {
  it("resumed from a checkpoint, follows the uninterrupted run's loss curve and ends at the same losses", async () => {
    const straight: Array<MetricLine> = []
    const reference = finished(await trainRun(spec, { onMetric: (l) => straight.push(l) }))

    const store = new MemoryCheckpoints()
    const firstAttempt: Array<MetricLine> = []
    let steps = 0
    const stopped = await trainRun(spec, {
      onMetric: (l) => {
        firstAttempt.push(l)
        if (l.loss !== undefined) steps = l.step
      },
      checkpoints: store,
      checkpointEvery: 4,
      shouldStop: () => steps >= 5
    })
    expect(stopped).toEqual({ kind: "interrupted", step: 5 })
    expect(store.saved).toEqual([4, 5]) // the periodic one, then the one the stop asked for

    const resumedLines: Array<MetricLine> = []
    let resumedAt = -1
    const resumed = finished(
      await trainRun(spec, { onMetric: (l) => resumedLines.push(l), checkpoints: store, onResume: (s) => (resumedAt = s) })
    )
    expect(resumedAt).toBe(5)
    expect(resumed.resumed_from_step).toBe(5)
    const stitched = [...firstAttempt.filter((l) => l.step <= 5), ...resumedLines]
    const expected = losses(straight)
    const actual = losses(stitched)
    expect(actual.map(([step]) => step)).toEqual(expected.map(([step]) => step))
    actual.forEach(([, loss], i) => expect(loss).toBeCloseTo(expected[i]![1]!, 5))
    expect(resumed.val_loss).toBeCloseTo(reference.val_loss, 5)
    expect(resumed.train_loss).toBeCloseTo(reference.train_loss, 5)
    expect(resumed).toMatchObject({ steps: reference.steps, tokens: reference.tokens, status: "completed" })
  }, 60_000)

  it("ends a run whose loss becomes non-finite as diverged, keeping the last checkpoint with finite weights", async () => {
    // A learning rate of 1e30 sends the weights to ~1e30 at the first update and their products to
    // infinity: the loss of a later step is not finite.
    const blowUp = tinySpec({ ...spec, training: { ...spec.training, lr: 1e30, warmup: 0, grad_clip: 0 } })
    const store = new MemoryCheckpoints()
    const result = finished(await trainRun(blowUp, { checkpoints: store, checkpointEvery: 1 }))
    expect(result.status).toBe("diverged")
    // Step 1's loss is finite (it is computed before the first update), step 2's is not.
    expect(result.steps).toBe(2)
    expect(store.saved).toEqual([1])
    expect(store.latest?.parameters.every(Number.isFinite)).toBe(true)
  }, 60_000)

  it("leaves no tensor behind and holds the tensor count flat from step to step", async () => {
    const before = tf.memory().numTensors
    const counts: Array<number> = []
    const long = tinySpec({ tokens: 40 * 256, training: { ...spec.training } })
    finished(
      await trainRun(long, {
        onMetric: (l) => {
          if (l.loss !== undefined) counts.push(tf.memory().numTensors)
        },
        checkpoints: new MemoryCheckpoints(),
        checkpointEvery: 7
      })
    )
    expect(counts.length).toBe(40)
    // Every line is logged at the same point of a step, so the live tensors are the same set each time.
    expect(new Set(counts.slice(1)).size).toBe(1)
    expect(tf.memory().numTensors).toBe(before)
  }, 60_000)
})
