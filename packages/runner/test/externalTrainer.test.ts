// The worker contract from the other side: a trainer in another language (Python, standard library
// only: experiments/external-trainer/train.py), started per run by the command executor from a
// template, trains a sweep; stopped mid-run it checkpoints, and the next sweep resumes it.
import { Effect, Fiber, Layer } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { describe, expect, it } from "vitest"
import { CommandExecutor, RunStore, runFolderPath, runSweep, type SweepEvent } from "../src/index.ts"
import { freshStoreDir, makeRun } from "./fixtures.ts"

const trainer = join(import.meta.dirname, "..", "..", "..", "experiments", "external-trainer", "train.py")
const template = `python3 ${trainer} {run_dir}`

// Runs of a few hundred thousand tokens: a second or two each in Python.
const runs = [0, 1, 2].map((index) => ({ ...makeRun(index, "external"), tokens: 60_000 * (index + 1), trainer: "command 1" }))
  .map((run) => ({ ...run, training: { ...run.training, batch_tokens: 1000 } }))

const layers = (storeDir: string) =>
  Layer.merge(RunStore.layer(storeDir), CommandExecutor.layer({ template, hangTimeoutSeconds: 60 }))

describe("an external trainer under the command executor", () => {
  it("runs in the folder it is given, with the run folder named absolutely even when the store's path is relative", async () => {
    // As `scalelab run experiments/external.yaml` does: the store `experiments/.scalelab` is relative
    // to the coordinator, the command runs in `experiments/`.
    const storeDir = relative(process.cwd(), freshStoreDir())
    const [run] = runs
    const outcome = await Effect.runPromise(
      runSweep("external", [run!], { storeDir, concurrency: 1, retries: 0 }).pipe(Effect.provide(Layer.merge(
        RunStore.layer(storeDir),
        CommandExecutor.layer({ template: "python3 train.py {run_dir}", hangTimeoutSeconds: 60, cwd: dirname(trainer) })
      )))
    )
    expect(outcome.failed).toEqual([])
    expect(existsSync(join(runFolderPath(storeDir, run!.id), "result.json"))).toBe(true)
  })

  it("trains every run through the worker contract: metric lines, a checkpoint, result.json", async () => {
    const storeDir = freshStoreDir()
    const progress: Array<SweepEvent> = []
    const { outcome, results } = await Effect.runPromise(
      Effect.gen(function*() {
        const outcome = yield* runSweep("external", runs, {
          storeDir,
          concurrency: 2,
          retries: 0,
          onEvent: (event) => Effect.sync(() => progress.push(event))
        })
        return { outcome, results: yield* (yield* RunStore).results("external") }
      }).pipe(Effect.provide(layers(storeDir)))
    )
    expect(outcome.failed).toEqual([])
    expect(results.map((row) => row.run_id).sort()).toEqual(runs.map((run) => run.id))
    for (const run of runs) {
      const result = JSON.parse(readFileSync(join(runFolderPath(storeDir, run.id), "result.json"), "utf8"))
      expect(result).toMatchObject({ id: run.id, status: "completed", backend: "python", steps: run.tokens / 1000 })
      // Below a uniform guess over its 32 symbols: it learnt something.
      expect(result.val_loss).toBeLessThan(Math.log(32))
      expect(existsSync(join(runFolderPath(storeDir, run.id), "checkpoint.json"))).toBe(true)
    }
    // Its metric lines arrived as progress while it trained, ten per run plus the evaluation.
    expect(progress.filter((event) => event._tag === "RunProgress").length).toBe(runs.length * 11)
  })

  it("checkpoints when the sweep is interrupted, and the next sweep resumes it", async () => {
    const storeDir = freshStoreDir()
    const long = { ...runs[2]!, tokens: 400_000 }
    const runDir = runFolderPath(storeDir, long.id)
    await Effect.runPromise(
      Effect.gen(function*() {
        const sweeping = yield* Effect.forkChild(runSweep("external", [long], { storeDir, concurrency: 1, retries: 0 }))
        while (!existsSync(join(runDir, "checkpoint.json"))) yield* Effect.sleep("50 millis")
        yield* Fiber.interrupt(sweeping)
      }).pipe(Effect.provide(layers(storeDir)))
    )
    expect(existsSync(join(runDir, "result.json"))).toBe(false)
    const outcome = await Effect.runPromise(
      runSweep("external", [long], { storeDir, concurrency: 1, retries: 0 }).pipe(Effect.provide(layers(storeDir)))
    )
    expect(outcome.completed[0]?.resumed_from_step).toBeGreaterThan(0)
    const steps = readFileSync(join(runDir, "metrics.jsonl"), "utf8").trim().split("\n")
      .map((line) => JSON.parse(line) as { step: number; loss?: number })
      .filter((line) => line.loss !== undefined)
      .map((line) => line.step)
    expect(steps).toEqual([...new Set(steps)].sort((a, b) => a - b))
    expect(steps.at(-1)).toBe(400)
  })
})
