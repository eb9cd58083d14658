// Trains one RunSpec and reports metrics as it goes. The worker wraps this; tests and notebooks
// call it directly.
import { countParams } from "@scalelab/laws"
import type { MetricLine, RunResult, RunSpec } from "@scalelab/spec"
import * as tf from "@tensorflow/tfjs-core"
import { backendRecord, selectBackend } from "../backend/backend.ts"
import { type TokenBatch, sequencesPerStep, sliceBatch } from "../data/batches.ts"
import { type Checkpoint, optimizerStep } from "./checkpoint.ts"
import { buildClozeItems, scoreCloze } from "../eval/cloze.ts"
import { memorizationPrompts, memorizedFraction } from "../eval/memorization.ts"
import { type ModelConstants, batchLoss, disposeConstants, modelConstants, trainingObjective } from "../model/model.ts"
import { type AdamWState, adamWUpdate, disposeAdamWState, initialAdamWState } from "../optim/optimizer.ts"
import { type ParameterLayout, type Weights, decays, flattenWeights, initialParameters, parameterLayout, weightTensors } from "../model/parameters.ts"
import { learningRateAt } from "../optim/schedule.ts"
import { prepareTrainingData, type TrainingData, trainingBatch } from "../data/trainingData.ts"

/** Where a run keeps its checkpoint (the worker: checkpoint.bin in the run folder). */
export interface CheckpointStore {
  readonly load: () => Checkpoint | undefined
  readonly save: (checkpoint: Checkpoint) => void
}

export interface TrainRunOptions {
  readonly onMetric?: (line: MetricLine) => void
  readonly checkpoints?: CheckpointStore
  /** Steps between checkpoints; by default a tenth of the run. */
  readonly checkpointEvery?: number
  /** Also checkpoint once this much training time has passed since the last one. */
  readonly checkpointSeconds?: number
  /** Called with the checkpoint's step when the run resumes from one, before any new metric. */
  readonly onResume?: (step: number) => void
  /** Polled after every step: true saves a checkpoint and stops the run (SIGTERM in the worker). */
  readonly shouldStop?: () => boolean
  /**
   * Largest micro-batch in tokens: a larger step accumulates gradients over micro-batches. It
   * changes memory and speed, never the result, so it is an option of the trainer, not of the run.
   */
  readonly microBatchTokens?: number
  /** Where trained tokenizers are cached between runs (see trainingData.ts); none: train in memory. */
  readonly cacheDirectory?: string
  /**
   * What a run with `init` starts from when it has no checkpoint of its own: the end of the run it
   * names (the worker: that run's final.bin). Required for such a run, unused for others.
   */
  readonly initial?: () => Checkpoint
  /** Receives the run's end state when it completes (neither diverged nor interrupted); the worker passes it for `save_final`. */
  readonly saveFinal?: (checkpoint: Checkpoint) => void
}

export type TrainOutcome =
  | { readonly kind: "finished"; readonly result: RunResult }
  | { readonly kind: "interrupted"; readonly step: number }

// About this many training lines per run: enough for a loss curve, few enough that reading the
// losses back (a device sync on GPU backends) never shows in the step time.
const trainingLinesPerRun = 50
const defaultCheckpointSeconds = 120

/**
 * Mean loss over a token batch, evaluated in slices of at most `sequencesPerSlice` sequences.
 * Values are read back with `data()`, never `dataSync()`: WebGPU in Node cannot read synchronously.
 */
export async function evaluateLoss(
  weights: Weights,
  batch: TokenBatch,
  constants: ModelConstants,
  sequencesPerSlice: number
): Promise<number> {
  const sums: Array<tf.Scalar> = []
  for (let from = 0; from < batch.sequences; from += sequencesPerSlice) {
    const count = Math.min(sequencesPerSlice, batch.sequences - from)
    sums.push(tf.tidy(() => tf.mul(batchLoss(weights, sliceBatch(batch, from, count), constants), count)))
  }
  const total = tf.addN(sums)
  const value = (await total.data())[0] as number
  tf.dispose([total, ...sums])
  return value / batch.sequences
}

/**
 * Loss and gradients of a batch, accumulated over micro-batches of at most `microSequences`
 * sequences: the same step as one pass over the whole batch (up to float rounding), with the
 * activation memory of one micro-batch. Each micro-batch's mean is weighted by its share of the
 * batch's sequences, so the result is the mean over the whole batch. The gradients are of the
 * training objective (with a mixture of experts' load-balancing loss), the loss is cross-entropy.
 */
