import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { type Checkpoint, checkpointFile, encodeCheckpoint, loadCheckpoint, optimizerStep, saveCheckpoint } from "../src/run/checkpoint.ts"

const checkpoint = (runId: string, parameters: number): Checkpoint => ({
  meta: {
    format: 1,
    run_id: runId,
    step: 7,
    tokens: 7 * 512,
    parameters,
    train_seconds: 1.5,
    last_val_loss: 4.2,
    step_losses: [5.5, 5.4, 5.3, 5.2, 5.1, 5.0, 4.9]
  },
  parameters: Float32Array.from({ length: parameters }, (_, i) => i / 3),
  firstMoment: Float32Array.from({ length: parameters }, (_, i) => -i),
  secondMoment: Float32Array.from({ length: parameters }, (_, i) => i * i)
})

describe("checkpoint files", () => {
  it.each([1, 2, 3, 1001])("round-trip exactly through the file, whatever the header's length (%i parameters)", (count) => {
    const runDir = mkdtempSync(join(tmpdir(), "checkpoint-"))
    const saved = checkpoint(`run-${"x".repeat(count % 4)}`, count)
    saveCheckpoint(runDir, saved)
    const loaded = loadCheckpoint(runDir, saved.meta.run_id)
    expect(loaded?.meta).toEqual(saved.meta)
    expect(Array.from(loaded!.parameters)).toEqual(Array.from(saved.parameters))
    expect(Array.from(loaded!.firstMoment)).toEqual(Array.from(saved.firstMoment))
    expect(Array.from(loaded!.secondMoment)).toEqual(Array.from(saved.secondMoment))
    expect(readdirSync(runDir)).toEqual(["checkpoint.bin"]) // no temporary file left behind
  })

  it("counts the optimiser's steps from the run a run started from, and reads a checkpoint written before that as its own steps", () => {
    const runDir = mkdtempSync(join(tmpdir(), "checkpoint-"))
    const continued = checkpoint("probe", 3)
    saveCheckpoint(runDir, { ...continued, meta: { ...continued.meta, optimizer_step: 107 } })
    expect(optimizerStep(loadCheckpoint(runDir, "probe")!.meta)).toBe(107)
    // checkpoint() writes no optimizer_step, as checkpoints did before runs could start from another's end.
    saveCheckpoint(runDir, checkpoint("old", 3))
    expect(optimizerStep(loadCheckpoint(runDir, "old")!.meta)).toBe(7)
  })

  it("is absent for a fresh run folder", () => {
    expect(loadCheckpoint(mkdtempSync(join(tmpdir(), "checkpoint-")), "any")).toBeUndefined()
  })

  it("refuses a truncated file, another run's file and a file with a broken header, naming the file", () => {
    const runDir = mkdtempSync(join(tmpdir(), "checkpoint-"))
    const file = checkpointFile(runDir)
    const bytes = encodeCheckpoint(checkpoint("mine", 10))
    writeFileSync(file, bytes.subarray(0, bytes.length - 4))
    expect(() => loadCheckpoint(runDir, "mine")).toThrow(/checkpoint\.bin: its tensor data has the wrong length/)
    writeFileSync(file, bytes)
    expect(() => loadCheckpoint(runDir, "yours")).toThrow(/belongs to run mine, not yours/)
    const broken = Uint8Array.from(readFileSync(file))
    broken[5] = 0x7b // "{" inside the JSON header
    writeFileSync(file, broken)
    expect(() => loadCheckpoint(runDir, "mine")).toThrow(/header is not JSON.*Delete the file/)
  })
})
