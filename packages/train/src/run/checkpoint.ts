// A training checkpoint: everything a run needs to go on from a step boundary as if it had never
// stopped. The data position needs no state of its own: the batch of step s is drawn from a
// generator seeded by (run seed, s) (trainingData.ts), so the step count is the data position and
// the RNG state at once. A run that started from another run's end (`init`) counts its own steps
// in `step` and the lineage's in `optimizer_step`: its data position and AdamW's bias correction
// go on from the run it started from.
//
// final.bin, what a run with `save_final` leaves at its end for runs with `init`, has this format.
//
// File format (one file, so that one rename makes it appear atomically):
//   4 bytes   little-endian uint32: byte length J of the JSON header
//   J bytes   UTF-8 JSON: CheckpointMeta
//   padding   zero bytes up to a multiple of 4
//   3·P·4     float32 little-endian: parameters, first moments, second moments (layout order)
import { readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { type RunSpec, runFolderFiles } from "@scalelab/spec"
import { Data, Runtime } from "effect"
import { writeFileAtomically } from "@scalelab/spec/atomic-file"

export interface CheckpointMeta {
  readonly format: 1
  readonly run_id: string
  readonly step: number // optimiser steps completed by this run
  // Optimiser steps behind these weights, counting those of the run this one started from (`init`);
  // absent (written before runs could start from another's end): `step`.
  readonly optimizer_step?: number
  readonly tokens: number // training tokens seen
  readonly parameters: number // P: length of each float block
  readonly train_seconds: number // time spent in training steps, over all attempts
  readonly last_val_loss: number
  readonly step_losses: ReadonlyArray<number> // one per completed step: the train_loss average needs them
}

export interface Checkpoint {
  readonly meta: CheckpointMeta
  readonly parameters: Float32Array
  readonly firstMoment: Float32Array
  readonly secondMoment: Float32Array
}

export class CorruptCheckpointError extends Data.TaggedError("CorruptCheckpointError")<{
  readonly file: string
  readonly problem: string
}> {
  override readonly [Runtime.errorExitCode] = 2
  override get message(): string {
    return `${this.file}: ${this.problem}. Delete the file to restart the run from step 0.`
  }
}

/** A run with `init` cannot start from the run it names: that run's final.bin is not what it needs. */
export class InitialWeightsMismatchError extends Data.TaggedError("InitialWeightsMismatchError")<{
  readonly run: string
  readonly file: string
  readonly problem: string
}> {
  override readonly [Runtime.errorExitCode] = 2
  override get message(): string {
    return `run ${this.run} cannot start from ${this.file}: ${this.problem}. Plan the run again, so that its init names the run it starts from and that run's step count.`
  }
}

export class MissingInitialWeightsError extends Data.TaggedError("MissingInitialWeightsError")<{
  readonly run: string
  readonly base: string
  readonly file: string
}> {
  override readonly [Runtime.errorExitCode] = 2
  override get message(): string {
    return `run ${this.run} starts from run ${this.base}, whose final.bin (${this.file}) does not exist: train that run to completion first (scalelab run trains it before its probes; its spec has save_final)`
  }
}

export const checkpointFile = (runDir: string) => join(runDir, runFolderFiles.checkpoint)
export const finalFile = (runDir: string) => join(runDir, runFolderFiles.final)

/** Optimiser steps behind a checkpoint's weights, this run's and those of the run it started from. */
export const optimizerStep = (meta: CheckpointMeta): number => meta.optimizer_step ?? meta.step

export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify(checkpoint.meta))
  const dataOffset = Math.ceil((4 + header.length) / 4) * 4
  const count = checkpoint.meta.parameters
  const bytes = new Uint8Array(dataOffset + 3 * count * 4)
  new DataView(bytes.buffer).setUint32(0, header.length, true)
  bytes.set(header, 4)
  const floats = new Float32Array(bytes.buffer, dataOffset, 3 * count)
  floats.set(checkpoint.parameters, 0)
  floats.set(checkpoint.firstMoment, count)
  floats.set(checkpoint.secondMoment, 2 * count)
  return bytes
}

export function decodeCheckpoint(bytes: Uint8Array, file: string, runId: string): Checkpoint {
  const fail = (problem: string) => new CorruptCheckpointError({ file, problem })
  if (bytes.length < 4) throw fail("the file is truncated")
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true)
  if (4 + headerLength > bytes.length) throw fail("the header is truncated")
  let meta: CheckpointMeta
  try {
    meta = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as CheckpointMeta
  } catch (error) {
    throw fail(`the header is not JSON (${String(error)})`)
  }
  if (meta.format !== 1) throw fail(`unknown checkpoint format ${String(meta.format)}`)
  if (meta.run_id !== runId) throw fail(`it belongs to run ${meta.run_id}, not ${runId}`)
  const dataOffset = Math.ceil((4 + headerLength) / 4) * 4
  const count = meta.parameters
  if (bytes.length !== dataOffset + 3 * count * 4) throw fail("its tensor data has the wrong length")
  // Copy into a buffer of its own: the file's bytes may sit at any offset of a pooled Buffer (and
  // Buffer#slice makes a view, not a copy, so it would not do).
  const floats = new Float32Array(3 * count)
  new Uint8Array(floats.buffer).set(bytes.subarray(dataOffset))
  return {
    meta,
    parameters: floats.subarray(0, count),
    firstMoment: floats.subarray(count, 2 * count),
    secondMoment: floats.subarray(2 * count)
  }
}

/** Writes the checkpoint atomically: a kill at any instant leaves the previous one or this one. */
export function saveCheckpoint(runDir: string, checkpoint: Checkpoint): void {
  writeFileAtomically(checkpointFile(runDir), encodeCheckpoint(checkpoint))
}

/** Writes final.bin atomically: a run complete with `save_final` always has a whole one. */
export function saveFinalCheckpoint(runDir: string, checkpoint: Checkpoint): void {
  writeFileAtomically(finalFile(runDir), encodeCheckpoint(checkpoint))
}

/** The checkpoint in `file`, or undefined when there is no such file. */
function readCheckpointFile(file: string, runId: string): Checkpoint | undefined {
  let bytes: Uint8Array
  try {
    bytes = readFileSync(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw error
  }
  return decodeCheckpoint(bytes, file, runId)
}

/** The run's checkpoint, or undefined when it has none. */
export function loadCheckpoint(runDir: string, runId: string): Checkpoint | undefined {
  return readCheckpointFile(checkpointFile(runDir), runId)
}

/**
 * The final.bin that run `runId` (in `runDir`) starts from: that of run `init.run`, whose folder lies
 * beside this run's in the store. It must hold `init.steps` steps of a model of `parameters` parameters.
 */
export function loadInitialCheckpoint(runDir: string, runId: string, init: NonNullable<RunSpec["init"]>, parameters: number): Checkpoint {
  // Resolved first: the run folder may be given as "." or with a trailing slash.
  const file = finalFile(join(dirname(resolve(runDir)), init.run))
  const checkpoint = readCheckpointFile(file, init.run)
  if (checkpoint === undefined) throw new MissingInitialWeightsError({ run: runId, base: init.run, file })
  const mismatch = (problem: string) => new InitialWeightsMismatchError({ run: runId, file, problem })
  if (checkpoint.meta.step !== init.steps) {
    throw mismatch(`run ${init.run} ended after ${checkpoint.meta.step} steps, but init.steps is ${init.steps}`)
  }
  if (checkpoint.meta.parameters !== parameters) {
    throw mismatch(`it holds ${checkpoint.meta.parameters} parameters, where this run's model shape has ${parameters}`)
  }
  return checkpoint
}
