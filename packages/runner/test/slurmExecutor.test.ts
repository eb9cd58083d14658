// The Slurm executor on a real single-node Slurm cluster (scripts/slurm/start.sh) with the real
// built-in worker: nothing of Slurm is mocked. Skipped where `sinfo` does not answer, unless
// SCALELAB_REQUIRE_SLURM=1 (CI), which turns a missing cluster into a failure.
import type { MetricLine, RunResult } from "@scalelab/spec"
import { Effect, Fiber, Layer } from "effect"
import { spawn } from "node:child_process"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { basename, join, relative } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { type AttemptRow, Executor, RunFailed, RunStore, runFolderPath, runSweep, type SweepEvent } from "../src/index.ts"
import { jobRecordFile } from "../src/executor/slurm/jobFiles.ts"
import { checkpointFile, resultFile, workerLogFile, writeRunSpec } from "../src/runFolder.ts"
import { freshStoreDir } from "./fixtures.ts"
import {
  cancelJob,
  jobsNamed,
  metricLineCount,
  planTinyRuns,
  queuedJobs,
  slurmProblem,
  slurmSetupAdvice,
  testSlurmExecutor,
  uniqueJobPrefix,
  waitUntil
} from "./slurmCluster.ts"

const problem = slurmProblem()

describe.runIf(problem !== undefined && process.env.SCALELAB_REQUIRE_SLURM === "1")("the Slurm test cluster", () => {
  it("is running (SCALELAB_REQUIRE_SLURM=1)", () => {
    throw new Error(`SCALELAB_REQUIRE_SLURM=1 but ${problem}: ${slurmSetupAdvice}`)
  })
})

const jobRecordOf = (runDir: string): { readonly job_id: string } =>
  JSON.parse(readFileSync(join(runDir, jobRecordFile), "utf8")) as { readonly job_id: string }

const resultIn = (runDir: string): RunResult => JSON.parse(readFileSync(join(runDir, resultFile), "utf8")) as RunResult

const sweepLayers = (storeDir: string, jobNamePrefix: string) =>
  Layer.merge(RunStore.layer(storeDir), testSlurmExecutor({ storeDir, jobNamePrefix }))

