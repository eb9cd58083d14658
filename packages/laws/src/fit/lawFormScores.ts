import { LawInputError } from "../lawInputError.ts"
import type { LawForm, LawFormFitOptions } from "./lawForms.ts"
import { fitLawForm } from "./lawForms.ts"
import type { ParametricPoint } from "./parametric.ts"

/** A run with the compute budget it belongs to (the IsoFLOP budget, or its FLOPs rounded). */
export interface BudgetedPoint extends ParametricPoint {
  readonly budget: number
}

/** One held-out run's miss. */
export interface HeldOutError {
  readonly budget: number
  /** log10 of the run's compute (6·N·D) over the largest fitted budget's: how far it extrapolates. */
  readonly decades: number
  /** ln(predicted / actual loss). */
  readonly log_error: number
}

/** A fit on all budgets but the `held_out` largest, scored on the runs of those. */
export interface Backtest {
  readonly held_out: number
  readonly fitted_budgets: number
  readonly errors: ReadonlyArray<HeldOutError>
  /** RMS of ln(predicted / actual) over the held-out runs. */
  readonly rms_log_error: number
  /** Mean of ln(predicted / actual): its sign shows whether the form forecasts too high or too low. */
  readonly mean_log_error: number
}

export interface FormScore {
  readonly form: LawForm
  readonly backtests: ReadonlyArray<Backtest>
  /** RMS of ln(predicted / actual) over every backtest's held-out runs; undefined when the form could not be scored. */
  readonly score: number | undefined
  /** Why the form has no score, when it has none. */
  readonly note: string | undefined
}

// A backtest fits at least two budgets, so a law is never fitted to one IsoFLOP curve; leave-one-
// and leave-two-largest-out are run wherever that allows.
export const minFittedBudgets = 2
const heldOutCounts = [1, 2] as const

/** The runs' compute 6·N·D, by which every distance here is measured. */
export const sixND = (point: ParametricPoint): number => 6 * point.params * point.tokens

/** Budgets in ascending order, each with its runs and its compute (the geometric mean of its runs' 6·N·D). */
export const budgetGroups = (points: ReadonlyArray<BudgetedPoint>) => {
  const groups = new Map<number, BudgetedPoint[]>()
  for (const point of points) groups.set(point.budget, [...(groups.get(point.budget) ?? []), point])
  return [...groups.entries()]
    .sort(([p], [q]) => p - q)
    .map(([budget, runs]) => ({ budget, runs, compute: Math.exp(runs.reduce((sum, run) => sum + Math.log(sixND(run)), 0) / runs.length) }))
}

const rms = (values: ReadonlyArray<number>): number => Math.sqrt(values.reduce((sum, v) => sum + v * v, 0) / values.length)
const mean = (values: ReadonlyArray<number>): number => values.reduce((sum, v) => sum + v, 0) / values.length

/**
 * Leave-k-largest-out backtests of one form: fit on every budget but the k largest (k = 1, and 2
 * where at least two budgets stay fitted), forecast the held-out runs' losses. Throws the fit's
 * LawInputError when a backtest cannot be fitted.
 */
export const backtestLawForm = (
  form: LawForm,
  points: ReadonlyArray<BudgetedPoint>,
  options: LawFormFitOptions = { grid: "small" }
): Backtest[] => {
  const groups = budgetGroups(points)
  return heldOutCounts.filter((k) => groups.length - k >= minFittedBudgets).map((k) => {
    const fitted = groups.slice(0, groups.length - k)
    const reference = (fitted[fitted.length - 1] as (typeof fitted)[number]).compute
    const { law } = fitLawForm(form, fitted.flatMap((group) => group.runs), options)
    const errors = groups.slice(groups.length - k).flatMap((group) =>
      group.runs.map((run) => ({
        budget: group.budget,
        decades: Math.log10(sixND(run) / reference),
        log_error: Math.log(law.lossAt(run.params, run.tokens) / run.loss)
      })))
    const logErrors = errors.map((error) => error.log_error)
    return { held_out: k, fitted_budgets: fitted.length, errors, rms_log_error: rms(logErrors), mean_log_error: mean(logErrors) }
  })
}

/** Each form's leave-largest-out backtests and score (quick refits from each form's small start grid). */
export const scoreLawForms = (
  points: ReadonlyArray<BudgetedPoint>,
  forms: ReadonlyArray<LawForm>,
  options: LawFormFitOptions = { grid: "small" }
): FormScore[] =>
  forms.map((form) => {
    try {
      const backtests = backtestLawForm(form, points, options)
      const logErrors = backtests.flatMap((backtest) => backtest.errors.map((error) => error.log_error))
      const score = logErrors.length === 0 ? undefined : rms(logErrors)
      if (score === undefined) return { form, backtests, score, note: `needs at least ${minFittedBudgets + 1} budgets to hold one out` }
      if (!Number.isFinite(score)) return { form, backtests, score: undefined, note: "its backtest forecasts are not finite" }
      return { form, backtests, score, note: undefined }
    } catch (error) {
      if (!(error instanceof LawInputError)) throw error
      return { form, backtests: [], score: undefined, note: `a backtest could not be fitted: ${error.message}` }
    }
  })

export interface LawFormChoice {
  readonly form: LawForm
  /** Why this form, as output prints it. */
  readonly reason: string
}

/**
 * A form must beat the fallback's held-out error by more than this share to replace it: forms
 * scored on the same few held-out runs differ by noise alone, and a tie keeps the fallback.
 */
export const lawFormTieMargin = 0.1

/** The best-scoring form, or `fallback` when it ties (within lawFormTieMargin) or there are too few budgets to score. */
export const chooseLawForm = (scores: ReadonlyArray<FormScore>, fallback: LawForm): LawFormChoice => {
  const fallbackScore = scores.find((entry) => entry.form === fallback)?.score
  const scored = scores.filter((entry): entry is FormScore & { readonly score: number } => entry.score !== undefined)
  if (fallbackScore === undefined || scored.length === 0) {
    return { form: fallback, reason: `${fallback} (the default): too few budgets to score the forms by leave-largest-out (needs ${minFittedBudgets + 1})` }
  }
  const best = scored.reduce((p, q) => (q.score < p.score ? q : p))
  if (best.form === fallback) return { form: fallback, reason: `${fallback}: the lowest held-out error` }
  if (best.score < fallbackScore * (1 - lawFormTieMargin)) {
    return { form: best.form, reason: `${best.form}: the lowest held-out error, more than ${lawFormTieMargin * 100}% below ${fallback}'s` }
  }
  return { form: fallback, reason: `${fallback} (the default): ${best.form} scored within ${lawFormTieMargin * 100}% of it, a tie` }
}
