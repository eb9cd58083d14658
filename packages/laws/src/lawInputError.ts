import type { Runtime } from "effect"

// The key effect's Runtime.getErrorExitCode reads, written out so that laws (plain functions, run in
// worker threads too) loads nothing of effect; its type keeps it equal to effect's own key.
const errorExitCode: Runtime.errorExitCode = "~effect/Runtime/errorExitCode"

/**
 * Thrown when the data given to a law cannot support the computation (too few points, a
 * non-positive value, an unknown law name). The message names the row or field at fault and what
 * to do; callers at the edge (the CLI) turn it into a user-facing failure, anything else thrown is a bug.
 */
export class LawInputError extends Error {
  readonly _tag = "LawInputError" as const
  /** Bad input: the CLI exits 2 and a sweep does not retry. */
  override readonly [errorExitCode] = 2

  constructor(message: string) {
    super(message)
    this.name = "LawInputError"
  }
}
