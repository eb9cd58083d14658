import { spawn } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { MetricLine, RunResult } from "@scalelab/spec"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { tinySpec } from "./tinySpec.ts"
import { spawnWorker, worker } from "./spawnWorker.ts"


describe("worker", () => {
  it("trains a run folder: metrics.jsonl lines and a result.json that decodes", async () => {
    const runDir = mkdtempSync(join(tmpdir(), "train-worker-"))
    writeFileSync(join(runDir, "run.json"), JSON.stringify(tinySpec()))
    const { code } = await spawnWorker(runDir)
    expect(code).toBe(0)
    const lines = readFileSync(join(runDir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l))
    for (const line of lines) Schema.decodeUnknownSync(MetricLine)(line)
    expect(lines.filter((l) => "loss" in l).length).toBe(4) // 4 steps of 512 tokens
    expect(lines.filter((l) => "val_loss" in l).map((l) => l.step)).toEqual([2, 4])
    const result = Schema.decodeUnknownSync(RunResult)(JSON.parse(readFileSync(join(runDir, "result.json"), "utf8")))
    expect(result).toMatchObject({ id: "tiny", status: "completed", tokens: 2048, steps: 4, backend: "wasm" })
    expect(result.val_loss).toBeLessThan(Math.log(256) * 1.05)
  }, 60_000)

  it("rejects a bad run.json with exit 2, naming the file and the field", async () => {
    const runDir = mkdtempSync(join(tmpdir(), "train-worker-"))
    writeFileSync(join(runDir, "run.json"), JSON.stringify({ ...tinySpec(), tokens: "many" }))
    const { code, stderr } = await spawnWorker(runDir)
    expect(code).toBe(2)
    expect(stderr).toContain("run.json")
    expect(stderr).toContain('["tokens"]')
  }, 60_000)

  // The runner does not retry exit 2 and retries exit 1: the code comes from the error's marker.
  it("exits 2 on a corrupt checkpoint, an input that running again cannot fix", async () => {
    const runDir = mkdtempSync(join(tmpdir(), "train-worker-"))
    writeFileSync(join(runDir, "run.json"), JSON.stringify(tinySpec()))
    writeFileSync(join(runDir, "checkpoint.bin"), "not a checkpoint")
    const { code, stderr } = await spawnWorker(runDir)
    expect(code).toBe(2)
    expect(stderr).toContain("checkpoint.bin")
  }, 60_000)

  it("exits 1 when it cannot write its metrics, a failure the runner retries", async () => {
    const runDir = mkdtempSync(join(tmpdir(), "train-worker-"))
    writeFileSync(join(runDir, "run.json"), JSON.stringify(tinySpec()))
    mkdirSync(join(runDir, "metrics.jsonl"))
    const { code, stderr } = await spawnWorker(runDir)
    expect(code).toBe(1)
    expect(stderr).toContain("metrics.jsonl")
  }, 60_000)

  // 200 steps of 256 tokens: a few seconds, long enough to be stopped in the middle.
  const longSpec = () => tinySpec({ tokens: 200 * 256, training: { ...tinySpec().training, batch_tokens: 256 } })

  /** Starts the worker and sends `signal` once metrics.jsonl shows a step past `afterStep`. */
  const interruptWorker = (runDir: string, signal: NodeJS.Signals, afterStep: number) =>
    new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", worker, runDir], { cwd: join(import.meta.dirname, ".."), stdio: "ignore" })
      const poll = setInterval(() => {
        const file = join(runDir, "metrics.jsonl")
        const last = existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").at(-1) : undefined
        if (last !== undefined && last !== "" && (JSON.parse(last) as { step: number }).step > afterStep) {
          clearInterval(poll)
          child.kill(signal)
        }
      }, 20)
      child.on("exit", (code, killedBy) => {
        clearInterval(poll)
        resolve(killedBy === "SIGKILL" ? null : code)
      })
    })

  const lossSteps = (runDir: string) =>
    readFileSync(join(runDir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as MetricLine)
      .filter((l) => l.loss !== undefined).map((l) => l.step)

  it.each([
    ["SIGTERM", 143],
    ["SIGKILL", null]
  ] as const)("stopped by %s, resumes from its checkpoint on the next start with no repeated metric line", async (signal, exitCode) => {
    const runDir = mkdtempSync(join(tmpdir(), "train-worker-"))
    writeFileSync(join(runDir, "run.json"), JSON.stringify(longSpec()))
    expect(await interruptWorker(runDir, signal, 45)).toBe(exitCode)
    expect(existsSync(join(runDir, "checkpoint.bin"))).toBe(true)
    expect(existsSync(join(runDir, "result.json"))).toBe(false)

    const { code } = await spawnWorker(runDir)
    expect(code).toBe(0)
    const result = Schema.decodeUnknownSync(RunResult)(JSON.parse(readFileSync(join(runDir, "result.json"), "utf8")))
    expect(result).toMatchObject({ status: "completed", steps: 200, tokens: 200 * 256 })
    // SIGTERM checkpoints at the step it arrives; SIGKILL leaves the last periodic one (every 20 steps).
    expect(result.resumed_from_step).toBeGreaterThanOrEqual(signal === "SIGTERM" ? 46 : 40)
    // A line every 4 steps (50 a run), each exactly once across the two attempts.
    expect(lossSteps(runDir)).toEqual(Array.from({ length: 50 }, (_, i) => 4 * (i + 1)))
  }, 120_000)
})

