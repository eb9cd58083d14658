// What a Slurm job's end means for its run: finished (the result is in the run folder), or a
// failure of some kind, which decides whether the sweep tries again.
import type { FailureKind } from "../RunFailed.ts"
import type { JobEnd } from "./slurmClient.ts"

export type JobVerdict =
  | { readonly _tag: "Finished" }
  | { readonly _tag: "Failed"; readonly kind: FailureKind; readonly reason: string; readonly exitCode: number | null }

/** Exit code 2 is the worker contract's "bad input": running it again cannot help. */
const badInputExitCode = 2

// The job ended without the worker failing: another job resumes the run from its checkpoint.
const lostBecause: Readonly<Record<string, string>> = {
  CANCELLED: "it was cancelled from outside scalelab (scancel, or an administrator)",
  TIMEOUT: "it reached its time limit (execution.slurm.time, or the partition's)",
  DEADLINE: "it reached its deadline",
  PREEMPTED: "it was preempted by a job of higher priority",
  NODE_FAIL: "its node failed",
  BOOT_FAIL: "its node failed to boot"
}

const exitDescription = (end: JobEnd): string =>
  end.signal !== 0 ? `signal ${end.signal}` : `exit code ${end.exitCode}`

export const judgeJobEnd = (jobId: string, end: JobEnd | undefined): JobVerdict => {
  if (end === undefined) {
    return {
      _tag: "Failed",
      kind: "lost",
      reason: `Slurm job ${jobId} left the queue, and neither scontrol nor sacct knows how it ended`,
      exitCode: null
    }
  }
  const exitCode = end.signal === 0 ? end.exitCode : null
  if (end.state === "COMPLETED" && end.exitCode === 0) return { _tag: "Finished" }
  if (end.reason === "JobLaunchFailure") {
    return {
      _tag: "Failed",
      kind: "unstartable",
      reason: `Slurm job ${jobId} could not be started on its node (JobLaunchFailure, ${exitDescription(end)}): ` +
        `see the node's slurmd log; often the run folder is not on a file system the node shares`,
      exitCode
    }
  }
  const lost = lostBecause[end.state]
  if (lost !== undefined) {
    return {
      _tag: "Failed",
      kind: "lost",
      reason: `Slurm job ${jobId} ended ${end.state} (${exitDescription(end)}): ${lost}`,
      exitCode
    }
  }
  if (end.state === "FAILED" && end.exitCode === badInputExitCode && end.signal === 0) {
    return {
      _tag: "Failed",
      kind: "bad_input",
      reason: `Slurm job ${jobId} ended FAILED: the worker refused its input (exit code 2); fix run.json, its data or its checkpoint`,
      exitCode
    }
  }
  const outOfMemory = end.state === "OUT_OF_MEMORY" ? ": the worker used more memory than the job has (execution.slurm.memory)" : ""
  return {
    _tag: "Failed",
    kind: "crashed",
    reason: `Slurm job ${jobId} ended ${end.state} (${exitDescription(end)})${outOfMemory}`,
    exitCode
  }
}
