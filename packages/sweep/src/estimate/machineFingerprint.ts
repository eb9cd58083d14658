import { availableParallelism, cpus, totalmem } from "node:os"
import { Schema } from "effect"

/**
 * What makes a training speed this machine's own: a speed measured on another CPU, with another core
 * count or memory, or under another Node or platform does not carry over. No host name: a store (its
 * cache folder included) may be shared or published. GPUs are not named, since that would mean
 * loading a GPU library before every plan; a measurement ages out instead (throughputCache.ts).
 */
export const MachineFingerprint = Schema.Struct({
  cpu: Schema.String,
  cores: Schema.Int,
  memory_bytes: Schema.Finite,
  node: Schema.String,
  platform: Schema.String,
  arch: Schema.String
})
export type MachineFingerprint = typeof MachineFingerprint.Type

export const thisMachine = (): MachineFingerprint => ({
  cpu: cpus()[0]?.model.trim() ?? "unknown",
  cores: availableParallelism(),
  memory_bytes: totalmem(),
  node: process.version,
  platform: process.platform,
  arch: process.arch
})
