import { Data, Runtime } from "effect"

/**
 * The exit code of bad input from the user (a spec, a flag, a results file): 2, so scripts can
 * tell "fix your input" from "something broke" (1).
 */
export const EXIT_BAD_INPUT = 2

/** A problem with what the user gave us, with a message that says what to change. */
export class UserInputError extends Data.TaggedError("UserInputError")<{ readonly message: string }> {
  override readonly [Runtime.errorExitCode] = EXIT_BAD_INPUT
}
