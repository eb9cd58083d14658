// Experiments compared by their scaling laws: each input fitted as `fit` and `forecast` fit it (the
// IsoFLOP power laws for N*(C) and D*(C), the one loss forecaster for L*(C)), and each candidate's
// compute multiplier over the baseline, with intervals from a joint bootstrap of both fits.
import { Effect } from "effect"
import { defaultForecastBudgets } from "@scalelab/spec"
import { lossIntervalLevel } from "../lossForecast.ts"
import { comparisonBudgets, distinctBudgets } from "./comparisonBudgets.ts"
import { compareTo, describeExperiment } from "./comparisons.ts"
import type { CompareRequest, CompareResult } from "./compareTypes.ts"
import { type FittedAllocation, type FittedInput, type FittedLoss, fitAllocation, fitLosses } from "./experimentFits.ts"
import { type CompareInputSource, inputFiles, type LoadedInput, loadInput, type NamedInput, namedInputs } from "./experimentInputs.ts"
import { chooseFloor } from "./floorChoice.ts"

// The comparison's types, from where callers have always imported them.
export {
  type BudgetMultiplier,
  type ComparedExperiment,
  type CompareRequest,
  type CompareResult,
  type Estimate,
  type ExperimentAtBudget,
  type ExperimentComparison,
  FLOOR_MODES,
  type FloorChoice,
  type FloorMode,
  type IsoflopMinimumPoint
} from "./compareTypes.ts"
export type { CompareInputSource, NamedInput } from "./experimentInputs.ts"

/**
 * Fits every input and compares each candidate with the baseline. Experiment i (the order given)
 * resamples with seed + i: the experiments are independent, and so must their resamples be, or
 * pairing the i-th refit of each would correlate the two fits' errors and narrow the intervals.
 */
export const compareExperiments = (request: CompareRequest) => compareInputs(request, inputFiles)

/** compareExperiments with the inputs named and read by `source`. */
export const compareInputs = <E, R>(request: CompareRequest, source: CompareInputSource<E, R>) =>
  Effect.gen(function*() {
    const named = yield* namedInputs(request, source)
    const seedOf = (entry: NamedInput) => request.seed + request.inputs.indexOf(entry.input)
    const inputs: readonly [NamedInput, ...Array<NamedInput>] = [named.baseline, ...named.candidates]
    const loaded = yield* Effect.forEach(inputs, loadInput(source))
    const swept = distinctBudgets(loaded.flatMap((entry) => entry.budgets))
    const forecast = distinctBudgets(
      request.computes.length > 0 ? request.computes : named.baseline.forecastBudgets ?? defaultForecastBudgets(Math.max(...swept))
    )
    const budgets = comparisonBudgets(swept, forecast)
    // Every IsoFLOP fit (quick) before any loss law (slow): an input with too few budgets is said at once.
    const allocations = yield* Effect.forEach(loaded, (entry) => fitAllocation(entry, request.resamples, seedOf(entry), budgets.all))
    const losses = yield* fitLosses(loaded, chooseFloor(inputs, request.floor), request.resamples, loaded.map(seedOf))
    const withFits = (entry: LoadedInput, index: number): FittedInput => ({ ...entry, ...(allocations[index] as FittedAllocation), ...(losses.losses[index] as FittedLoss) })
    const [baseline, ...candidates] = [withFits(loaded[0], 0), ...loaded.slice(1).map((entry, index) => withFits(entry, index + 1))] as const
    const experiments = yield* Effect.forEach([baseline, ...candidates], (entry) => describeExperiment(entry, budgets.all, budgets.span))
    const comparisons = yield* Effect.forEach(candidates, (candidate) => compareTo(baseline, candidate, budgets))
    return {
      baseline: baseline.name,
      floor: losses.floor,
      level: lossIntervalLevel,
      resamples: request.resamples,
      sweptBudgets: swept,
      forecastBudgets: forecast,
      experiments,
      comparisons
    } satisfies CompareResult
  })
