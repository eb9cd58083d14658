// Runs that start from another run's end (`init`, an annealing probe) and runs that leave their end
// behind (`save_final`): a run continued from another's final state computes what one longer run
// computes, a probe stopped midway resumes from its own checkpoint, and final.bin is written only
// for a completed run, before result.json.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { MetricLine, RunResult, RunSpec } from "@scalelab/spec"
import { Runtime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { selectBackend } from "../src/backend/backend.ts"
import { parameterLayout } from "../src/model/parameters.ts"
import {
  type Checkpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  finalFile,
  loadInitialCheckpoint,
  saveFinalCheckpoint
} from "../src/run/checkpoint.ts"
import { type TrainOutcome, type TrainRunOptions, trainRun } from "../src/run/trainRun.ts"
import { tinySpec } from "./tinySpec.ts"
import { spawnWorker } from "./spawnWorker.ts"

beforeAll(async () => {
  await selectBackend("wasm")
})

const scratch = mkdtempSync(join(tmpdir(), "scalelab-anneal-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const batchTokens = 256
/** A tiny run of `steps` steps of 256 tokens at a constant learning rate: continuing it changes no step's lr. */
const constantRun = (id: string, steps: number, extra: Partial<RunSpec> = {}): RunSpec =>
  tinySpec({
    id,
    tokens: steps * batchTokens,
    training: { ...tinySpec().training, schedule: "constant", warmup: 0, batch_tokens: batchTokens },
    ...extra
  })

const finished = (outcome: TrainOutcome): RunResult => {
  if (outcome.kind !== "finished") throw new Error(`expected a finished run, got ${outcome.kind}`)
  return outcome.result
}

/** Trains `spec` and returns its result and the end state it hands to saveFinal. */
async function trainToEnd(spec: RunSpec, options: TrainRunOptions = {}): Promise<{ result: RunResult; final: Checkpoint }> {
  let final: Checkpoint | undefined
  const result = finished(await trainRun(spec, { ...options, saveFinal: (c) => (final = c) }))
  if (final === undefined) throw new Error(`run ${spec.id} saved no final state`)
  return { result, final }
}

const largestRelativeGap = (a: Float32Array, b: Float32Array): number => {
  let scale = 0
  let gap = 0
  a.forEach((x, i) => {
    scale = Math.max(scale, Math.abs(x))
    gap = Math.max(gap, Math.abs(x - (b[i] as number)))
  })
  return gap / scale
}

/** A checkpoint store in memory, holding copies as a file would. */
const memoryStore = () => {
  const store = {
    saved: [] as Array<Checkpoint["meta"]>,
    latest: undefined as Checkpoint | undefined,
    load: () => store.latest,
    save: (checkpoint: Checkpoint) => {
      store.saved.push(structuredClone(checkpoint.meta))
      store.latest = decodeCheckpoint(encodeCheckpoint(checkpoint), "memory", checkpoint.meta.run_id)
    }
  }
  return store
}

const firstSteps = 6
const moreSteps = 4
const base = constantRun("base", firstSteps, { save_final: true })
const probe = constantRun("probe", moreSteps, { init: { run: "base", steps: firstSteps } })

describe("a run that starts from another run's end", () => {
  let baseFinal: Checkpoint

  beforeAll(async () => {
    baseFinal = (await trainToEnd(base)).final
  }, 60_000)

  it("continues it exactly: weights, both moments, AdamW's step and the data order carry over", async () => {
    const lines: Array<MetricLine> = []
    const continued = await trainToEnd(probe, { initial: () => baseFinal, onMetric: (line) => lines.push(line) })
    const straight = await trainToEnd(constantRun("straight", firstSteps + moreSteps))

    expect(largestRelativeGap(continued.final.parameters, straight.final.parameters)).toBeLessThan(1e-5)
    expect(largestRelativeGap(continued.final.firstMoment, straight.final.firstMoment)).toBeLessThan(1e-5)
    expect(largestRelativeGap(continued.final.secondMoment, straight.final.secondMoment)).toBeLessThan(1e-5)
    expect(continued.result.val_loss).toBeCloseTo(straight.result.val_loss, 5)
    // The probe's losses are the last steps of the straight run's.
    expect(continued.final.meta.step_losses)
      .toEqual(straight.final.meta.step_losses.slice(firstSteps).map((loss) => expect.closeTo(loss, 5)))

    // Its own steps, tokens and FLOPs, counted from 0; AdamW's step counts the base run's too.
    expect(continued.result).toMatchObject({ id: "probe", status: "completed", steps: moreSteps, tokens: moreSteps * batchTokens })
    expect(continued.result.flops).toBeCloseTo(probe.flops, 0)
    expect(continued.result.resumed_from_step).toBeUndefined()
    expect(lines.filter((l) => l.loss !== undefined).map((l) => [l.step, l.tokens]))
      .toEqual([1, 2, 3, 4].map((step) => [step, step * batchTokens]))
    expect(continued.final.meta).toMatchObject({ run_id: "probe", step: moreSteps, optimizer_step: firstSteps + moreSteps })
  }, 60_000)

  it("resumes from its own checkpoint when stopped midway, to the result of an uninterrupted run", async () => {
    const uninterrupted = await trainToEnd(probe, { initial: () => baseFinal })

    const store = memoryStore()
    let stepsLogged = 0
    const stopped = await trainRun(probe, {
      initial: () => baseFinal,
      checkpoints: store,
      checkpointEvery: 100,
      onMetric: (line) => {
        if (line.loss !== undefined) stepsLogged = line.step
      },
      shouldStop: () => stepsLogged >= 2
    })
    expect(stopped).toEqual({ kind: "interrupted", step: 2 })
    // The probe's own step, and the optimiser's counted from the base run's end.
    expect(store.saved).toEqual([expect.objectContaining({ run_id: "probe", step: 2, optimizer_step: firstSteps + 2, tokens: 2 * batchTokens })])

    const resumed = await trainToEnd(probe, {
      checkpoints: store,
      // The checkpoint takes precedence: the base run's end is not read again.
      initial: () => {
        throw new Error("a probe with a checkpoint of its own read its initial weights")
      }
    })
    expect(resumed.result).toMatchObject({ status: "completed", steps: moreSteps, tokens: moreSteps * batchTokens, resumed_from_step: 2 })
    expect(resumed.result.val_loss).toBeCloseTo(uninterrupted.result.val_loss, 5)
    expect(resumed.result.train_loss).toBeCloseTo(uninterrupted.result.train_loss, 5)
    expect(largestRelativeGap(resumed.final.parameters, uninterrupted.final.parameters)).toBeLessThan(1e-5)
    expect(resumed.final.meta).toMatchObject({ step: moreSteps, optimizer_step: firstSteps + moreSteps })
  }, 60_000)

  it("refuses to train fresh weights when it is given no initial weights", async () => {
    await expect(trainRun(probe)).rejects.toThrow(/run probe starts from run base's end, but no initial weights were given/)
  }, 60_000)
})

describe("the final state", () => {
  it("goes to saveFinal only for a completed run, not for a diverged or an interrupted one", async () => {
    let saved = 0
    const saveFinal = () => (saved += 1)
    // An lr of 1e30 sends the weights to infinity at the first update (as in trainRun.test.ts).
    const blowUp = constantRun("blow-up", 4, { training: { ...base.training, lr: 1e30, grad_clip: 0 } })
    expect(finished(await trainRun(blowUp, { saveFinal })).status).toBe("diverged")
    expect(await trainRun(base, { saveFinal, shouldStop: () => true })).toEqual({ kind: "interrupted", step: 1 })
    expect(saved).toBe(0)
    finished(await trainRun(base, { saveFinal }))
    expect(saved).toBe(1)
  }, 60_000)
})

describe("loadInitialCheckpoint", () => {
  const parameters = parameterLayout(probe.shape).total
  /** A store with run folders `base` (holding a final.bin of `steps` steps and `count` parameters) and `probe`. */
  const store = (steps: number, count = parameters) => {
    const runs = mkdtempSync(join(scratch, "runs-"))
    mkdirSync(join(runs, "base"))
    mkdirSync(join(runs, "probe"))
    const floats = new Float32Array(count).fill(0.5)
    saveFinalCheckpoint(join(runs, "base"), {
      meta: { format: 1, run_id: "base", step: steps, tokens: steps * batchTokens, parameters: count, train_seconds: 1, last_val_loss: 3, step_losses: [] },
      parameters: floats,
      firstMoment: floats,
      secondMoment: floats
    })
    return join(runs, "probe")
  }

  it("reads the named run's final.bin from the folder beside this run's", () => {
    const loaded = loadInitialCheckpoint(store(firstSteps), "probe", { run: "base", steps: firstSteps }, parameters)
    expect(loaded.meta).toMatchObject({ run_id: "base", step: firstSteps, parameters })
    expect(loaded.parameters[parameters - 1]).toBe(0.5)
  })

  it("finds that folder when the run folder is given as \".\" or with a trailing slash", () => {
    const probeDir = store(firstSteps)
    const init = { run: "base", steps: firstSteps }
    expect(loadInitialCheckpoint(`${probeDir}/`, "probe", init, parameters).meta.run_id).toBe("base")
    const here = process.cwd()
    try {
      process.chdir(probeDir)
      expect(loadInitialCheckpoint(".", "probe", init, parameters).meta.run_id).toBe("base")
    } finally {
      process.chdir(here)
    }
  })

  /** The error `run` throws: its tag, exit code and message. */
  const failure = (run: () => unknown): [string, number | undefined, string] => {
    try {
      run()
    } catch (error) {
      return [(error as { _tag: string })._tag, Runtime.getErrorExitCode(error), (error as Error).message]
    }
    throw new Error("no error")
  }

  it("is bad input (exit 2) when that file is missing, naming the run and the file and saying what to do", () => {
    const probeDir = store(firstSteps)
    const missing = { run: "elsewhere", steps: firstSteps }
    const file = join(probeDir, "..", "elsewhere", "final.bin")
    expect(failure(() => loadInitialCheckpoint(probeDir, "probe", missing, parameters))).toEqual([
      "MissingInitialWeightsError",
      2,
      `run probe starts from run elsewhere, whose final.bin (${join(file)}) does not exist: train that run to completion first ` +
        "(scalelab run trains it before its probes; its spec has save_final)"
    ])
  })

  it("is bad input (exit 2) when the run ended after another step count or has another shape", () => {
    const [tag, code, message] = failure(() => loadInitialCheckpoint(store(5), "probe", { run: "base", steps: firstSteps }, parameters))
    expect([tag, code]).toEqual(["InitialWeightsMismatchError", 2])
    expect(message).toMatch(/run probe cannot start from .*base\/final\.bin: run base ended after 5 steps, but init\.steps is 6/)
    const wrongShape = failure(() => loadInitialCheckpoint(store(firstSteps, 10), "probe", { run: "base", steps: firstSteps }, parameters))
    expect(wrongShape).toEqual([
      "InitialWeightsMismatchError",
      2,
      expect.stringContaining(`it holds 10 parameters, where this run's model shape has ${parameters}`)
    ])
  })
})


describe("the worker", () => {
  /** A store's run folder for `spec`, at <store>/runs/<id>/ as the runner lays them out. */
  const runFolder = (runs: string, spec: RunSpec) => {
    const folder = join(runs, spec.id)
    mkdirSync(folder, { recursive: true })
    writeFileSync(join(folder, "run.json"), JSON.stringify(spec))
    return folder
  }

  it("writes final.bin for save_final before result.json, and a probe beside it starts from it", async () => {
    const runs = mkdtempSync(join(scratch, "runs-"))
    const baseDir = runFolder(runs, base)
    // result.json cannot be written (a folder holds its name): the worker fails after final.bin.
    mkdirSync(join(baseDir, "result.json"))
    const failed = await spawnWorker(baseDir)
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain("result.json")
    const final = decodeCheckpoint(readFileSync(finalFile(baseDir)), "final.bin", "base")
    expect(final.meta).toMatchObject({ run_id: "base", step: firstSteps, tokens: firstSteps * batchTokens })

    rmSync(join(baseDir, "result.json"), { recursive: true })
    expect((await spawnWorker(baseDir)).code).toBe(0)
    const probeDir = runFolder(runs, probe)
    const { code, stderr } = await spawnWorker(probeDir)
    expect(code, stderr).toBe(0)
    const result = JSON.parse(readFileSync(join(probeDir, "result.json"), "utf8")) as RunResult
    expect(result).toMatchObject({ id: "probe", status: "completed", steps: moreSteps, tokens: moreSteps * batchTokens })
    // No save_final: no final.bin.
    expect(existsSync(finalFile(probeDir))).toBe(false)
  }, 60_000)

  it("exits 2 for a probe whose base run has no final.bin, naming it", async () => {
    const runs = mkdtempSync(join(scratch, "runs-"))
    const { code, stderr } = await spawnWorker(runFolder(runs, probe))
    expect(code).toBe(2)
    expect(stderr).toContain(`run probe starts from run base, whose final.bin (${join(runs, "base", "final.bin")}) does not exist`)
  }, 60_000)
})
