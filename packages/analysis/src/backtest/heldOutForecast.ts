import { Effect } from "effect"
import type { LawFormChoice } from "@scalelab/spec"
import {
  fitIsoflopCurves,
  type Interval,
  type IsoflopBootstrap,
  type IsoflopBudgetFit,
  type IsoflopFit,
  type IsoflopMinimumEstimator,
  type ParametricCoefficients
} from "@scalelab/laws"
import { attempt, attemptStepwise, sci } from "@scalelab/sweep"
import { lossForecastModel } from "../lossForecastModel.ts"
import { type BootstrapSettings, type DownstreamOutcome, fitDownstreamForReport } from "../reportWriter.ts"
import { type DownstreamResult, fitParametricResults } from "../resultsFit.ts"
import { type ResultPoint, storedTasks } from "../resultsInput.ts"
import { BacktestNotPossible } from "./backtestError.ts"
import { backtestTargets, coverageLevels } from "./comparison.ts"
import { type CutoffBudgetForecast, forecastAtCutoff } from "./cutoffForecast.ts"
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
export interface BudgetForecast extends CutoffBudgetForecast {
  /** The 80% intervals, null when the bootstrap gave none (see `intervalsNote`). */
  readonly intervals: { readonly params: Interval; readonly tokens: Interval; readonly loss: Interval } | null
  /** Cloze accuracy from the two-stage downstream law (its interval at 80% only); null when it could not be fitted (see `accuracyNote`). */
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

/** The 80% intervals of a forecast, when it has all three. */
const reportIntervals = (forecast: CutoffBudgetForecast): BudgetForecast["intervals"] => {
  const at = forecast.intervals_by_level.find((i) => i.level === backtestTargets.interval_level)
  return at === undefined || at.params === null || at.tokens === null || at.loss === null ? null : { params: at.params, tokens: at.tokens, loss: at.loss }
}

/**
 * Fits the laws on the runs below the cutoff and forecasts each held-out budget (forecastAtCutoff:
 * N*, D* by IsoFLOP with intervals at every level of `coverageLevels`; the loss by the parametric
 * law through lossForecastModel, or with `lossLaw` isoflop by L*(C)), and the two-stage cloze law
 * as `scalelab report` fits it. The power laws are required; the intervals and the accuracy are
 * reported with the reason when they cannot be had.
 */
export const forecastHeldOut = (
  points: ReadonlyArray<ResultPoint>,
  heldOutBudgets: ReadonlyArray<number>,
  fitBudgets: ReadonlyArray<number>,
  bootstrap: BootstrapSettings,
  lossLaw: LossLaw,
  fitSettings: { readonly minimum: IsoflopMinimumEstimator; readonly lawForm: LawFormChoice }
) =>
  Effect.gen(function*() {
    const parametric = lossLaw === "parametric"
      ? yield* fitParametricResults(points, { ...bootstrap, lawForm: fitSettings.lawForm }).pipe(Effect.mapError((error) =>
        new BacktestNotPossible({
          message: `the runs below the cutoff (budgets ${fitBudgets.map((b) => sci(b)).join(", ")}) give no parametric loss law: ` +
            `${error.message}\nRaise --cutoff to fit on more runs, or pass --loss-law isoflop`
        })
      ))
      : null
    const isoflopPoints = points.map(({ id, params, tokens, budget, loss }) => ({ id, params, tokens, budget, loss }))
    const cutoff = yield* attemptStepwise(() =>
      forecastAtCutoff(isoflopPoints, heldOutBudgets, { ...bootstrap, levels: coverageLevels, minimum: fitSettings.minimum }, parametric === null ? null : lossForecastModel(parametric))
    ).pipe(Effect.mapError((error) =>
      new BacktestNotPossible({
        message: `the runs below the cutoff (budgets ${fitBudgets.map((b) => sci(b)).join(", ")}) give no IsoFLOP power law: ` +
          `${error.message}\nRaise --cutoff to fit on more budgets, or widen the sweep (sweep.span, sizes_per_budget) so that ` +
          `each budget brackets its minimum`
      })
    ))
    const tasks = storedTasks(points)
    const [outcome] = yield* fitDownstreamForReport(points, tasks, heldOutBudgets, bootstrap)
    const downstream = outcome?._tag === "Fitted" ? outcome.result : null
    const budgets = cutoff.budgets.map((forecast): BudgetForecast => {
      const cloze = downstream?.forecasts.find((f) => f.compute === forecast.budget)
      const clozeInterval = downstream?.bootstrap?.forecasts.find((f) => f.compute === forecast.budget)?.accuracy
      return {
        ...forecast,
        intervals: reportIntervals(forecast),
        cloze: cloze === undefined ? null : { accuracy: cloze.accuracy, nll: cloze.nll, interval: clozeInterval ?? null }
      }
    })
    return {
      fit: cutoff.fit,
      lossLaw,
      parametric: parametric === null
        ? null
        : { E: parametric.fit.E, A: parametric.fit.A, B: parametric.fit.B, alpha: parametric.fit.alpha, beta: parametric.fit.beta },
      bootstrap: cutoff.bootstrap,
      downstream,
      budgets,
      intervalsNote: cutoff.intervalsNote,
      accuracyNote: accuracyNoteOf(points, outcome)
    } satisfies HeldOutForecast
  })

/** The minimum of a held-out budget's own IsoFLOP curve, or why it cannot be measured. */
export type MeasuredOptimum =
  | {
    readonly _tag: "Measured"
    readonly params: number
    readonly tokens: number
    readonly loss: number
    readonly runs: number
    /** The standard error of log10 of `params`, from the curve's curvature and residuals; null when the fit does not give it. */
    readonly log10_params_se: number | null
  }
  | { readonly _tag: "Unmeasured"; readonly reason: string }

/** The optimum a budget's fitted curve measured, when it brackets one. */
export const optimumOfCurve = (curve: IsoflopBudgetFit | undefined): MeasuredOptimum =>
  curve === undefined || !curve.bracketed || curve.params_opt === null || curve.tokens_opt === null || curve.loss_opt === null
    ? { _tag: "Unmeasured", reason: "its sweep runs do not bracket a minimum" }
    : {
      _tag: "Measured",
      params: curve.params_opt,
      tokens: curve.tokens_opt,
      loss: curve.loss_opt,
      runs: curve.n_points,
      log10_params_se: curve.log10_params_opt_se
    }

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
    return optimumOfCurve(curves.success[0])
  })
