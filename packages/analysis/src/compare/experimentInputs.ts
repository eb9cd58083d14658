// The inputs of a comparison named and read: specs and results tables given on the command line,
// or another source of finished runs; each named by its spec or file, and its runs loaded.
import * as path from "node:path"
import { Effect } from "effect"
import type { ExperimentSpec } from "@scalelab/spec"
import { loadSpecOfAnyKind, UserInputError } from "@scalelab/sweep"
import { type LoadedResults, loadResults } from "../resultsInput.ts"
import { distinctBudgets } from "./comparisonBudgets.ts"
import type { CompareRequest } from "./compareTypes.ts"

const specExtensions = new Set([".yaml", ".yml"])

/** An input before fitting: its name, and for a spec its forecast budgets and data. */
export interface NamedInput {
  readonly input: string
  readonly name: string
  readonly forecastBudgets: ReadonlyArray<number> | undefined
  /** A spec's effective `data` section (defaults filled in); undefined for a table, which does not say. */
  readonly data: ExperimentSpec["data"] | undefined
}

/** A spec's `name`, forecast budgets and data; a table's file name without its extension. */
const nameInput = (input: string) =>
  specExtensions.has(path.extname(input).toLowerCase())
    ? Effect.map(loadSpecOfAnyKind(input), (spec): NamedInput => ({
      input,
      name: spec.name,
      // A table spec leaves its forecast budgets empty until its table is read: none of its own, then.
      forecastBudgets: spec.forecast.compute.length > 0 ? spec.forecast.compute : undefined,
      data: spec.data
    }))
    : Effect.succeed<NamedInput>({ input, name: path.basename(input, path.extname(input)), forecastBudgets: undefined, data: undefined })

/**
 * Where inputs are named and their runs read from: files given on the command line (specs and
 * tables), or another source of finished runs such as the dashboard's store.
 */
export interface CompareInputSource<E, R> {
  readonly name: (input: string) => Effect.Effect<NamedInput, E, R>
  readonly results: (named: NamedInput) => Effect.Effect<LoadedResults, E, R>
}

/** The files given on the command line: specs and results tables. */
export const inputFiles = {
  name: nameInput,
  results: (named: NamedInput) => loadResults(named.input, { rename: {}, store: undefined })
}

/** The inputs named, with the baseline first; two inputs of one name, or a baseline named by none, are the user's to fix. */
export const namedInputs = <E, R>(request: CompareRequest, source: CompareInputSource<E, R>) =>
  Effect.gen(function*() {
    if (request.inputs.length < 2) {
      return yield* new UserInputError({
        message: `compare needs at least two inputs, got ${request.inputs.length}: give the baseline and one or more candidates (specs or results tables)`
      })
    }
    const named = yield* Effect.forEach(request.inputs, source.name)
    for (const [index, entry] of named.entries()) {
      const first = named.findIndex((other) => other.name === entry.name)
      if (first !== index) {
        return yield* new UserInputError({
          message: `${named[first]?.input} and ${entry.input} are both named "${entry.name}": an experiment is named by its spec's name or its table's file name; rename one`
        })
      }
    }
    const baselineName = request.baseline ?? named[0]?.name
    const baseline = named.find((entry) => entry.name === baselineName)
    if (baseline === undefined) {
      return yield* new UserInputError({
        message: `--baseline ${baselineName}: no input is named so; the experiments are ${named.map((entry) => `"${entry.name}"`).join(", ")}`
      })
    }
    return { baseline, candidates: named.filter((entry) => entry !== baseline) }
  })

/** An input's runs, and the budgets they were swept at. */
export interface LoadedInput extends NamedInput {
  readonly results: LoadedResults
  readonly budgets: ReadonlyArray<number>
}

/** The input's runs, read from `source`. */
export const loadInput = <E, R>(source: CompareInputSource<E, R>) => (named: NamedInput) =>
  Effect.map(source.results(named), (results): LoadedInput => ({
    ...named,
    results,
    budgets: distinctBudgets(results.points.map((point) => point.budget))
  }))
