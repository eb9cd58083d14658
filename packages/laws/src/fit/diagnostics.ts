import type { IsoflopBudgetFit, IsoflopFit, IsoflopPoint } from "./isoflop.ts"
import { groupIndicesByBudget, sameBudget } from "./isoflop.ts"
import { evaluateParabola, mean, rSquared } from "../optim/leastSquares.ts"
import { LawInputError } from "../lawInputError.ts"
import { fitPowerLaw } from "./powerLaw.ts"

export interface PointResidual {
  /** Index of the run in the points given. */
  readonly index: number
  readonly id?: string
  readonly budget: number
  readonly params: number
  readonly loss: number
  /**
   * Whether the run's size is inside the budget's `window`, the runs the curve below was fitted to
   * and its minimum read from.
   */
  readonly in_window: boolean
  /**
   * The budget's curve (`parabola_params`, fitted to the window's runs) at this run's size. For a
   * run outside the window it is the curve extrapolated beyond the runs it was fitted to.
   */
  readonly fitted: number
  /** loss − fitted; outside the window, the miss of the extrapolated curve, not a least-squares residual. */
  readonly residual: number
}

export interface BudgetDiagnostics {
  readonly budget: number
  readonly n_points: number
  /** R² of the budget's curve (`parabola_params`) against the losses of the runs inside its window. */
  readonly r2: number
  /** Whether the budget's minimum went into the power laws. */
  readonly used: boolean
}

/** What the power laws fitted without one budget predict for that budget's own N*. */
export interface LeaveOneBudgetOut {
  readonly budget: number
  /** N* read off this budget's own parabola. */
  readonly params_opt: number
  /** N* predicted by N*(C) = k·C^a fitted to the other used budgets. */
  readonly params_predicted: number
  /** log10(predicted) − log10(observed): the miss in decades of N. */
  readonly log10_error: number
  /** predicted / observed − 1. */
  readonly relative_error: number
}

/**
 * How far replicate runs (the same budget, size and tokens, trained with different seeds) scatter:
 * the pooled within-replicate standard deviation of loss, sqrt(Σ (loss − replicate mean)² / df).
 */
export interface SeedSpread {
  readonly sd: number
  /** Sets of replicates with at least 2 runs. */
  readonly groups: number
  /** Degrees of freedom: Σ (runs in a set − 1). */
  readonly df: number
}

export interface IsoflopDiagnostics {
  readonly residuals: ReadonlyArray<PointResidual>
  readonly budgets: ReadonlyArray<BudgetDiagnostics>
  /** Runs in budgets whose minimum went into the power laws, and runs in excluded budgets. */
  readonly points_used: number
  readonly points_dropped: number
  readonly unbracketed_budgets: ReadonlyArray<number>
  /** One entry per used budget; empty when fewer than 3 budgets are used (2 must remain for a law). */
  readonly leave_one_budget_out: ReadonlyArray<LeaveOneBudgetOut>
  /** Null when no run has a replicate (`sweep.seeds: 1`). */
  readonly seed_spread: SeedSpread | null
}

// A window's ends are runs' own sizes, but may have gone through arithmetic or text on the way here.
const windowTolerance = 1e-12

/** Whether a run of `params` is one the curve with this `window` was fitted to. */
export const insideWindow = (params: number, [low, high]: readonly [number, number]): boolean =>
  params >= low * (1 - windowTolerance) && params <= high * (1 + windowTolerance)

/** Pairs each budget's run indices with the fit's curve for that budget, or says the two disagree. */
export const curvesWithRuns = (points: ReadonlyArray<IsoflopPoint>, fit: IsoflopFit): Array<{ curve: IsoflopBudgetFit; runs: number[] }> => {
  const groups = groupIndicesByBudget(points)
  if (groups.length !== fit.budgets.length) {
    throw new LawInputError(
      `the points hold ${groups.length} budgets but the fit has ${fit.budgets.length}: pass the same points the fit was made from`
    )
  }
  return groups.map((runs, i) => {
    const curve = fit.budgets[i]
    const budget = points[runs[0] ?? -1]?.budget ?? Number.NaN
    if (curve === undefined || !sameBudget(curve.budget, budget)) {
      throw new LawInputError(`budget ${budget.toExponential(3)} of the points is not in the fit: pass the same points the fit was made from`)
    }
    return { curve, runs }
  })
}

