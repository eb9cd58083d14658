// `executor: slurm` with `command.run` set: each run's Slurm job runs the external trainer (here the
// PyTorch one) from the spec's folder, on the real single-node cluster (scripts/slurm/start.sh).
// One job is cancelled from outside once its trainer trains: the trainer must hear Slurm's SIGTERM
// through the command's shell, checkpoint, and the retried job resume from that checkpoint.
import { existsSync, readdirSync, readFileSync, symlinkSync } from "node:fs"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { RunResult } from "../packages/spec/src/index.ts"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cancelJob, metricLineCount, slurmProblem, waitUntil } from "../packages/runner/test/slurmCluster.ts"
import { type CliOutcome, startCli, runCli } from "./support/cli.ts"
import { hasTorch, torchPython } from "./support/torch.ts"

const root = join(import.meta.dirname, "..")
const problem = slurmProblem()

interface StoredRun {
  readonly id: string
  readonly status: string
  readonly executor: string
  readonly backend: string | null
  readonly attempt_history: ReadonlyArray<{ readonly outcome: string; readonly kind: string | null }>
}

// The quickstart's first two budgets (9 runs of 400 steps); the command names the trainer relative
// to the spec's folder, so it works only if the job starts there. A run of the larger budget trains
// for seconds, long enough to be cancelled while it trains.
const spec = `
name: slurm-pytorch
data: { corpus: moby-dick, tokenizer: bytes, validation: 0.05, val_tokens: 8192 }
model: { family: llama, context: 64, layers: 2, head_dim: 8, kv_heads: 2, tied_embeddings: false }
flops: 6N
sweep: { kind: isoflop, budgets: [1e10, 3.16e10], sizes_per_budget: 5, span: 8, centre: chinchilla, adaptive: true }
training: { lr: 1e-2 * (N / 1e4)^-0.25, warmup: 0.05, schedule: cosine, batch_tokens: D / 400 }
eval: { every: 0.25, cloze: { items: 0 } }
execution:
  executor: slurm
  retries: 1
  hang_timeout: 300
  command: { run: "${torchPython} trainer/train.py {run_dir}", version: "1" }
  slurm: { cpus_per_task: 1, poll_seconds: 0.5 }
`

describe.skipIf(problem !== undefined || !hasTorch)("an external trainer in Slurm jobs (needs the test cluster and PyTorch)", () => {
  let dir: string
  let sweep: CliOutcome
  let runs: ReadonlyArray<StoredRun>
  let victim = ""

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "scalelab-slurm-command-"))
    symlinkSync(join(root, "experiments", "pytorch-trainer"), join(dir, "trainer"))
    await writeFile(join(dir, "spec.yaml"), spec)
    const runsDir = join(dir, ".scalelab", "runs")
    // From the repository root, not the spec's folder: the job must move to the spec's folder itself.
    const running = startCli(["run", join(dir, "spec.yaml"), "--quiet"], root)
    const budgetOf = (id: string) => (JSON.parse(readFileSync(join(runsDir, id, "run.json"), "utf8")) as { budget: number }).budget
    const trainingRun = () =>
      existsSync(runsDir)
        ? readdirSync(runsDir).find((id) => metricLineCount(join(runsDir, id)) > 0 && budgetOf(id) === 3.16e10)
        : undefined
    await waitUntil("a run of the larger budget has written a metric line", () => trainingRun() !== undefined, 300_000)
    victim = trainingRun()!
    cancelJob((JSON.parse(readFileSync(join(runsDir, victim, "slurm-job.json"), "utf8")) as { job_id: string }).job_id)
    sweep = await running.done
    runs = JSON.parse((await runCli(["runs", join(dir, "spec.yaml"), "--json"], root)).stdout) as ReadonlyArray<StoredRun>
  }, 600_000)

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it("trains every run with the command inside its job", () => {
    expect(sweep.code, sweep.stderr).toBe(0)
    expect(runs.length).toBeGreaterThanOrEqual(9) // 5 sizes a budget; the second is centred on the first's fit
    for (const run of runs) {
      expect(run).toMatchObject({ status: "completed", executor: "slurm", backend: "pytorch" })
      const script = readFileSync(join(dir, ".scalelab", "runs", run.id, "job.sh"), "utf8")
      expect(script).toContain("trainer/train.py")
      const job = JSON.parse(readFileSync(join(dir, ".scalelab", "runs", run.id, "slurm-job.json"), "utf8")) as { job_id: string }
      expect(job.job_id).toMatch(/^\d+$/)
    }
  })

  it("resumes the cancelled run from the checkpoint its trainer wrote on Slurm's SIGTERM", () => {
    const cancelled = runs.find((run) => run.id === victim)!
    expect(cancelled.attempt_history.map((attempt) => attempt.outcome)).toEqual(["failed", "completed"])
    expect(cancelled.attempt_history[0]!.kind).toBe("lost")
    const result = JSON.parse(readFileSync(join(dir, ".scalelab", "runs", victim, "result.json"), "utf8")) as RunResult
    expect(result.resumed_from_step).toBeGreaterThan(0)
  })
})
