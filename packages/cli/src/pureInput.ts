import { Effect } from "effect"
import { UserInputError } from "./failure.ts"

// Errors the pure packages throw when the user's input cannot support the computation.
const inputErrorTags: ReadonlySet<string> = new Set(["LawInputError", "PlanError"])

const isInputError = (error: unknown): error is Error =>
  error instanceof Error && "_tag" in error && typeof error._tag === "string" && inputErrorTags.has(error._tag)

/**
 * Runs a pure computation from laws or planner (plain functions that throw): an input error
 * (too few points, one budget, an unknown law, an lr expression that fails at some run) becomes a
 * UserInputError; anything else thrown is a bug and stays a defect.
 */
export const attempt = <A>(compute: () => A): Effect.Effect<A, UserInputError> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(compute())
    } catch (error) {
      return isInputError(error) ? Effect.fail(new UserInputError({ message: error.message })) : Effect.die(error)
    }
  })

/** `attempt` for a computation that runs off this thread (e.g. a grid fit shared among worker threads). */
export const attemptAsync = <A>(compute: () => Promise<A>): Effect.Effect<A, UserInputError> =>
  Effect.tryPromise({ try: compute, catch: (error) => error }).pipe(
    Effect.catch((error) => (isInputError(error) ? Effect.fail(new UserInputError({ message: error.message })) : Effect.die(error)))
  )
