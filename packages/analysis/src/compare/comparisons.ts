// The fitted experiments side by side: each one's N*, D* and L* at the comparison's budgets and
// along its span, and each candidate's compute multiplier over the baseline, with its trend.
import { Effect } from "effect"
import { bootstrapHealth, type BootstrappedLaw, forecastIsoflop, type IsoflopFit, multiplierAt, multiplierTrend } from "@scalelab/laws"
import { attempt, UserInputError } from "@scalelab/sweep"
import { computeOptimalLossForecast, lossIntervalLevel } from "../lossForecast.ts"
import type { LossForecastModel } from "../lossForecastModel.ts"
import type { ComparisonBudgets } from "./comparisonBudgets.ts"
import type { ComparedExperiment, Estimate, ExperimentAtBudget, ExperimentComparison, IsoflopMinimumPoint } from "./compareTypes.ts"
import type { FittedInput } from "./experimentFits.ts"

const bootstrapped = (model: LossForecastModel): BootstrappedLaw => ({ law: model.law, replicates: model.replicates, failed: model.health?.failed ?? 0 })

/** L*(C) from the loss forecaster, with its interval unless its bootstrap is not to be trusted. */
const lossAt = (model: LossForecastModel, compute: number) =>
  Effect.map(Effect.fromResult(computeOptimalLossForecast(model, compute, lossIntervalLevel)), (forecast): Estimate => ({
    value: forecast.loss,
    interval: forecast.health?.trustworthy === false ? undefined : forecast.interval
  }))

const minimaOf = (fit: IsoflopFit): Array<IsoflopMinimumPoint> =>
  fit.budgets.flatMap((budget) =>
    budget.params_opt === null || budget.tokens_opt === null || budget.loss_opt === null
      ? []
      : [{ budget: budget.budget, params: budget.params_opt, tokens: budget.tokens_opt, loss: budget.loss_opt }])

/** The side-by-side record of one experiment at the comparison's budgets and along its span. */
export const describeExperiment = (fitted: FittedInput, budgets: ReadonlyArray<number>, span: ReadonlyArray<number>) =>
  Effect.gen(function*() {
    const { fit, bootstrap } = fitted.isoflop
    const atBudgets = yield* Effect.forEach(budgets, (compute) =>
      Effect.map(lossAt(fitted.model, compute), (loss): ExperimentAtBudget => {
        const point = forecastIsoflop(fit, compute)
        const interval = bootstrap?.trustworthy === false ? undefined : bootstrap?.forecasts.find((forecast) => forecast.compute === compute)
        return { compute, params: { value: point.params, interval: interval?.params }, tokens: { value: point.tokens, interval: interval?.tokens }, loss }
      }))
    const lossCurve = yield* Effect.forEach(span, (compute) => Effect.map(lossAt(fitted.model, compute), (loss) => ({ compute, loss })))
    const trusted = bootstrap?.trustworthy === true ? bootstrap : undefined
    return {
      name: fitted.name,
      input: fitted.input,
      runs: fitted.results.points.length,
      points: fitted.results.points,
      budgets: fitted.budgets,
      params_opt: { k: fit.params_opt.k, a: fit.params_opt.a, a_interval: trusted?.params_opt_a },
      tokens_opt: { k: fit.tokens_opt.k, b: fit.tokens_opt.b, b_interval: trusted?.tokens_opt_b },
      isoflopHealth: bootstrap === undefined ? undefined : bootstrapHealth(bootstrap.resamples_used, bootstrap.failed_resamples),
      minima: minimaOf(fit),
      isoflopBudgets: fit.budgets,
      lossLaw: { form: fitted.lossFit.form, parameters: fitted.lossFit.parameters, floor: fitted.lossFit.law.floor },
      lossHealth: fitted.model.health,
      lossCalibrated: fitted.model.calibrated,
      atBudgets,
      lossCurve,
      notes: [
        ...(fitted.isoflopNote === undefined ? [] : [fitted.isoflopNote]),
        ...(bootstrap?.warning === undefined || bootstrap.warning === null ? [] : [`N*, D* intervals left out: ${bootstrap.warning}`]),
        ...(fitted.lossNote === undefined ? [] : [fitted.lossNote]),
        ...(fitted.model.health?.warning === undefined ? [] : [`L*(C) intervals left out: ${fitted.model.health.warning}`])
      ]
    } satisfies ComparedExperiment
  })

/** A candidate's multiplier over the baseline at every budget, at the largest forecast, along the span, and its trend. */
export const compareTo = (baseline: FittedInput, candidate: FittedInput, { swept, forecast, all, span }: ComparisonBudgets) =>
  attempt((): ExperimentComparison => {
    const b = bootstrapped(baseline.model)
    const c = bootstrapped(candidate.model)
    const at = (compute: number) => multiplierAt(b, c, compute, lossIntervalLevel)
    const largest = Math.max(...forecast)
    return {
      baseline: baseline.name,
      candidate: candidate.name,
      budgets: all.map((compute) => ({ ...at(compute), swept: swept.includes(compute) })),
      atLargest: at(largest),
      trend: multiplierTrend(b, c, Math.min(...swept), largest, lossIntervalLevel),
      curve: span.map(at)
    }
  }).pipe(Effect.mapError((error) => new UserInputError({ message: `${candidate.name} against ${baseline.name}: ${error.message}` })))
