// A training checkpoint: everything a run needs to go on from a step boundary as if it had never
// stopped. The data position needs no state of its own: the batch of step s is drawn from a
// generator seeded by (run seed, s) (trainingData.ts), so the step count is the data position and
// the RNG state at once.
//
// File format (one file, so that one rename makes it appear atomically):
//   4 bytes   little-endian uint32: byte length J of the JSON header
//   J bytes   UTF-8 JSON: CheckpointMeta
//   padding   zero bytes up to a multiple of 4
//   3·P·4     float32 little-endian: parameters, first moments, second moments (layout order)
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { runFolderFiles } from "@scalelab/spec"
import { Data, Runtime } from "effect"
import { writeFileAtomically } from "@scalelab/spec/atomic-file"

export interface CheckpointMeta {
  readonly format: 1
  readonly run_id: string
  readonly step: number // optimiser steps completed
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

export const checkpointFile = (runDir: string) => join(runDir, runFolderFiles.checkpoint)

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

/** The run's checkpoint, or undefined when it has none. */
export function loadCheckpoint(runDir: string, runId: string): Checkpoint | undefined {
  const file = checkpointFile(runDir)
  let bytes: Uint8Array
  try {
    bytes = readFileSync(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw error
  }
  return decodeCheckpoint(bytes, file, runId)
}
