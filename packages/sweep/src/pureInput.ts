import { Effect, Option, Runtime } from "effect"
import type { Stepwise } from "@scalelab/laws"
import { EXIT_BAD_INPUT, UserInputError } from "./inputError.ts"

// The pure packages throw errors marked as bad input (LawInputError, PlanError) when the user's
// input cannot support the computation; the marker, not the class's name, says so.
const isInputError = (error: unknown): error is Error =>
  error instanceof Error && Runtime.getErrorExitCode(error) === EXIT_BAD_INPUT

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

// How long a stepwise computation runs before it yields to the event loop: short enough that
// Ctrl-C or SIGTERM, whose handlers run only then, stops it at once.
const sliceMillis = 50

/** Resumes `steps` for about `sliceMillis`: its result if it finished, None if it paused. */
const runSlice = <A>(steps: Stepwise<A>): Option.Option<A> => {
  const until = performance.now() + sliceMillis
  for (;;) {
    const next = steps.next()
    if (next.done === true) return Option.some(next.value)
    if (performance.now() >= until) return Option.none()
  }
}

/**
 * `attempt` for a stepwise computation (a bootstrap of many resamples): it runs in slices and
 * yields between them, so an interrupt stops it within a slice and nothing it would have
 * returned is half made.
 */
export const attemptStepwise = <A>(start: () => Stepwise<A>): Effect.Effect<A, UserInputError> =>
  Effect.flatMap(attempt(start), (steps) => {
    const resume = (): Effect.Effect<A, UserInputError> =>
      Effect.flatMap(attempt(() => runSlice(steps)), (finished) =>
        Option.isSome(finished) ? Effect.succeed(finished.value) : Effect.andThen(Effect.yieldNow, resume))
    return resume()
  })
