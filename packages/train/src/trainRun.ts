// Trains one RunSpec and reports metrics as it goes. The worker wraps this; tests and notebooks
// call it directly.
import type { MetricLine, RunResult, RunSpec } from "@scalelab/spec"
import * as tf from "@tensorflow/tfjs-core"
import { selectBackend } from "./backend.ts"
import { type TokenBatch, sequencesPerStep, sliceBatch } from "./batches.ts"
import { type ModelConstants, batchLoss, disposeConstants, modelConstants } from "./model.ts"
import { type AdamWState, adamWUpdate, disposeAdamWState, initialAdamWState } from "./optimizer.ts"
import { initialParameters, parameterLayout, weightDecayMask } from "./parameters.ts"
import { learningRateAt } from "./schedule.ts"
import { prepareTrainingData, trainingBatch } from "./trainingData.ts"

export interface TrainRunOptions {
  readonly onMetric?: (line: MetricLine) => void
}

// About this many training lines per run: enough for a loss curve, few enough that reading the
// losses back (a device sync on GPU backends) never shows in the step time.
const trainingLinesPerRun = 50

/** Mean loss over a token batch, evaluated in slices of at most `sequencesPerSlice` sequences. */
export function evaluateLoss(
  parameters: tf.Tensor1D,
  batch: TokenBatch,
  constants: ModelConstants,
  sequencesPerSlice: number
): number {
  let weighted = 0
  for (let from = 0; from < batch.sequences; from += sequencesPerSlice) {
    const count = Math.min(sequencesPerSlice, batch.sequences - from)
    const loss = tf.tidy(() => batchLoss(parameters, sliceBatch(batch, from, count), constants))
    weighted += (loss.dataSync()[0] as number) * count
    loss.dispose()
  }
  return weighted / batch.sequences
}

/** One optimiser step: the loss before the update and the gradient norm, still on the device. */
export function trainingStep(
  state: AdamWState,
  batch: TokenBatch,
  lr: number,
  decayMask: tf.Tensor1D,
  constants: ModelConstants,
  spec: RunSpec
): { state: AdamWState; loss: tf.Scalar; gradNorm: tf.Scalar } {
  const { value, grad } = tf.tidy(() =>
    tf.valueAndGrad((p: tf.Tensor1D) => batchLoss(p, batch, constants))(state.parameters)
  )
  const { optimizer, grad_clip } = spec.training
  const update = adamWUpdate(state, grad as tf.Tensor1D, lr, decayMask, {
    beta1: optimizer.beta1,
    beta2: optimizer.beta2,
    eps: optimizer.eps,
    weightDecay: optimizer.weight_decay,
    gradClip: grad_clip
  })
  grad.dispose()
  return { state: update.state, loss: value as tf.Scalar, gradNorm: update.gradNorm }
}

function evaluationSteps(steps: number, every: number): ReadonlySet<number> {
  const points = new Set([steps])
  if (every > 0) for (let k = 1; k * every < 1; k++) points.add(Math.max(1, Math.round(k * every * steps)))
  return points
}

export async function trainRun(spec: RunSpec, options: TrainRunOptions = {}): Promise<RunResult> {
  const started = performance.now()
  const emit = options.onMetric ?? (() => {})
  const backend = await selectBackend(spec.backend)
  const data = prepareTrainingData(spec)
  const context = spec.shape.context
  const layout = parameterLayout(spec.shape)
  const constants = modelConstants(spec.shape, layout, "gather")
  const decayMask = tf.tensor1d(weightDecayMask(layout))
  let state = initialAdamWState(tf.tensor1d(initialParameters(layout, spec.seed)))

  const plan = sequencesPerStep(spec.tokens, spec.training.batch_tokens, context)
  const steps = plan.length
  const evalAt = evaluationSteps(steps, spec.eval.every)
  const logEvery = Math.max(1, Math.floor(steps / trainingLinesPerRun))
  const evalSlice = Math.max(1, Math.floor(spec.training.batch_tokens / context))
  const flopsPerToken = spec.flops / spec.tokens
  const stepLosses = new Float32Array(steps)
  const untrainedLoss = Math.log(spec.shape.vocab)
  const schedule = {
    kind: spec.training.schedule,
    peak: spec.training.lr,
    warmup: spec.training.warmup,
    minFraction: spec.training.min_lr_fraction
  }

  let pending: Array<tf.Scalar> = []
  let stepsDone = 0
  let tokensSeen = 0
  let trainSeconds = 0
  let intervalSeconds = 0
  let intervalTokens = 0
  let lastValLoss = untrainedLoss
  let diverged = false

  while (stepsDone < steps && !diverged) {
    const sequences = plan[stepsDone] as number
    const batch = trainingBatch(data, spec.seed, stepsDone, sequences, context)
    const lr = learningRateAt(stepsDone, steps, schedule)
    const stepStarted = performance.now()
    const previous = state
    const result = trainingStep(state, batch, lr, decayMask, constants, spec)
    state = result.state
    disposeAdamWState(previous)
    const elapsed = (performance.now() - stepStarted) / 1000
    trainSeconds += elapsed
    intervalSeconds += elapsed
    pending.push(result.loss)
    stepsDone += 1
    tokensSeen += sequences * context
    intervalTokens += sequences * context
    const flops = tokensSeen * flopsPerToken

    if (stepsDone % logEvery === 0 || stepsDone === steps) {
      // The only read-back of training values: the losses since the last line and this step's
      // gradient norm.
      const stacked = tf.stack(pending)
      const losses = stacked.dataSync() as Float32Array
      stacked.dispose()
      stepLosses.set(losses, stepsDone - pending.length)
      tf.dispose(pending)
      pending = []
      const loss = losses.reduce((a, b) => a + b, 0) / losses.length
      diverged = !Number.isFinite(loss)
      if (!diverged) {
        const grad_norm = result.gradNorm.dataSync()[0] as number
        emit({ step: stepsDone, tokens: tokensSeen, flops, loss, lr, grad_norm, tokens_per_s: intervalTokens / intervalSeconds })
      }
      intervalSeconds = 0
      intervalTokens = 0
    }
    result.gradNorm.dispose()

    if (!diverged && evalAt.has(stepsDone)) {
      const valLoss = evaluateLoss(state.parameters, data.validation, constants, evalSlice)
      diverged = !Number.isFinite(valLoss)
      if (!diverged) {
        lastValLoss = valLoss
        emit({ step: stepsDone, tokens: tokensSeen, flops, val_loss: valLoss })
      }
    }
  }

  tf.dispose(pending)
  disposeAdamWState(state)
  decayMask.dispose()
  disposeConstants(constants)

  const lastTenth = stepLosses.subarray(Math.floor(stepsDone * 0.9), stepsDone)
  const trainLoss = lastTenth.reduce((a, b) => a + b, 0) / Math.max(1, lastTenth.length)
  return {
    id: spec.id,
    // A diverged run keeps the last finite validation loss (ln(vocab) before any) so the field
    // stays a number; fits select runs by status, never by this value.
    status: diverged ? "diverged" : "completed",
    val_loss: lastValLoss,
    train_loss: Number.isFinite(trainLoss) ? trainLoss : untrainedLoss,
    params: layout.total,
    tokens: tokensSeen,
    flops: tokensSeen * flopsPerToken,
    steps: stepsDone,
    backend: backend.name,
    wall_s: (performance.now() - started) / 1000,
    tokens_per_s: tokensSeen / trainSeconds,
    epochs: spec.tokens / data.trainText.length,
    backend_version: backend.version
  }
}
