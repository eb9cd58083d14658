// A comparison of experiments from a run store's completed runs and latest fits, for the
// dashboard: the same compareInputs as `scalelab compare`, its inputs named by experiment and read
// from memory instead of from specs and tables.
import { Effect } from "effect"
import { defaultIsoflopMinimum, LAW_FORMS } from "@scalelab/laws"
import type { ResultRow, StoredFit } from "@scalelab/runner"
import { DEFAULT_LAW_FORM, type LawFormChoice } from "@scalelab/spec"
import { UserInputError } from "@scalelab/sweep"
import { type LoadedResults, storedResultPoint } from "../resultsInput.ts"
import { compareInputs } from "./compareExperiments.ts"
import type { CompareInputSource, NamedInput } from "./experimentInputs.ts"

/** One experiment of the store: its completed runs and its latest stored fit, if any. */
export interface StoredExperiment {
  readonly name: string
  readonly results: ReadonlyArray<ResultRow>
  readonly fit: StoredFit | undefined
}

export interface StoredComparisonRequest {
  readonly experiments: ReadonlyArray<StoredExperiment>
  /** An experiment's name; the first experiment when undefined. */
  readonly baseline: string | undefined
  readonly resamples: number
  readonly seed: number
}

/** The law form its stored fit's loss forecasts read, so that the comparison fits the form its report did. */
const lawFormOf = (fit: StoredFit | undefined): LawFormChoice => {
  const form = fit?.json.parametric?.form
  return LAW_FORMS.find((known) => known === form) ?? DEFAULT_LAW_FORM
}

/**
 * The experiment's runs as compare reads a spec's: every completed run, each budget's minimum read
 * as its stored fit read it, and its loss law of the form that fit took.
 */
const storedResults = (experiment: StoredExperiment): LoadedResults => {
  const points = experiment.results.map(storedResultPoint)
  const isoflop = experiment.fit?.json.isoflop
  return {
    points,
    budgets: "plan",
    columns: ["params", "tokens", "flops", "loss", "budget"],
    tasks: [],
    isoflopMinimum: (isoflop !== undefined && "minimum" in isoflop ? isoflop.minimum : undefined) ?? defaultIsoflopMinimum,
    lawForm: lawFormOf(experiment.fit),
    curves: Effect.fail(new UserInputError({ message: `${experiment.name}: a comparison reads no training curves` }))
  }
}

/**
 * Compares the store's experiments as `scalelab compare` compares specs: the first (or `baseline`)
 * against each other. The forecast budgets are the baseline's stored fit's, or 10× and 100× the
 * largest budget swept when it has none.
 */
export const compareStored = (request: StoredComparisonRequest) => {
  const byName = new Map(request.experiments.map((experiment) => [experiment.name, experiment]))
  const source: CompareInputSource<UserInputError, never> = {
    name: (name) => {
      const forecast = byName.get(name)?.fit?.json.forecast
      return Effect.succeed<NamedInput>({ input: name, name, forecastBudgets: forecast === undefined || forecast.length === 0 ? undefined : forecast.map((f) => f.compute), data: undefined })
    },
    results: (named) => {
      const experiment = byName.get(named.name)
      return experiment === undefined
        ? Effect.fail(new UserInputError({ message: `no experiment ${named.name} to compare` }))
        : Effect.succeed(storedResults(experiment))
    }
  }
  return compareInputs(
    { inputs: request.experiments.map((experiment) => experiment.name), baseline: request.baseline, resamples: request.resamples, seed: request.seed, computes: [], floor: undefined },
    source
  )
}
