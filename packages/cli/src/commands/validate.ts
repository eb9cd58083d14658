import { Console, Effect, Result } from "effect"
import { Argument, Command } from "effect/cli"
import { type ExperimentSpec, mixtureWeights, specOfKind } from "@scalelab/spec"
import { loadCheckedSpec, UserInputError } from "@scalelab/sweep"
import { loadTableRows, tableSource } from "@scalelab/analysis"

export const specArgument = Argument.String("spec").pipe(Argument.withDescription("experiment spec (YAML)"))

/** The one-line summary of a valid spec; a table spec's table is read, so that its problems show here too. */
const summary = (spec: string, loaded: ExperimentSpec) => {
  const kind = specOfKind(loaded)
  if (kind._tag === "Table") {
    return Effect.map(loadTableRows(spec), (results) => `experiment "${loaded.name}", ${tableSource(spec, kind.table, results)}`)
  }
  if (kind._tag === "Hyperparameters") {
    const { sweep } = kind.experiment
    return Effect.succeed(
      `experiment "${loaded.name}", hyperparameter grid: ${sweep.budgets.length} budgets × ${sweep.lr.length} learning rates × ` +
        `${sweep.batch_tokens.length} batch sizes × ${sweep.seeds} seed(s)`
    )
  }
  if (kind._tag === "Mixture") {
    const { sweep } = kind.mixture
    return Effect.succeed(
      `experiment "${loaded.name}", data mixture of ${Object.keys(sweep.corpora).length} domains: ` +
        `${mixtureWeights(sweep).length} weight vectors × ${sweep.budgets.length} budgets × ${sweep.seeds} seed(s)`
    )
  }
  if (kind._tag === "Annealing") {
    const { sweep } = kind.annealing
    const candidates = Object.keys(sweep.candidates)
    return Effect.succeed(
      `experiment "${loaded.name}", annealing probes of ${candidates.join(", ")}: ${sweep.budgets.length} budgets × ` +
        `${sweep.seeds} seed(s), each a checkpoint, a control anneal and ${candidates.length} candidate anneal(s)`
    )
  }
  const { sweep } = kind.experiment
  return Effect.succeed(
    `experiment "${loaded.name}", ${sweep.budgets.length} budgets × ${sweep.sizes_per_budget} sizes × ${sweep.seeds} seed(s)`
  )
}

export const validateCommand = Command.make(
  "validate",
  { specs: Argument.String("spec").pipe(Argument.withDescription("experiment specs (YAML)"), Argument.variadic({ min: 1 })) },
  ({ specs }) =>
    Effect.gen(function* () {
      const problems: Array<string> = []
      for (const spec of specs) {
        // Problems of the input are collected; a dataset that cannot be fetched (the network, the cache,
        // the source's bytes) is not the spec's problem and ends the command as itself.
        const checked = yield* Effect.flatMap(
          loadCheckedSpec(spec),
          ({ spec: loaded, notes }) => Effect.map(summary(spec, loaded), (line) => ({ line, notes }))
        ).pipe(
          Effect.map(Result.succeed),
          Effect.catchTags({
            UserInputError: (error) => Effect.succeed(Result.fail(error.message)),
            DatasetMirrorError: (error) => Effect.succeed(Result.fail(`${spec}: ${error.message}`))
          })
        )
        if (Result.isFailure(checked)) {
          problems.push(checked.failure)
          continue
        }
        yield* Console.log([`${spec}: valid — ${checked.success.line}`, ...checked.success.notes].join("\n"))
      }
      if (problems.length > 0) return yield* new UserInputError({ message: problems.join("\n") })
    })
).pipe(Command.withDescription(
    "Check specs, their plans included (every budget must pay for its runs); print every problem as FILE:LINE:COL: " +
      "message (exit 2 on any), and a FILE:LINE:COL: note: line for each size planned other than asked"
  ))
