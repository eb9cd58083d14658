import { Cause, Console, Data, Effect, Runtime } from "effect"
import { CliError } from "effect/cli"
import { EXIT_BAD_INPUT } from "@scalelab/sweep"

/**
 * Exit codes: 0 success, 1 a failure of scalelab or of a run, 2 bad input from the user (a spec,
 * a flag, a results file; `EXIT_BAD_INPUT`, carried by the library's bad-input errors) — so
 * scripts can tell "fix your input" from "something broke".
 */
export const EXIT_FAILURE = 1

/** Ends the process with `code` once the message has been printed. */
class ExitWith extends Data.TaggedError("ExitWith")<{ readonly code: number }> {
  override get message() {
    return `exit ${this.code}`
  }
  override get [Runtime.errorExitCode]() {
    return this.code
  }
}

const isTagged = (u: unknown): u is { readonly _tag: string; readonly message: string } =>
  typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string" && "message" in u

/**
 * The exit code is the error's own: a bad-input error class of any package carries
 * `[Runtime.errorExitCode] = 2`, and an error without the marker is our failure or the run's (1).
 * A class's name plays no part, so renaming one cannot turn bad input into a failure.
 */
const describe = (error: unknown): { readonly text: string; readonly code: number } => {
  if (CliError.isCliError(error)) {
    // The CLI library has already printed usage and the parse error.
    const code = error._tag === "ShowHelp" && error.errors.length === 0 ? 0 : EXIT_BAD_INPUT
    return { text: "", code }
  }
  const code = Runtime.getErrorExitCode(error)
  // A tagged error's message is written for the user; an untagged one is a bug, whose stack helps.
  if (isTagged(error)) return { text: error.message, code }
  if (error instanceof Error) return { text: code === EXIT_BAD_INPUT ? error.message : error.stack ?? error.message, code }
  return { text: String(error), code }
}

/**
 * The single place where failures become text on stderr and an exit code: commands fail with
 * typed errors and never print their own errors or call process.exit.
 */
export const reportFailures = <A, E, R>(program: Effect.Effect<A, E, R>): Effect.Effect<A, ExitWith, R> =>
  program.pipe(
    Effect.catchCause((cause) => {
      if (Cause.hasInterruptsOnly(cause)) return Effect.fail(new ExitWith({ code: 130 }))
      const { text, code } = describe(Cause.squash(cause))
      return (text.length > 0 ? Console.error(text) : Effect.void).pipe(Effect.andThen(Effect.fail(new ExitWith({ code }))))
    })
  )
