import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { MetricLine, RunResult } from "@scalelab/spec"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { tinySpec } from "./tinySpec.ts"

const run = promisify(execFile)
const worker = join(import.meta.dirname, "..", "src", "worker.ts")
const spawnWorker = (runDir: string) =>
  run(process.execPath, ["--import", "tsx", worker, runDir], { cwd: join(import.meta.dirname, "..") }).then(
    (out) => ({ code: 0, stderr: out.stderr }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr })
  )

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
})
