import { Effect } from "effect"
import {
  fitIsoflopCurves,
  type Interval,
  type IsoflopBootstrap,
  type IsoflopFit,
  type IsoflopMinimumEstimator,
  type ParametricCoefficients
} from "@scalelab/laws"
import { replicateInterval } from "../allocationInterval.ts"
import { attempt, sci } from "@scalelab/sweep"
import { type BootstrapSettings, type DownstreamOutcome, fitDownstreamForReport, fitForReport } from "../reportWriter.ts"
import { type DownstreamResult, fitParametricResults, parametricForecaster } from "../resultsFit.ts"
import { type ResultPoint, storedTasks } from "../resultsInput.ts"
import { BacktestNotPossible } from "./backtestError.ts"
import type { HeldOutSweep } from "./fitSet.ts"

/** The downstream task the built-in trainer scores runs on (result.json cloze_accuracy / cloze_nll). */
export const clozeTask = "cloze"

export interface AccuracyForecastAt {
  readonly accuracy: number
  readonly nll: number
  readonly interval: Interval | null
}

/**
 * Which law forecasts the compute-optimal loss. `parametric`: L(N, D) = E + A/N^α + B/D^β fitted to
 * every run below the cutoff (Chinchilla's approach 3), whose irreducible E keeps the forecast from
 * running low beyond the fitted budgets. `isoflop`: the power law L*(C) = k·C^c through the
 * budgets' minima, which has no such term.
 */
export const LOSS_LAWS = ["parametric", "isoflop"] as const
export type LossLaw = typeof LOSS_LAWS[number]

/** What the laws fitted below the cutoff say about one held-out budget. */
export interface BudgetForecast {
  readonly budget: number
  readonly params: number
  readonly tokens: number
  readonly loss: number
  /** 80% bootstrap intervals, null when the bootstrap gave none (see `intervalsNote`). */
  readonly intervals: { readonly params: Interval; readonly tokens: Interval; readonly loss: Interval } | null
  /** Cloze accuracy from the two-stage downstream law; null when it could not be fitted (see `accuracyNote`). */
  readonly cloze: AccuracyForecastAt | null
}

export interface HeldOutForecast {
  readonly fit: IsoflopFit
  readonly lossLaw: LossLaw
  /** The parametric law's constants, when it forecast the loss. */
  readonly parametric: ParametricCoefficients | null
  readonly bootstrap: IsoflopBootstrap | null
  readonly downstream: DownstreamResult | null
  readonly budgets: ReadonlyArray<BudgetForecast>
  /** Why there are no loss/size intervals, when there are none. */
  readonly intervalsNote: string | null
  /** Why there is no accuracy forecast, when there is none. */
  readonly accuracyNote: string | null
}

const accuracyNoteOf = (points: ReadonlyArray<ResultPoint>, outcome: DownstreamOutcome | undefined): string | null => {
  if (storedTasks(points).length === 0) return "the runs below the cutoff have no cloze scores (eval.cloze.items 0, or an external trainer)"
  if (outcome === undefined) return "no downstream fit"
  return outcome._tag === "NotFitted" ? `the downstream (cloze) law could not be fitted: ${outcome.reason}` : null
}

/**
 * Fits the IsoFLOP power laws (with their bootstrap) and the two-stage cloze law on the runs below
 * the cutoff, the same way `scalelab report` does, and reads N*, D*, L* and the accuracy off them at
 * each held-out budget; with `lossLaw` parametric, L* and its interval come from the parametric law. The power laws are required; the intervals and the accuracy are reported
 * with the reason when they cannot be had.
 */
