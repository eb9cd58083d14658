// The overlay's multiplier panel: the ticked experiments compared by their scaling laws, as
// `scalelab compare` compares them, with a modest seeded bootstrap so that the answer is the same
// on every request and quick enough to wait for. A comparison is fitted once per experiments,
// baseline and store state; polling the same state reads the cached answer.
import { createHash } from "node:crypto"
import { Effect } from "effect"
import {
  compareStored,
  type CompareResult,
  headlineText,
  multiplierPlotInput,
  type StoredExperiment,
  trendText
} from "@scalelab/analysis"
import { multiplierPlotSpec, type TopLevelSpec } from "@scalelab/plots"

/** Resamples of each fit: enough for an 80% interval's ends, few enough to fit in seconds. */
export const dashboardResamples = 100
export const dashboardSeed = 0

export interface ComparisonHeadline {
  readonly candidate: string
  readonly baseline: string
  /** The largest forecast budget, where the headline multiplier is read. */
  readonly compute: number
  /** Null where the baseline never reaches the candidate's loss (an infinite multiplier). */
  readonly multiplier: number | null
  /** `at C FLOPs (the largest forecast): M× [low, high]`, as the report's headline says it. */
  readonly headline: string
  readonly trend: string
}

export interface ComparisonView {
  readonly experiments: ReadonlyArray<string>
  readonly baseline: string
  readonly resamples: number
  readonly plots: { readonly multiplier: TopLevelSpec | null }
  readonly comparisons: ReadonlyArray<ComparisonHeadline>
  /** Why there is no comparison (too few budgets, no loss law), in the words of `scalelab compare`. */
  readonly note?: string
}

const viewOf = (experiments: ReadonlyArray<string>, result: CompareResult): ComparisonView => ({
  experiments,
  baseline: result.baseline,
  resamples: result.resamples,
  plots: { multiplier: multiplierPlotSpec(multiplierPlotInput(result, experiments)) },
  comparisons: result.comparisons.map((comparison) => ({
    candidate: comparison.candidate,
    baseline: comparison.baseline,
    compute: comparison.atLargest.compute,
    multiplier: Number.isFinite(comparison.atLargest.multiplier) ? comparison.atLargest.multiplier : null,
    headline: headlineText(comparison),
    trend: trendText(comparison, result.level)
  }))
})

/**
 * The comparison of `experiments` against `baseline`, or a note saying why it cannot be made. The
 * experiments keep the order given whichever is the baseline: it picks their colours, as in the
 * overlay's plots, and each one's bootstrap seed, as the order of `scalelab compare`'s inputs does.
 */
export const comparisonView = (experiments: ReadonlyArray<StoredExperiment>, baseline: string): Effect.Effect<ComparisonView> => {
  const names = experiments.map((experiment) => experiment.name)
  return compareStored({ experiments, baseline, resamples: dashboardResamples, seed: dashboardSeed }).pipe(
    Effect.map((result) => viewOf(names, result)),
    Effect.catch((failure) => Effect.succeed<ComparisonView>({ experiments: names, baseline, resamples: dashboardResamples, plots: { multiplier: null }, comparisons: [], note: failure.message }))
  )
}

/** What a comparison depends on: the experiments and baseline asked for, and each one's runs and latest fit. */
export const comparisonKey = (experiments: ReadonlyArray<StoredExperiment>, baseline: string): string =>
  createHash("sha256").update(JSON.stringify({
    baseline,
    experiments: experiments.map((experiment) => ({
      name: experiment.name,
      runs: experiment.results.map((row) => [row.run_id, row.loss]),
      fit: experiment.fit?.created_at ?? null
    }))
  })).digest("hex")

// Comparisons kept: a few selections of experiments, each at its latest store state.
const cachedComparisons = 16

/**
 * Comparisons by comparisonKey. A request for a comparison still being fitted waits for that fit
 * instead of starting another; the oldest answer goes when the cache is full.
 */
export const makeComparisonCache = (compare: typeof comparisonView = comparisonView) => {
  const cache = new Map<string, Promise<ComparisonView>>()
  return (experiments: ReadonlyArray<StoredExperiment>, baseline: string): Effect.Effect<ComparisonView> => {
    const key = comparisonKey(experiments, baseline)
    let answer = cache.get(key)
    if (answer === undefined) {
      answer = Effect.runPromise(compare(experiments, baseline))
      cache.set(key, answer)
      // A comparison that died (a bug, not a note) is fitted afresh on the next request.
      answer.catch(() => cache.delete(key))
      const oldest = cache.keys().next().value
      if (cache.size > cachedComparisons && oldest !== undefined) cache.delete(oldest)
    }
    const pending = answer
    return Effect.promise(() => pending)
  }
}
