// experiments/pytorch-trainer: a shortened quickstart run trained by the PyTorch trainer on a run
// folder, as `executor: command` would start it, and by the built-in worker on the same RunSpec.
import { RunResult } from "../packages/spec/src/index.ts"
import { Schema } from "effect"
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { learningRateAt } from "../packages/train/src/optim/schedule.ts"
import { hasTorch, torchPython } from "./support/torch.ts"

const root = join(import.meta.dirname, "..")
const python = torchPython
const trainer = join(root, "experiments", "pytorch-trainer", "train.py")

interface MetricLine {
  readonly step: number
  readonly loss?: number
  readonly val_loss?: number
}

interface PlannedRun {
  readonly params: number
  readonly training: object
  readonly data: object
  readonly [field: string]: unknown
}

/** The quickstart's smallest run, cut to 40 steps of 512 tokens and a 2048-token validation set. */
function tinyRun(): Record<string, unknown> {
  const plan = JSON.parse(
    execFileSync("node", ["packages/cli/bin/scalelab.js", "plan", "experiments/quickstart.yaml", "--json"], { cwd: root, encoding: "utf8" })
  ) as { runs: Array<{ run: PlannedRun }> }
  const run = plan.runs.map((r) => r.run).sort((a, b) => a.params - b.params)[0]!
  const tokens = 40 * 512
  return {
    ...run,
    tokens,
    flops: 6 * run.params * tokens,
    training: { ...run.training, batch_tokens: 512 },
    data: { ...run.data, val_tokens: 2048 }
  }
}

function runFolder(run: Record<string, unknown>): string {
  const folder = mkdtempSync(join(tmpdir(), "pytorch-trainer-"))
  writeFileSync(join(folder, "run.json"), JSON.stringify(run))
  return folder
}

const metrics = (folder: string): Array<MetricLine> =>
  readFileSync(join(folder, "metrics.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as MetricLine)

const finalValLoss = (folder: string): number => metrics(folder).filter((m) => m.val_loss !== undefined).at(-1)!.val_loss!

describe.skipIf(!hasTorch)("the PyTorch trainer (needs PyTorch importable by /usr/bin/python3)", () => {
  it("trains a run: a valid result.json, the loss falls, val_loss finite, and it agrees with the built-in trainer", () => {
    const run = tinyRun()
    const torchFolder = runFolder(run)
    const trained = spawnSync(python, [trainer, torchFolder], { encoding: "utf8" })
    expect(trained.status, trained.stderr).toBe(0)
    const result = Schema.decodeUnknownSync(RunResult)(JSON.parse(readFileSync(join(torchFolder, "result.json"), "utf8")))
    expect(result).toMatchObject({ status: "completed", steps: 40, tokens: 40 * 512, backend: "pytorch" })
    expect(result.device === "cpu" || result.device?.length).toBeTruthy()
    expect(Number.isFinite(result.val_loss)).toBe(true)
    const losses = metrics(torchFolder).flatMap((m) => (m.loss === undefined ? [] : [m.loss]))
    expect(losses.at(-1)!).toBeLessThan(losses[0]! - 1)
    expect(result.val_loss).toBeLessThan(Math.log(256) - 1)

    // Same tokens, initial weights, windows and optimiser: the same losses up to float rounding.
    const builtInFolder = runFolder(run)
    const builtIn = spawnSync("node", ["--import", "tsx", "packages/train/src/run/worker.ts", builtInFolder], { cwd: root, encoding: "utf8" })
    expect(builtIn.status, builtIn.stderr).toBe(0)
    expect(Math.abs(finalValLoss(torchFolder) - finalValLoss(builtInFolder))).toBeLessThan(1e-3)
  }, 120_000)

  it("resumes from its checkpoint to the same result", () => {
    const folder = runFolder(tinyRun())
    expect(spawnSync(python, [trainer, folder]).status).toBe(0)
    const straight = JSON.parse(readFileSync(join(folder, "result.json"), "utf8")) as RunResult
    // The last checkpoint of a finished run stays behind (step 36 of 40): start again from it.
    rmSync(join(folder, "result.json"))
    const resumed = spawnSync(python, [trainer, folder], { encoding: "utf8" })
    expect(resumed.status, resumed.stderr).toBe(0)
    const again = JSON.parse(readFileSync(join(folder, "result.json"), "utf8")) as RunResult
    expect(again.resumed_from_step).toBe(36)
    expect(again.val_loss).toBe(straight.val_loss)
    expect(again.train_loss).toBe(straight.train_loss)
    expect(metrics(folder).filter((m) => m.val_loss !== undefined).map((m) => m.step)).toEqual([10, 20, 30, 40])
  }, 60_000)

  it("exits 2 without training on a shape it cannot train", () => {
    const run = tinyRun()
    const folder = runFolder({ ...run, shape: { ...(run.shape as object), heads: 3, kv_heads: 2 } })
    const outcome = spawnSync(python, [trainer, folder], { encoding: "utf8" })
    expect(outcome.status).toBe(2)
    expect(outcome.stderr).toContain("shape.heads (3) must be a multiple of shape.kv_heads (2)")
    expect(existsSync(join(folder, "result.json"))).toBe(false)
  }, 60_000)

  it.each([
    ["init", { init: { run: "base-run", steps: 40 } }, "init is set (start from run base-run's final.bin)"],
    ["save_final", { save_final: true }, "save_final is set"]
  ])("exits 2 without training on a run with %s: annealing probes need the built-in trainer", (_, fields, problem) => {
    const folder = runFolder({ ...tinyRun(), ...fields })
    const outcome = spawnSync(python, [trainer, folder], { encoding: "utf8" })
    expect(outcome.status).toBe(2)
    expect(outcome.stderr).toContain(problem)
    expect(outcome.stderr).toContain("need the built-in trainer")
    expect(existsSync(join(folder, "metrics.jsonl"))).toBe(false)
  }, 60_000)

  it("follows the built-in trainer's learning rate, step by step, for every schedule", () => {
    const steps = 20
    for (const schedule of ["cosine", "constant", "linear"] as const) {
      const training = { lr: 3e-3, schedule, warmup: 0.15, min_lr_fraction: 0.1 }
      const script = `import json, sys; from train import learning_rate; ` +
        `print(json.dumps([learning_rate(s, ${steps}, json.loads(sys.argv[1])) for s in range(${steps})]))`
      const rates = JSON.parse(
        execFileSync(python, ["-c", script, JSON.stringify(training)], { cwd: join(root, "experiments", "pytorch-trainer"), encoding: "utf8" })
      ) as Array<number>
      const settings = { kind: schedule, peak: training.lr, warmup: training.warmup, minFraction: training.min_lr_fraction }
      expect(rates).toEqual(Array.from({ length: steps }, (_, step) => expect.closeTo(learningRateAt(step, steps, settings), 15)))
    }
  }, 60_000)
})
