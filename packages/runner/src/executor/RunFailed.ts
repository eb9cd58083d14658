import { Schema } from "effect"

/**
 * Why an attempt at a run failed. Retrying helps the transient kinds only:
 * - `crashed`: the worker exited non-zero or was killed (by the OS, say);
 * - `hung`: no new metric line for `execution.hang_timeout` seconds, so it was killed;
 * - `lost`: its Slurm job ended without it (node failure, cancelled from outside, preempted, time limit);
 * - `unstartable`: the worker could not be started or its output not read;
 * - `malformed`: it broke the worker contract (a metric line or result.json that does not decode);
 * - `bad_input`: it refused its input (exit code 2): run.json, its data or its checkpoint must change.
 */
export const FailureKind = Schema.Literals(["crashed", "hung", "lost", "unstartable", "malformed", "bad_input"])
export type FailureKind = typeof FailureKind.Type

const permanentKinds: ReadonlySet<FailureKind> = new Set(["malformed", "bad_input"])

/** A run's worker did not produce a valid result. Its message carries the worker's last output. */
export class RunFailed extends Schema.TaggedError<RunFailed>()("RunFailed", {
  runId: Schema.String,
  kind: FailureKind,
  /** What went wrong, in one line. */
  reason: Schema.String,
  /** The worker's exit code; null when it never started or was killed by a signal. */
  exitCode: Schema.NullOr(Schema.Int),
  /** The last lines the worker wrote to stdout and stderr. */
  logTail: Schema.String,
  /** The worker's full output. */
  logFile: Schema.String,
  /** The Slurm job id, for runs executed as Slurm jobs. */
  jobId: Schema.optionalKey(Schema.String)
}) {
  /** Whether another attempt could succeed (resuming from the checkpoint). */
  get retryable(): boolean {
    return !permanentKinds.has(this.kind)
  }

  override get message() {
    const output = this.logTail === ""
      ? "The worker wrote no output."
      : `Last lines of its output:\n${this.logTail}`
    return `Run ${this.runId} failed: ${this.reason}.\n${output}\nFull output: ${this.logFile}`
  }
}
