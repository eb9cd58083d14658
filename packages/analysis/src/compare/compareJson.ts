// A comparison as JSON: what `scalelab compare --json` prints and `compare --out DIR` writes as
// compare.json, in one shape for the report and dashboard to read.
import type { BootstrapHealth, Interval, MultiplierEstimate, MultiplierTrend } from "@scalelab/laws"
import type { ComparedExperiment, CompareResult, Estimate, ExperimentComparison } from "./compareTypes.ts"

/** How a bootstrap went, in the names every JSON output uses. */
export const healthJson = (health: BootstrapHealth) => ({
  resamples_requested: health.requested,
  resamples_used: health.used,
  resamples_failed: health.failed,
  trustworthy: health.trustworthy,
  ...(health.warning === undefined ? {} : { warning: health.warning })
})

// JSON has no Infinity: an unbounded multiplier or bound is null, beside `reachable: false` or an
// interval whose upper end is open.
const finite = (value: number): number | null => Number.isFinite(value) ? value : null
const intervalJson = (interval: Interval | undefined) => interval === undefined ? null : [finite(interval[0]), finite(interval[1])]

const multiplierJson = (estimate: MultiplierEstimate) => ({
  compute: estimate.compute,
  multiplier: finite(estimate.multiplier),
  interval: intervalJson(estimate.interval),
  reachable: estimate.reachable,
  candidate_loss: estimate.loss,
  baseline_compute: finite(estimate.baselineCompute),
  unreachable_resamples: estimate.unreachable,
  ...(estimate.health === undefined ? {} : { bootstrap: healthJson(estimate.health) })
})

const trendJson = (trend: MultiplierTrend) => ({
  direction: trend.direction ?? null,
  slope: trend.slope === undefined ? null : finite(trend.slope),
  interval: intervalJson(trend.interval),
  from: trend.from,
  to: trend.to,
  ...(trend.health === undefined ? {} : { bootstrap: healthJson(trend.health) })
})

const comparisonJson = (comparison: ExperimentComparison) => ({
  baseline: comparison.baseline,
  candidate: comparison.candidate,
  budgets: comparison.budgets.map((budget) => ({ ...multiplierJson(budget), swept: budget.swept })),
  multiplier: finite(comparison.atLargest.multiplier),
  interval: intervalJson(comparison.atLargest.interval),
  compute: comparison.atLargest.compute,
  reachable: comparison.atLargest.reachable,
  trend: trendJson(comparison.trend),
  curve: comparison.curve.map(multiplierJson)
})

const estimateJson = (estimate: Estimate) => ({ value: estimate.value, interval: intervalJson(estimate.interval) })

const experimentJson = (experiment: ComparedExperiment) => ({
  name: experiment.name,
  input: experiment.input,
  runs: experiment.runs,
  budgets: experiment.budgets,
  params_opt: { k: experiment.params_opt.k, a: experiment.params_opt.a, a_interval: intervalJson(experiment.params_opt.a_interval) },
  tokens_opt: { k: experiment.tokens_opt.k, b: experiment.tokens_opt.b, b_interval: intervalJson(experiment.tokens_opt.b_interval) },
  loss_law: experiment.lossLaw,
  bootstrap: {
    ...(experiment.isoflopHealth === undefined ? {} : { isoflop: healthJson(experiment.isoflopHealth) }),
    ...(experiment.lossHealth === undefined ? {} : { loss: { ...healthJson(experiment.lossHealth), calibrated: experiment.lossCalibrated } })
  },
  at_budgets: experiment.atBudgets.map((row) => ({
    compute: row.compute,
    params: estimateJson(row.params),
    tokens: estimateJson(row.tokens),
    loss: estimateJson(row.loss)
  })),
  isoflop_minima: experiment.minima,
  loss_curve: experiment.lossCurve.map((row) => ({ compute: row.compute, ...estimateJson(row.loss) })),
  notes: experiment.notes
})

/** The comparison as JSON: the multipliers per candidate, then each experiment's fits side by side. */
export const compareJson = (result: CompareResult) => ({
  baseline: result.baseline,
  floor: {
    mode: result.floor.mode,
    requested: result.floor.requested ?? null,
    reason: result.floor.reason,
    value: result.floor.value ?? null
  },
  level: result.level,
  resamples: result.resamples,
  budgets: { swept: result.sweptBudgets, forecast: result.forecastBudgets },
  comparisons: result.comparisons.map(comparisonJson),
  experiments: result.experiments.map(experimentJson)
})