const leaveOneBudgetOut = (fit: IsoflopFit): LeaveOneBudgetOut[] => {
  const used = fit.budgets.filter((curve) => fit.used_budgets.includes(curve.budget))
  if (used.length < 3) return []
  return used.map((left, leftIndex) => {
    const others = used.filter((_, i) => i !== leftIndex)
    const law = fitPowerLaw(
      others.map((curve) => curve.budget),
      others.map((curve) => curve.params_opt ?? Number.NaN)
    )
    const observed = left.params_opt ?? Number.NaN
    const predicted = law.k * left.budget ** law.exponent
    return {
      budget: left.budget,
      params_opt: observed,
      params_predicted: predicted,
      log10_error: Math.log10(predicted / observed),
      relative_error: predicted / observed - 1
    }
  })
}

/** The seed spread of runs grouped by budget; runs of one budget are replicates when they share params and tokens. */
const seedSpread = (points: ReadonlyArray<IsoflopPoint>, budgetRuns: ReadonlyArray<ReadonlyArray<number>>): SeedSpread | null => {
  let squares = 0
  let df = 0
  let groups = 0
  for (const runs of budgetRuns) {
    const replicates = new Map<string, number[]>()
    for (const index of runs) {
      const point = points[index] as IsoflopPoint
      const key = `${point.params}:${point.tokens}`
      replicates.set(key, [...(replicates.get(key) ?? []), point.loss])
    }
    for (const losses of replicates.values()) {
      if (losses.length < 2) continue
      const centre = mean(losses)
      squares += losses.reduce((sum, loss) => sum + (loss - centre) ** 2, 0)
      df += losses.length - 1
      groups++
    }
  }
  return df === 0 ? null : { sd: Math.sqrt(squares / df), groups, df }
}

/**
 * How well an IsoFLOP fit describes its runs: per-run residuals from the curve each budget's
 * minimum was read from (`parabola_params` over the runs in its `window`; runs outside it are
 * marked and measured against the curve extrapolated), R² per budget over its window's runs, which runs and budgets the power laws rest on, and a leave-one-budget-out check of the
 * N*(C) law: refitted without a budget, how far does it miss that budget's N*? One budget that
 * misses by much more than the others is the one to re-run or inspect. Leaving out an end budget
 * means extrapolating, so with few budgets an off-law budget can make its end neighbour miss by
 * more than itself: read the errors together, not only the largest. With seeds, the spread of
 * replicates says how much of the residuals is seed noise.
 */
export const isoflopDiagnostics = (points: ReadonlyArray<IsoflopPoint>, fit: IsoflopFit): IsoflopDiagnostics => {
  const residuals: PointResidual[] = []
  const budgets: BudgetDiagnostics[] = []
  let pointsUsed = 0
  const curves = curvesWithRuns(points, fit)
  for (const { curve, runs } of curves) {
    const used = fit.used_budgets.includes(curve.budget)
    const budgetResiduals = runs.map((index): PointResidual => {
      const point = points[index] as IsoflopPoint
      const fitted = evaluateParabola(curve.parabola_params, Math.log10(point.params))
      return {
        index,
        ...(point.id === undefined ? {} : { id: point.id }),
        budget: curve.budget,
        params: point.params,
        loss: point.loss,
        in_window: insideWindow(point.params, curve.window),
        fitted,
        residual: point.loss - fitted
      }
    })
    residuals.push(...budgetResiduals)
    const inWindow = budgetResiduals.filter((entry) => entry.in_window)
    if (used) pointsUsed += runs.length
    budgets.push({
      budget: curve.budget,
      n_points: runs.length,
      r2: rSquared(inWindow.map((entry) => entry.loss), inWindow.map((entry) => entry.fitted)),
      used
    })
  }
  residuals.sort((p, q) => p.index - q.index)
  return {
    residuals,
    budgets,
    points_used: pointsUsed,
    points_dropped: points.length - pointsUsed,
    unbracketed_budgets: fit.budgets.filter((curve) => !curve.bracketed).map((curve) => curve.budget),
    leave_one_budget_out: leaveOneBudgetOut(fit),
    seed_spread: seedSpread(points, curves.map(({ runs }) => runs))
  }
}