export function batchGradients(
  weights: ReadonlyArray<tf.Tensor>,
  batch: TokenBatch,
  constants: ModelConstants,
  microSequences: number
): { loss: tf.Scalar; grads: Array<tf.Tensor> } {
  let loss: tf.Scalar | undefined
  let grads: Array<tf.Tensor> | undefined
  for (let from = 0; from < batch.sequences; from += microSequences) {
    const count = Math.min(microSequences, batch.sequences - from)
    const share = count / batch.sequences
    const micro = sliceBatch(batch, from, count)
    const part = tf.tidy(() => {
      // Kept out of the gradient's forward scope, which disposes what the function does not return.
      let crossEntropy: tf.Scalar | undefined
      const { grads: partGrads } = tf.valueAndGrads((...w: Array<tf.Tensor>) => {
        const { loss: microLoss, objective } = trainingObjective(w, micro, constants)
        crossEntropy = tf.keep(microLoss)
        return tf.mul(objective, share)
      })([...weights])
      if (crossEntropy === undefined) throw new Error("the training objective gave no loss")
      const value = tf.mul(crossEntropy, share)
      tf.dispose(crossEntropy)
      return {
        loss: (loss === undefined ? value : tf.add(loss, value)) as tf.Scalar,
        grads: grads === undefined ? partGrads : partGrads.map((g, i) => tf.add(grads![i] as tf.Tensor, g))
      }
    })
    tf.dispose([...(loss === undefined ? [] : [loss]), ...(grads ?? [])])
    loss = part.loss
    grads = part.grads
  }
  if (loss === undefined || grads === undefined) throw new Error("a training batch has no sequences")
  return { loss, grads }
}

/** Tokens in one micro-batch by default: activation memory stays well inside wasm's 4 GiB heap. */
export const defaultMicroBatchTokens = 16384

/** One optimiser step: the loss before the update and the gradient norm, still on the device. */
export function trainingStep(
  state: AdamWState,
  batch: TokenBatch,
  lr: number,
  constants: ModelConstants,
  spec: RunSpec,
  microBatchTokens = defaultMicroBatchTokens
): { state: AdamWState; loss: tf.Scalar; gradNorm: tf.Scalar } {
  const microSequences = Math.max(1, Math.floor(microBatchTokens / batch.context))
  const { loss, grads } = batchGradients(state.parameters, batch, constants, microSequences)
  const { optimizer, grad_clip } = spec.training
  const update = adamWUpdate(state, grads, lr, constants.layout.slices.map(decays), {
    beta1: optimizer.beta1,
    beta2: optimizer.beta2,
    eps: optimizer.eps,
    weightDecay: optimizer.weight_decay,
    gradClip: grad_clip
  })
  tf.dispose(grads)
  return { state: update.state, loss, gradNorm: update.gradNorm }
}

function evaluationSteps(steps: number, every: number): ReadonlySet<number> {
  const points = new Set([steps])
  if (every > 0) for (let k = 1; k * every < 1; k++) points.add(Math.max(1, Math.round(k * every * steps)))
  return points
}

function restoredState(checkpoint: Checkpoint, layout: ParameterLayout): AdamWState {
  return {
    step: optimizerStep(checkpoint.meta),
    parameters: weightTensors(checkpoint.parameters, layout),
    firstMoment: weightTensors(checkpoint.firstMoment, layout),
    secondMoment: weightTensors(checkpoint.secondMoment, layout)
  }
}

/** Where a run without a checkpoint starts: the end of the run its init names, or fresh weights (undefined). */
function startingPoint(spec: RunSpec, options: TrainRunOptions): Checkpoint | undefined {
  if (spec.init === undefined) return undefined
  // Fresh weights would train a different run under this run's id.
  if (options.initial === undefined) throw new Error(`run ${spec.id} starts from run ${spec.init.run}'s end, but no initial weights were given`)
  return options.initial()
}

// Lets signal handlers and timers run between steps: a step is synchronous work, and a SIGTERM
// must be seen before the next one starts.
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

/** A mixture's loss on each domain's validation set; absent for a single corpus. */
type DomainLosses = { readonly val_loss_by_domain: Readonly<Record<string, number>> }

/**
 * The validation loss, and for a mixture each domain's: val_loss is then the uniform mean of the
 * domains' losses, so that it does not depend on the run's own weights.
 */
async function validationLosses(
  parameters: Parameters<typeof evaluateLoss>[0],
  data: TrainingData,
  constants: Parameters<typeof evaluateLoss>[2],
  evalSlice: number
): Promise<{ readonly valLoss: number; readonly byDomain?: DomainLosses }> {
  if (data.domains === undefined) return { valLoss: await evaluateLoss(parameters, data.validation, constants, evalSlice) }
  const losses: Record<string, number> = {}
  for (const domain of data.domains) losses[domain.name] = await evaluateLoss(parameters, domain.validation, constants, evalSlice)
  const values = Object.values(losses)
  return { valLoss: values.reduce((a, b) => a + b, 0) / values.length, byDomain: { val_loss_by_domain: losses } }
}

