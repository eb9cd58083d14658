// Sweep overhead and recovery, measured against references taken in the same run:
// 1. overhead per run: a sweep of runs whose trainer does nothing (the runner's fake trainer) vs
//    starting that same trainer process directly, as many times: the difference is what the
//    coordinator adds per run (store transactions, run folders, process supervision);
// 2. recovery after a kill: `scalelab run` on a small real sweep, SIGKILLed while runs train, then
//    started again: seconds until training is back under way, vs a fresh start of the same sweep.
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Layer } from "effect"
import { LocalExecutor, RunStore, runSweep } from "@scalelab/runner"
import type { RunSpec } from "@scalelab/spec"
import { fakeTrainer, makeRun } from "../../runner/test/fixtures.ts"

const repository = fileURLToPath(new URL("../../../", import.meta.url))
const cli = join(repository, "packages/cli/bin/scalelab.js")
const crashSpec = readFileSync(join(repository, "test/fixtures/crash-sweep.yaml"), "utf8")
const runCount = Number(process.argv[2] ?? 40)

const fakeRun = (index: number): RunSpec => makeRun(index, "bench")

const seconds = (since: number) => (performance.now() - since) / 1000

const directStarts = (runDir: string): number => {
  const started = performance.now()
  for (let i = 0; i < runCount; i++) {
    spawnSync(process.execPath, [fakeTrainer, runDir, "train"], { stdio: "ignore" })
  }
  return seconds(started) / runCount
}

const sweepPerRun = async (storeDir: string, concurrency: number): Promise<number> => {
  const runs = Array.from({ length: runCount }, (_, index) => fakeRun(index))
  const executor = LocalExecutor.layer({
    name: "local",
    workerCommand: (runDir) => ({ command: process.execPath, args: [fakeTrainer, runDir, "train"] }),
    hangTimeoutSeconds: 0
  })
  const started = performance.now()
  await Effect.runPromise(
    runSweep("bench", runs, { storeDir, concurrency, retries: 0 }).pipe(Effect.provide(Layer.merge(RunStore.layer(storeDir), executor)))
  )
  return seconds(started) / runCount * concurrency
}

interface Started {
  readonly kill: () => Promise<void>
  /** The first line of stdout that passes `test`, and the seconds from the start to it. */
  readonly firstLine: (test: (line: string) => boolean) => Promise<{ readonly line: string; readonly seconds: number }>
}

/** Starts `scalelab run --json`. */
const startSweep = (dir: string): Started => {
  const started = performance.now()
  const child = spawn(process.execPath, [cli, "run", "sweep.yaml", "--json"], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] })
  let stdout = ""
  const waiting: Array<() => void> = []
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString()
    for (const check of [...waiting]) check()
  })
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()))
  return {
    kill: async () => {
      child.kill("SIGKILL")
      await exited
    },
    firstLine: (test) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const line = stdout.split("\n").find(test)
          if (line !== undefined) resolve({ line, seconds: seconds(started) })
        }
        waiting.push(check)
        void exited.then(() => reject(new Error(`scalelab exited before the line awaited:\n${stdout}`)))
      })
  }
}

interface Progress {
  readonly event: string
  readonly id: string
  readonly step: number
}

const progress = (line: string): Progress | undefined => {
  if (!line.startsWith("{")) return undefined
  const event = JSON.parse(line) as Progress
  return event.event === "RunProgress" ? event : undefined
}

/**
 * Kills a sweep once a run has logged step 40 (past its checkpoints at every tenth of a run) and
 * starts it again: how long until that run trains past the step it had reached, against how long
 * a fresh start takes to its first step.
 */
const recovery = async () => {
  const dir = mkdtempSync(join(tmpdir(), "scalelab-bench-sweep-"))
  writeFileSync(join(dir, "sweep.yaml"), crashSpec)
  try {
    const fresh = startSweep(dir)
    const firstStep = await fresh.firstLine((line) => progress(line) !== undefined)
    const atKill = progress((await fresh.firstLine((line) => (progress(line)?.step ?? 0) >= 40)).line)!
    await fresh.kill()
    const restarted = startSweep(dir)
    const backToWork = await restarted.firstLine((line) => line.includes('"event":"RunStarted"'))
    const caughtUp = await restarted.firstLine((line) => {
      const event = progress(line)
      return event !== undefined && event.id === atKill.id && event.step > atKill.step
    })
    await restarted.kill()
    return { firstStep: firstStep.seconds, backToWork: backToWork.seconds, caughtUp: caughtUp.seconds, step: atKill.step }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const main = async () => {
  const scratch = mkdtempSync(join(tmpdir(), "scalelab-bench-sweep-"))
  try {
    const runDir = join(scratch, "direct")
    spawnSync("mkdir", ["-p", runDir])
    writeFileSync(join(runDir, "run.json"), JSON.stringify(fakeRun(0)))
    const direct = directStarts(runDir)
    const swept = await sweepPerRun(join(scratch, "store-1"), 1)
    console.log(`overhead per run (${runCount} runs of a trainer that does nothing, one at a time):`)
    console.log(`  trainer process started directly: ${(direct * 1000).toFixed(1)} ms`)
    console.log(`  through runSweep (store, run folder, supervision): ${(swept * 1000).toFixed(1)} ms`)
    console.log(`  coordinator overhead: ${((swept - direct) * 1000).toFixed(1)} ms per run (ratio ${(swept / direct).toFixed(2)})`)
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  const { firstStep, backToWork, caughtUp, step } = await recovery()
  console.log("recovery after SIGKILL of `scalelab run` (test/fixtures/crash-sweep.yaml, built-in trainer):")
  console.log(`  fresh start to its first training step logged: ${firstStep.toFixed(1)} s (the reference)`)
  console.log(`  restart to workers started again: ${backToWork.toFixed(1)} s (ratio ${(backToWork / firstStep).toFixed(2)})`)
  console.log(`  restart to the killed run training past step ${step} again: ${caughtUp.toFixed(1)} s ` +
    `(ratio ${(caughtUp / firstStep).toFixed(2)}; includes steps redone since its last checkpoint)`)
}

await main()