export const forecastHeldOut = (
  points: ReadonlyArray<ResultPoint>,
  heldOutBudgets: ReadonlyArray<number>,
  fitBudgets: ReadonlyArray<number>,
  bootstrap: BootstrapSettings,
  lossLaw: LossLaw,
  minimum: IsoflopMinimumEstimator
) =>
  Effect.gen(function*() {
    const isoflopPoints = points.map(({ id, params, tokens, budget, loss }) => ({ id, params, tokens, budget, loss }))
    const { isoflop, intervals } = yield* fitForReport(isoflopPoints, heldOutBudgets, bootstrap, minimum)
    if (isoflop._tag !== "Fitted") {
      return yield* new BacktestNotPossible({
        message: `the runs below the cutoff (budgets ${fitBudgets.map((b) => sci(b)).join(", ")}) give no IsoFLOP power law: ` +
          `${isoflop.reason}\nRaise --cutoff to fit on more budgets, or widen the sweep (sweep.span, sizes_per_budget) so that ` +
          `each budget brackets its minimum`
      })
    }
    const tasks = storedTasks(points)
    const [outcome] = yield* fitDownstreamForReport(points, tasks, heldOutBudgets, bootstrap)
    const downstream = outcome?._tag === "Fitted" ? outcome.result : null
    const bootstrapped = intervals._tag === "Bootstrapped" ? intervals.bootstrap : null
    const budgets = isoflop.forecasts.map((forecast): BudgetForecast => {
      const interval = bootstrapped?.forecasts.find((f) => f.compute === forecast.compute)
      const cloze = downstream?.forecasts.find((f) => f.compute === forecast.compute)
      const clozeInterval = downstream?.bootstrap?.forecasts.find((f) => f.compute === forecast.compute)?.accuracy
      return {
        budget: forecast.compute,
        params: forecast.params,
        tokens: forecast.tokens,
        loss: forecast.loss,
        intervals: interval === undefined ? null : { params: interval.params, tokens: interval.tokens, loss: interval.loss },
        cloze: cloze === undefined ? null : { accuracy: cloze.accuracy, nll: cloze.nll, interval: clozeInterval ?? null }
      }
    })
    const parametric = lossLaw === "parametric" ? yield* fitParametricResults(points, bootstrap) : null
    const withLossLaw = parametric === null ? budgets : budgets.map((forecast): BudgetForecast => {
      const target = { quantity: "compute", value: forecast.budget } as const
      const interval = parametric.bootstrap === undefined
        ? undefined
        : replicateInterval(parametric.bootstrap.replicates.map(parametricForecaster), target)?.loss ?? undefined
      const loss = parametricForecaster(parametric.fit)(forecast.budget).loss ?? forecast.loss
      return {
        ...forecast,
        loss,
        intervals: forecast.intervals === null || interval === undefined ? forecast.intervals : { ...forecast.intervals, loss: interval }
      }
    })
    return {
      fit: isoflop.fit,
      lossLaw,
      parametric: parametric === null
        ? null
        : { E: parametric.fit.E, A: parametric.fit.A, B: parametric.fit.B, alpha: parametric.fit.alpha, beta: parametric.fit.beta },
      bootstrap: bootstrapped,
      downstream,
      budgets: withLossLaw,
      intervalsNote: intervals._tag === "NoIntervals" ? intervals.reason : null,
      accuracyNote: accuracyNoteOf(points, outcome)
    } satisfies HeldOutForecast
  })

/** The minimum of a held-out budget's own IsoFLOP curve, or why it cannot be measured. */
export type MeasuredOptimum =
  | { readonly _tag: "Measured"; readonly params: number; readonly tokens: number; readonly loss: number; readonly runs: number }
  | { readonly _tag: "Unmeasured"; readonly reason: string }

/**
 * Reads the minimum of a held-out budget's sweep runs (when they all finished and bracket it) with
 * `minimum`, the estimator the fit below the cutoff read its budgets' with: the N* and L* the
 * forecast should have found there.
 */
export const measuredOptimum = (sweep: HeldOutSweep, minimum: IsoflopMinimumEstimator) =>
  Effect.gen(function*() {
    if (sweep.planned === 0) return { _tag: "Unmeasured", reason: "no sweep runs are planned at this budget" } as MeasuredOptimum
    if (sweep.ended < sweep.planned) {
      return {
        _tag: "Unmeasured",
        reason: `${sweep.ended} of its ${sweep.planned} sweep runs have finished; \`scalelab run\` trains the rest`
      } as MeasuredOptimum
    }
    const curves = yield* Effect.result(attempt(() => fitIsoflopCurves(sweep.points, { minimum })))
    if (curves._tag === "Failure") return { _tag: "Unmeasured", reason: curves.failure.message } as MeasuredOptimum
    const curve = curves.success[0]
    if (curve === undefined || !curve.bracketed || curve.params_opt === null || curve.tokens_opt === null || curve.loss_opt === null) {
      return { _tag: "Unmeasured", reason: "its sweep runs do not bracket a minimum" } as MeasuredOptimum
    }
    return {
      _tag: "Measured",
      params: curve.params_opt,
      tokens: curve.tokens_opt,
      loss: curve.loss_opt,
      runs: curve.n_points
    } as MeasuredOptimum
  })