describe.skipIf(problem !== undefined)("SlurmExecutor on a real Slurm cluster", () => {
  // One sweep serves two cases, to keep the file short on 2 cores: it runs to completion (a), and
  // one of its jobs is cancelled from outside once its worker trains, then retried (b).
  describe("a sweep of three runs, one of whose jobs is cancelled from outside", () => {
    const storeDir = freshStoreDir()
    const jobNamePrefix = uniqueJobPrefix("sweep")
    const runs = planTinyRuns("slurm-sweep", 3)
    const victimDir = runFolderPath(storeDir, runs[0]!.id)
    const events: Array<SweepEvent> = []
    let completed: ReadonlyArray<RunResult> = []
    let failed: ReadonlyArray<{ readonly id: string; readonly reason: string }> = []
    let attempts: ReadonlyArray<AttemptRow> = []
    let cancelledJobId = ""

    beforeAll(async () => {
      const cancelFromOutside = waitUntil("the first run's worker has written a metric line", () => metricLineCount(victimDir) > 0, 100_000)
        .then(() => {
          cancelledJobId = jobRecordOf(victimDir).job_id
          cancelJob(cancelledJobId)
        })
        .then(() => undefined, (problem: unknown) => problem)
      const outcome = await Effect.runPromise(
        Effect.gen(function*() {
          const outcome = yield* runSweep("slurm-sweep", runs, {
            storeDir,
            concurrency: runs.length,
            retries: 1,
            backoff: "100 millis",
            onEvent: (event) => Effect.sync(() => events.push(event))
          })
          attempts = yield* (yield* RunStore).attempts()
          return outcome
        }).pipe(Effect.provide(sweepLayers(storeDir, jobNamePrefix)))
      )
      const cancelProblem = await cancelFromOutside
      if (cancelProblem !== undefined) throw cancelProblem
      completed = outcome.completed
      failed = outcome.failed
    }, 150_000)

    it("(a) completes every run with the result its worker wrote, and leaves no job behind", () => {
      expect(failed).toEqual([])
      expect(completed.map((result) => result.id).sort()).toEqual(runs.map((run) => run.id).sort())
      for (const result of completed) expect(result).toEqual(resultIn(runFolderPath(storeDir, result.id)))
      expect(queuedJobs(jobNamePrefix)).toEqual([])
    })

    it("(b) retries the cancelled job as a new job that resumes from the checkpoint", () => {
      const victim = runs[0]!.id
      const failures = events.filter((event) => event._tag === "RunAttemptFailed")
      expect(failures).toHaveLength(1)
      expect(failures[0]).toMatchObject({ id: victim, kind: "lost", willRetry: true })
      expect(failures[0]?._tag === "RunAttemptFailed" && failures[0].reason).toContain(`Slurm job ${cancelledJobId} ended CANCELLED`)
      expect(attempts.filter((attempt) => attempt.run_id === victim).map((attempt) => attempt.outcome)).toEqual(["failed", "completed"])
      expect(attempts.find((attempt) => attempt.run_id === victim && attempt.outcome === "failed")?.job_id).toBe(cancelledJobId)
      expect(jobRecordOf(victimDir).job_id).not.toBe(cancelledJobId)
      expect(resultIn(victimDir).resumed_from_step).toBeGreaterThan(0)
      // worker.log keeps both jobs' output, each under its header.
      const headers = readFileSync(join(victimDir, workerLogFile), "utf8").match(/^=== \S+ Slurm job \d+/gm) ?? []
      expect(headers.map((header) => header.split(" ").at(-1))).toEqual([cancelledJobId, jobRecordOf(victimDir).job_id])
    })
  })

  it("(c) cancels the sweep's jobs when the sweep is interrupted, after their workers checkpoint", async () => {
    const storeDir = freshStoreDir()
    const jobNamePrefix = uniqueJobPrefix("interrupt")
    const runs = planTinyRuns("slurm-interrupt", 2)
    const runDirs = runs.map((run) => runFolderPath(storeDir, run.id))
    const sweep = Effect.runFork(
      runSweep("slurm-interrupt", runs, { storeDir, concurrency: runs.length, retries: 1 }).pipe(
        Effect.provide(sweepLayers(storeDir, jobNamePrefix))
      )
    )
    await waitUntil("a worker has written a metric line", () => runDirs.some((runDir) => metricLineCount(runDir) > 0), 100_000)
    expect(queuedJobs(jobNamePrefix)).not.toEqual([])

    await Effect.runPromise(Fiber.interrupt(sweep))

    expect(queuedJobs(jobNamePrefix)).toEqual([])
    const trained = runDirs.filter((runDir) => metricLineCount(runDir) > 0)
    expect(trained).not.toEqual([])
    for (const runDir of trained) expect(existsSync(join(runDir, checkpointFile)), runDir).toBe(true)
  }, 120_000)

  it("(d) waits on the job a killed coordinator submitted instead of submitting another", async () => {
    const storeDir = freshStoreDir()
    const jobNamePrefix = uniqueJobPrefix("adopt")
    const [run] = planTinyRuns("slurm-adopt", 1)
    const runDir = runFolderPath(storeDir, run!.id)
    await Effect.runPromise(writeRunSpec(runDir, run!))

    const coordinator = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "slurmCoordinator.ts"), storeDir, runDir, jobNamePrefix],
      { stdio: ["ignore", "inherit", "inherit"] }
    )
    await waitUntil(
      "the coordinator has submitted the job",
      () => existsSync(join(runDir, jobRecordFile)) || coordinator.exitCode !== null,
      90_000
    )
    coordinator.kill("SIGKILL")
    const submitted = jobRecordOf(runDir).job_id

    const metrics: Array<MetricLine> = []
    const result = await Effect.runPromise(
      Effect.gen(function*() {
        const executor = yield* Executor
        return yield* executor.execute(run!, runDir, { onMetric: (line) => Effect.sync(() => metrics.push(line)) })
      }).pipe(Effect.provide(testSlurmExecutor({ storeDir, jobNamePrefix })))
    )

    expect(result).toEqual(resultIn(runDir))
    expect(result.id).toBe(run!.id)
    expect(jobRecordOf(runDir).job_id).toBe(submitted)
    expect(jobsNamed(`${jobNamePrefix}${run!.id}`)).toEqual([submitted])
    expect(metrics.length).toBeGreaterThan(0)
  }, 120_000)

  it("(e) makes a run unstartable, with sbatch's words and advice, when Slurm has no usable configuration", async () => {
    const storeDir = freshStoreDir()
    const [run] = planTinyRuns("slurm-unconfigured", 1)
    const runDir = runFolderPath(storeDir, run!.id)
    await Effect.runPromise(writeRunSpec(runDir, run!))
    const emptyConf = join(storeDir, "slurm.conf")
    writeFileSync(emptyConf, "")
    const clusterConf = process.env.SLURM_CONF
    process.env.SLURM_CONF = emptyConf
    try {
      const failure = await Effect.runPromise(
        Effect.gen(function*() {
          const executor = yield* Executor
          return yield* Effect.flip(executor.execute(run!, runDir, { onMetric: () => Effect.void }))
        }).pipe(Effect.provide(testSlurmExecutor({ storeDir, jobNamePrefix: uniqueJobPrefix("unconfigured") })))
      )
      expect(failure).toBeInstanceOf(RunFailed)
      expect(failure.kind).toBe("unstartable")
      expect(failure.retryable).toBe(true)
      expect(failure.reason).toContain("ClusterName needs to be specified")
      expect(failure.reason).toContain("set SLURM_CONF to the cluster's slurm.conf")
    } finally {
      if (clusterConf === undefined) delete process.env.SLURM_CONF
      else process.env.SLURM_CONF = clusterConf
    }
  })

  it("(f) judges a job by how it ended, and cancels the jobs of workers it gives up on", async () => {
    const storeDir = freshStoreDir()
    const jobNamePrefix = uniqueJobPrefix("verdicts")
    // Stand-in workers, run by the job like the real one, each misbehaving in its own way.
    const workers: Readonly<Record<string, string>> = {
      "bad-input": "echo 'corpus.txt: no such file' >&2; exit 2",
      "silent": "exec sleep 300",
      "garbage": "echo 'not a metric line' > \"$SCALELAB_RUN_DIR/metrics.jsonl\"; exec sleep 300"
    }
    const runs = planTinyRuns("slurm-verdicts", 3)
    const failures = await Effect.runPromise(
      Effect.gen(function*() {
        const executor = yield* Executor
        return yield* Effect.forEach(Object.keys(workers), (behaviour, index) => {
          // Relative, as `scalelab run` gives them (its store is `.scalelab`): the job must find it.
          const runDir = relative(process.cwd(), join(storeDir, "runs", behaviour))
          return writeRunSpec(runDir, runs[index]!).pipe(
            Effect.andThen(Effect.flip(executor.execute(runs[index]!, runDir, { onMetric: () => Effect.void })))
          )
        }, { concurrency: "unbounded" })
      }).pipe(Effect.provide(testSlurmExecutor({
        storeDir,
        jobNamePrefix,
        workerCommand: (runDir) => ({ command: "/bin/sh", args: ["-c", workers[basename(runDir)]!] }),
        hangTimeoutSeconds: 2
      })))
    )

    const [badInput, silent, garbage] = failures
    expect(badInput).toMatchObject({ kind: "bad_input", exitCode: 2, jobId: expect.stringMatching(/^\d+$/) })
    expect(badInput?.logTail).toContain("corpus.txt: no such file")
    expect(silent).toMatchObject({ kind: "hung", jobId: expect.stringMatching(/^\d+$/) })
    expect(garbage).toMatchObject({ kind: "malformed", jobId: expect.stringMatching(/^\d+$/) })
    expect(garbage?.reason).toContain("not a metric line")
    expect(queuedJobs(jobNamePrefix)).toEqual([])
  }, 60_000)
})
