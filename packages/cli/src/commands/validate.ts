import { Console, Effect, Result } from "effect"
import { Argument, Command } from "effect/cli"
import { UserInputError } from "../failure.ts"
import { loadSpec } from "../specInput.ts"

export const specArgument = Argument.String("spec").pipe(Argument.withDescription("experiment spec (YAML)"))

export const validateCommand = Command.make(
  "validate",
  { specs: Argument.String("spec").pipe(Argument.withDescription("experiment specs (YAML)"), Argument.variadic({ min: 1 })) },
  ({ specs }) =>
    Effect.gen(function* () {
      const problems: Array<string> = []
      for (const spec of specs) {
        const loaded = yield* Effect.result(loadSpec(spec))
        if (Result.isFailure(loaded)) {
          problems.push(loaded.failure.message)
          continue
        }
        const { name, sweep } = loaded.success
        yield* Console.log(
          `${spec}: valid — experiment "${name}", ${sweep.budgets.length} budgets × ${sweep.sizes_per_budget} sizes × ${sweep.seeds} seed(s)`
        )
      }
      if (problems.length > 0) return yield* new UserInputError({ message: problems.join("\n") })
    })
).pipe(Command.withDescription("Check specs; print every problem as FILE:LINE:COL: message (exit 2 on any)"))
