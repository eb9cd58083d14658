// What the Slurm executor's tests need of the real cluster (scripts/slurm/start.sh) and of the real
// built-in trainer: tiny planned runs, the executor layer, and a look at Slurm's queue.
import { decodeExperimentText, type RunSpec } from "@scalelab/spec"
import { Result } from "effect"
import { spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { builtinWorkerCommand } from "../../sweep/src/workerCommand.ts"
import { planIsoflop } from "../../planner/src/index.ts"
import { metricsFile, SlurmExecutor, type WorkerCommand } from "../src/index.ts"

// Slurm's commands retry a controller that does not answer for a long while.
const slurmCommand = (program: string, args: ReadonlyArray<string>) =>
  spawnSync(program, args, { encoding: "utf8", timeout: 30_000 })

/** Why the tests cannot use a Slurm cluster here, or undefined when `sinfo` answers. */
export const slurmProblem = (): string | undefined => {
  const sinfo = slurmCommand("sinfo", ["--noheader", "--format", "%T"])
  if (sinfo.error !== undefined) return `sinfo could not run (${sinfo.error.message})`
  if (sinfo.status !== 0) return `sinfo failed: ${sinfo.stderr.trim()}`
  return undefined
}

export const slurmSetupAdvice = "install and start the single-node test cluster: bash scripts/slurm/install.sh && " +
  "eval \"$(bash scripts/slurm/start.sh)\" (it sets SLURM_CONF)"

/** A job name prefix no other test's (or earlier run's) jobs share. */
export const uniqueJobPrefix = (label: string): string => `scalelab-test-${label}-${randomBytes(3).toString("hex")}-`

export interface QueuedJob {
  readonly id: string
  readonly name: string
  readonly state: string
}

/** The jobs in the queue (pending, running or completing) whose names start with `prefix`. */
export const queuedJobs = (prefix: string): ReadonlyArray<QueuedJob> =>
  slurmCommand("squeue", ["--noheader", "--format", "%i|%j|%T"]).stdout.split("\n").flatMap((line) => {
    const [id = "", name = "", state = ""] = line.trim().split("|")
    return name.startsWith(prefix) ? [{ id, name, state }] : []
  })

/** Ids of every job the controller knows by this name, ended ones included (for MinJobAge, 5 minutes). */
export const jobsNamed = (name: string): ReadonlyArray<string> =>
  slurmCommand("scontrol", ["--oneliner", "show", "job"]).stdout.split("\n").flatMap((line) =>
    line.includes(` JobName=${name} `) ? [/^JobId=(\d+)/.exec(line)?.[1] ?? "?"] : []
  )

export const cancelJob = (id: string): void => {
  const scancel = slurmCommand("scancel", [id])
  if (scancel.status !== 0) throw new Error(`scancel ${id} failed: ${scancel.stderr}`)
}

// A byte-level model of a few thousand parameters trained for 20 steps: a few seconds of training
// after the worker's start (~10 s on 2 cores, most of it loading modules). At this budget the three
// sizes round to one shape, so the plan is `seeds` runs of one model.
const tinySpec = (name: string, seeds: number) => `
name: ${name}
data: { corpus: moby-dick, tokenizer: bytes, validation: 0.05, val_tokens: 2048 }
model: { family: llama, context: 32, aspect: 16, head_dim: 8, kv_heads: 2 }
flops: 6N
sweep: { kind: isoflop, budgets: [3e8], sizes_per_budget: 3, span: 4, seeds: ${seeds}, centre: deepseek-llm }
training: { lr: 1e-2, warmup: 0.05, schedule: cosine, batch_tokens: D / 20 }
eval: { every: 0.5, cloze: { answer_bytes: 16 } }   # at most half the context
execution: { executor: slurm, backend: wasm }
`

/** `seeds` runs of one tiny model, planned as `scalelab run` plans them. */
export const planTinyRuns = (experimentName: string, seeds: number): ReadonlyArray<RunSpec> => {
  const experiment = Result.getOrThrow(decodeExperimentText(tinySpec(experimentName, seeds), `${experimentName}.yaml`))
  return planIsoflop(experiment).runs.map((planned) => planned.run)
}

/**
 * The Slurm executor, polling often to keep the tests short. The worker is the real built-in one
 * unless a test gives its own.
 */
export const testSlurmExecutor = (options: {
  readonly storeDir: string
  readonly jobNamePrefix: string
  readonly workerCommand?: (runDir: string) => WorkerCommand
  readonly hangTimeoutSeconds?: number
}) =>
  SlurmExecutor.layer({
    workerCommand: options.workerCommand ?? builtinWorkerCommand(options.storeDir),
    slurm: { partition: "", time: "", gpus: 0, cpus_per_task: 1, memory: "", sbatch_flags: [], poll_seconds: 0.5 },
    // The built-in worker writes nothing while it loads, which on a busy CI machine takes a while.
    hangTimeoutSeconds: options.hangTimeoutSeconds ?? 120,
    jobNamePrefix: options.jobNamePrefix
  })

export const metricLineCount = (runDir: string): number => {
  const path = join(runDir, metricsFile)
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter((line) => line.trim() !== "").length : 0
}

/** Polls `condition` every 100 ms until it holds; fails after `timeoutMs`. */
export const waitUntil = async (what: string, condition: () => boolean, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
