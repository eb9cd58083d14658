import { Schema } from "effect"

/** A run's worker did not produce a valid result. Its message carries the worker's last output. */
export class RunFailed extends Schema.TaggedError<RunFailed>()("RunFailed", {
  runId: Schema.String,
  /** What went wrong, in one line. */
  reason: Schema.String,
  /** The worker's exit code; null when it never started or was killed by a signal. */
  exitCode: Schema.NullOr(Schema.Int),
  /** The last lines the worker wrote to stdout and stderr. */
  logTail: Schema.String,
  /** The worker's full output. */
  logFile: Schema.String
}) {
  override get message() {
    const output = this.logTail === ""
      ? "The worker wrote no output."
      : `Last lines of its output:\n${this.logTail}`
    return `Run ${this.runId} failed: ${this.reason}.\n${output}\nFull output: ${this.logFile}`
  }
}
