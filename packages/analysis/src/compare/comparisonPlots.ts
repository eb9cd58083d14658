// A comparison as the comparison plots draw it: the one mapping from compareExperiments' result to
// the plots' inputs, for the report of `scalelab compare --out` and the dashboard's multiplier panel.
import type { Interval, MultiplierEstimate } from "@scalelab/laws"
import {
  compareFrontierPlotSpec,
  compareLossPlotSpec,
  type ComparedExperiment as PlottedExperiment,
  type ExperimentIdentity,
  isoflopFittedCurve,
  type LawSample,
  type MultiplierPlotInput,
  multiplierPlotSpec,
  overlayIsoflopPlotSpec,
  type TopLevelSpec
} from "@scalelab/plots"
import type { ComparedExperiment, CompareResult, Estimate } from "./compareTypes.ts"

/** A fitted quantity at a budget; compareExperiments leaves out the intervals of a bootstrap not to be trusted. */
const estimateSample = (compute: number, estimate: Estimate): LawSample => ({
  compute,
  value: estimate.value,
  ...(estimate.interval === undefined ? {} : { interval: estimate.interval })
})

const identity = (result: CompareResult, name: string): ExperimentIdentity => ({ name, baseline: name === result.baseline })

/**
 * A power law k·C^exponent along the compute span, with the bootstrap's intervals at the budgets
 * the comparison gives them (swept and forecast), so its band runs from budget to budget.
 */
const frontierSamples = (
  experiment: ComparedExperiment,
  k: number,
  exponent: number,
  atBudget: (row: ComparedExperiment["atBudgets"][number]) => Estimate
): Array<LawSample> => {
  const budgets = experiment.atBudgets.map((row) => estimateSample(row.compute, atBudget(row)))
  const along = experiment.lossCurve
    .filter((row) => !budgets.some((sample) => sample.compute === row.compute))
    .map((row) => ({ compute: row.compute, value: k * row.compute ** exponent }))
  return [...along, ...budgets].sort((a, b) => a.compute - b.compute)
}

/** One experiment as the frontier, loss and overlaid IsoFLOP plots take it. */
const plottedExperiment = (result: CompareResult, experiment: ComparedExperiment): PlottedExperiment => {
  const curves = experiment.isoflopBudgets.flatMap((budget) =>
    budget.params_opt === null || budget.tokens_opt === null || budget.loss_opt === null
      ? []
      : [{ budget, params: budget.params_opt, tokens: budget.tokens_opt, loss: budget.loss_opt }]
  )
  return {
    ...identity(result, experiment.name),
    runs: experiment.points.map(({ id, params, tokens, flops, loss, budget }) => ({ id, params, tokens, flops, loss, budget })),
    minima: curves.map(({ budget, params, tokens, loss }) => ({ compute: budget.budget, params, tokens, loss, bracketed: budget.bracketed })),
    frontier: {
      params: frontierSamples(experiment, experiment.params_opt.k, experiment.params_opt.a, (row) => row.params),
      tokens: frontierSamples(experiment, experiment.tokens_opt.k, experiment.tokens_opt.b, (row) => row.tokens)
    },
    loss: experiment.lossCurve.map((row) => estimateSample(row.compute, row.loss)),
    isoflopCurves: curves.map(({ budget, params, loss }) => ({
      budget: budget.budget,
      points: isoflopFittedCurve({ ...budget, params_opt: params, loss_opt: loss })
    }))
  }
}

// A band reaches at most this factor beyond the multipliers drawn, so that an interval of a few
// wild resamples does not stretch the axis over decades nobody reads.
const bandReach = 10

/**
 * A multiplier's interval as its band is drawn: cut at `range`, the multipliers drawn widened by
 * bandReach. An interval unbounded above (resamples whose baseline never reaches the candidate)
 * or reaching beyond the range runs to the top of the plot rather than stopping short.
 */
const multiplierBand = (estimate: MultiplierEstimate, range: readonly [number, number] | undefined): { interval?: Interval } => {
  const { interval, health } = estimate
  if (range === undefined || interval === undefined || health?.trustworthy === false || !Number.isFinite(interval[0])) return {}
  const clamp = (x: number) => Math.min(Math.max(x, range[0]), range[1])
  return { interval: [clamp(interval[0]), clamp(interval[1])] }
}

/**
 * Each candidate's multiplier over the baseline along the compute span and at every budget. A
 * budget where the baseline never reaches the candidate's loss (an infinite multiplier) has no
 * point to draw; the multiplier table says `∞` there. The experiments take their colours in the
 * order of `colourOrder` (the dashboard's, which a change of baseline leaves alone), else the
 * result's: the baseline first.
 */
export const multiplierPlotInput = (
  result: CompareResult,
  colourOrder: ReadonlyArray<string> = result.experiments.map((experiment) => experiment.name)
): MultiplierPlotInput => {
  const drawn = result.comparisons.flatMap((comparison) => [...comparison.curve, ...comparison.budgets].map((estimate) => estimate.multiplier))
    .filter(Number.isFinite)
  const range = drawn.length === 0 ? undefined : [Math.min(...drawn) / bandReach, Math.max(...drawn) * bandReach] as const
  return {
    experiments: colourOrder.map((name) => identity(result, name)),
    comparisons: result.comparisons.map((comparison) => ({
      candidate: comparison.candidate,
      baseline: comparison.baseline,
      samples: comparison.curve.map((estimate) => ({ compute: estimate.compute, value: estimate.multiplier, ...multiplierBand(estimate, range) })),
      budgets: comparison.budgets.flatMap((budget) =>
        Number.isFinite(budget.multiplier)
          ? [{ compute: budget.compute, multiplier: budget.multiplier, swept: budget.swept, ...multiplierBand(budget, range) }]
          : []
      )
    })),
    intervalLevel: result.level
  }
}

/** The comparison's plots, by the stem of their files: overlaid frontiers, loss against compute, the multiplier, and the IsoFLOP runs overlaid. */
export interface ComparisonPlots {
  readonly frontier: TopLevelSpec
  readonly loss: TopLevelSpec
  readonly multiplier: TopLevelSpec
  readonly isoflop: TopLevelSpec
}

export const comparisonPlots = (result: CompareResult): ComparisonPlots => {
  const experiments = result.experiments.map((experiment) => plottedExperiment(result, experiment))
  const input = { experiments, intervalLevel: result.level }
  return {
    frontier: compareFrontierPlotSpec(input),
    loss: compareLossPlotSpec(input),
    multiplier: multiplierPlotSpec(multiplierPlotInput(result)),
    isoflop: overlayIsoflopPlotSpec({ experiments })
  }
}