export async function trainRun(spec: RunSpec, options: TrainRunOptions = {}): Promise<TrainOutcome> {
  const started = performance.now()
  const emit = options.onMetric ?? (() => {})
  const backend = await selectBackend(spec.backend)
  // Read before anything is built, so that a missing or mismatched one fails at once. The run's own
  // checkpoint comes first: a run with init that was stopped midway goes on from it.
  const checkpoint = options.checkpoints?.load()
  const start = checkpoint ?? startingPoint(spec, options)
  const data = prepareTrainingData(spec, options.cacheDirectory === undefined ? {} : { cacheDirectory: options.cacheDirectory })
  const context = spec.shape.context
  const layout = parameterLayout(spec.shape)
  const constants = modelConstants(spec.shape, layout, "gather", { documentMasking: spec.data.document_masking })
  // Built before the first step, so that a held-out text too small for the benchmark fails at once.
  const clozeItems = buildClozeItems(data.validationStream, data.tokenizer, spec.eval.cloze, context)
  const { memorization } = spec.eval
  const prompts = memorization === undefined || memorization.prompts === 0
    ? undefined
    : memorizationPrompts(data.train, memorization, context, spec.seed)

  const plan = sequencesPerStep(spec.tokens, spec.training.batch_tokens, context)
  const steps = plan.length
  const evalAt = evaluationSteps(steps, spec.eval.every)
  const logEvery = Math.max(1, Math.floor(steps / trainingLinesPerRun))
  const checkpointEvery = options.checkpointEvery ?? Math.max(1, Math.round(steps / 10))
  const checkpointSeconds = options.checkpointSeconds ?? defaultCheckpointSeconds
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

  let state = start === undefined
    ? initialAdamWState(weightTensors(initialParameters(layout, spec.seed), layout))
    : restoredState(start, layout)
  let stepsDone = checkpoint?.meta.step ?? 0
  // Steps the weights had seen before this run's first: those of the run named by init. The batch of
  // this run's step s is that of step lineageSteps + s, so that it goes on with that run's data order
  // instead of replaying its first batches. The learning rate follows this run's own steps.
  const lineageSteps = state.step - stepsDone
  let tokensSeen = checkpoint?.meta.tokens ?? 0
  let trainSeconds = checkpoint?.meta.train_seconds ?? 0
  let lastValLoss = checkpoint?.meta.last_val_loss ?? untrainedLoss
  let lastCloze: { readonly cloze_accuracy: number; readonly cloze_nll: number } | undefined
  let finalMemorization: { readonly memorization: number } | undefined
  let lastByDomain: DomainLosses | undefined
  if (checkpoint !== undefined) {
    stepLosses.set(checkpoint.meta.step_losses)
    options.onResume?.(stepsDone)
  }
  const resumedFrom = stepsDone

  let pending: Array<tf.Scalar> = []
  let lastGradNorm: tf.Scalar | undefined
  let intervalSeconds = 0
  let intervalTokens = 0
  let secondsSinceCheckpoint = 0
  let diverged = false
  let interrupted = false

  /** Reads back the losses of the steps since the last read; false when one is not finite. */
  const flushLosses = async (): Promise<boolean> => {
    if (pending.length === 0) return true
    const stacked = tf.stack(pending)
    const losses = (await stacked.data()) as Float32Array
    stacked.dispose()
    stepLosses.set(losses, stepsDone - pending.length)
    tf.dispose(pending)
    pending = []
    return losses.every(Number.isFinite)
  }

  /** The run's state as a checkpoint; undefined when a weight is not finite (the run diverged). */
  const snapshot = async (): Promise<Checkpoint | undefined> => {
    const parameters = await flattenWeights(state.parameters, layout)
    if (!parameters.every(Number.isFinite)) return undefined
    return {
      meta: {
        format: 1,
        run_id: spec.id,
        step: stepsDone,
        optimizer_step: state.step,
        tokens: tokensSeen,
        parameters: layout.total,
        train_seconds: trainSeconds,
        last_val_loss: lastValLoss,
        step_losses: Array.from(stepLosses.subarray(0, stepsDone))
      },
      parameters,
      firstMoment: await flattenWeights(state.firstMoment, layout),
      secondMoment: await flattenWeights(state.secondMoment, layout)
    }
  }

  /** Saves a checkpoint when the weights are finite; false when they are not (the run diverged). */
  const save = async (): Promise<boolean> => {
    const saved = await snapshot()
    if (saved === undefined) return false
    options.checkpoints?.save(saved)
    secondsSinceCheckpoint = 0
    return true
  }

  while (stepsDone < steps && !diverged && !interrupted) {
    const sequences = plan[stepsDone] as number
    const batch = trainingBatch(data, spec.seed, lineageSteps + stepsDone, sequences, context)
    const lr = learningRateAt(stepsDone, steps, schedule)
    const stepStarted = performance.now()
    const previous = state
    const result = trainingStep(state, batch, lr, constants, spec, options.microBatchTokens)
    state = result.state
    disposeAdamWState(previous)
    lastGradNorm?.dispose()
    lastGradNorm = result.gradNorm
    const elapsed = (performance.now() - stepStarted) / 1000
    trainSeconds += elapsed
    intervalSeconds += elapsed
    secondsSinceCheckpoint += elapsed
    pending.push(result.loss)
    stepsDone += 1
    tokensSeen += sequences * context
    intervalTokens += sequences * context
    const flops = tokensSeen * flopsPerToken

    if (stepsDone % logEvery === 0 || stepsDone === steps) {
      // The only read-back of training values: the losses since the last line and this step's
      // gradient norm.
      const count = pending.length
      diverged = !(await flushLosses())
      if (!diverged) {
        const recent = stepLosses.subarray(stepsDone - count, stepsDone)
        const loss = recent.reduce((a, b) => a + b, 0) / count
        const grad_norm = (await lastGradNorm.data())[0] as number
        emit({ step: stepsDone, tokens: tokensSeen, flops, loss, lr, grad_norm, tokens_per_s: intervalTokens / intervalSeconds })
      }
      intervalSeconds = 0
      intervalTokens = 0
    }

    if (!diverged && evalAt.has(stepsDone)) {
      const { valLoss, byDomain } = await validationLosses(state.parameters, data, constants, evalSlice)
      diverged = !Number.isFinite(valLoss)
      if (!diverged) {
        lastValLoss = valLoss
        lastByDomain = byDomain
        if (clozeItems.length > 0) {
          const score = await scoreCloze(state.parameters, clozeItems, constants, evalSlice)
          lastCloze = { cloze_accuracy: score.accuracy, cloze_nll: score.nll_per_byte }
        }
        // Only the trained model's memorization is of interest: measured once, at the last step.
        if (prompts !== undefined && stepsDone === steps) {
          finalMemorization = { memorization: await memorizedFraction(state.parameters, prompts, constants, evalSlice) }
        }
        emit({ step: stepsDone, tokens: tokensSeen, flops, val_loss: valLoss, ...byDomain, ...lastCloze, ...finalMemorization })
      }
    }

    await yieldToEventLoop()
    interrupted = stepsDone < steps && options.shouldStop?.() === true
    const checkpointDue =
      stepsDone < steps && (interrupted || stepsDone % checkpointEvery === 0 || secondsSinceCheckpoint >= checkpointSeconds)
    // A checkpoint is only ever written from finite weights: the last good one survives a divergence.
    if (!diverged && checkpointDue && options.checkpoints !== undefined) diverged = !((await flushLosses()) && (await save()))
  }

  // Before the caller writes result.json: a completed run that saves its end always has it.
  if (!diverged && !interrupted && options.saveFinal !== undefined) {
    const final = await snapshot()
    if (final === undefined) diverged = true
    else options.saveFinal(final)
  }

  tf.dispose(pending)
  lastGradNorm?.dispose()
  disposeAdamWState(state)
  disposeConstants(constants)
  if (interrupted && !diverged) return { kind: "interrupted", step: stepsDone }

  const lastTenth = stepLosses.subarray(Math.floor(stepsDone * 0.9), stepsDone)
  const trainLoss = lastTenth.reduce((a, b) => a + b, 0) / Math.max(1, lastTenth.length)
  const result: RunResult = {
    id: spec.id,
    // A diverged run keeps the last finite validation loss (ln(vocab) before any) so the field
    // stays a number; fits select runs by status, never by this value.
    status: diverged ? "diverged" : "completed",
    val_loss: lastValLoss,
    // Nats per token to bits per byte: comparable across tokenizers (Shannon's unit for text).
    bits_per_byte: lastValLoss / Math.LN2 / data.validationBytesPerToken,
    train_loss: Number.isFinite(trainLoss) ? trainLoss : untrainedLoss,
    // N as the fits take it: a mixture of experts' active parameters (the layout holds all of them).
    params: countParams(spec.shape).active,
    tokens: tokensSeen,
    flops: tokensSeen * flopsPerToken,
    steps: stepsDone,
    ...backendRecord(backend),
    wall_s: (performance.now() - started) / 1000,
    tokens_per_s: tokensSeen / trainSeconds,
    epochs: spec.tokens / data.train.tokens.length,
    ...(resumedFrom > 0 ? { resumed_from_step: resumedFrom } : {}),
    ...lastCloze,
    ...finalMemorization,
    ...lastByDomain
  }
  return { kind: "finished", result }
}
