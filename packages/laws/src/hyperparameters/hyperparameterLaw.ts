// Hyperparameter laws (DeepSeek LLM §3.1): at each compute budget a grid of learning rate × batch
// size is trained; the best setting per budget is read off the grid (refined by a quadratic in
// log lr and log B where the minimum is interior), and lr*(C) = k·C^a and B*(C) = k·C^b are
// fitted through those optima by least squares in log space.
import { bootstrapResamples } from "../bootstrap/bootstrap.ts"
import { bootstrapSummary, type BootstrapSummary, intervalOver, refitResamples } from "../bootstrap/resampledFits.ts"
import type { Interval } from "../bootstrap/bootstrap.ts"
import { LawInputError } from "../lawInputError.ts"
import { reasonNumber } from "../numberFormat.ts"
import { solveLinearSystem } from "../optim/linearSystem.ts"
import { runStepwise, type Stepwise } from "../stepwise.ts"
import { fitPowerLaw } from "../fit/powerLaw.ts"

/** One finished run of a hyperparameter grid. */
export interface HyperparameterRun {
  readonly budget: number
  readonly lr: number
  readonly batch_tokens: number
  readonly loss: number
}

/** Which hyperparameter a law or optimum speaks of. */
export type Hyperparameter = "lr" | "batch_tokens"

/** A budget's optimum in one hyperparameter, or why it has none. */
export type AxisOptimum =
  | {
    readonly _tag: "Interior"
    readonly value: number
    /** True when a quadratic through the neighbouring grid points moved it off the grid minimum. */
    readonly refined: boolean
  }
  | {
    readonly _tag: "OnEdge"
    /** The grid value at the minimum (the smallest or largest tried). */
    readonly value: number
    readonly message: string
  }

/** What one budget's grid says: its best cell, and the optimum along each hyperparameter. */
export interface BudgetHyperparameters {
  readonly budget: number
  readonly runs: number
  /** The grid cell with the lowest loss (mean over its seeds). */
  readonly best: { readonly lr: number; readonly batch_tokens: number; readonly loss: number }
  readonly lr: AxisOptimum
  readonly batch_tokens: AxisOptimum
}

/** y*(C) = k·C^exponent fitted through the budgets whose optimum is interior. */
export interface HyperparameterPowerLaw {
  readonly k: number
  readonly exponent: number
  readonly r2: number
  /** The budgets the law was fitted through. */
  readonly budgets: ReadonlyArray<number>
}

export type HyperparameterLawOutcome =
  | { readonly _tag: "Fitted"; readonly law: HyperparameterPowerLaw }
  | { readonly _tag: "Unfitted"; readonly reason: string }

export interface HyperparameterFit {
  readonly budgets: ReadonlyArray<BudgetHyperparameters>
  readonly lr: HyperparameterLawOutcome
  readonly batch_tokens: HyperparameterLawOutcome
}

export interface HyperparameterLawInterval {
  readonly k: Interval
  readonly exponent: Interval
  /** Resamples in which this law could be fitted (its other law may have failed in the rest). */
  readonly succeeded: number
  /** The law's value at each of the asked computes, with its interval over the refits. */
  readonly band: ReadonlyArray<{ readonly compute: number; readonly low: number; readonly high: number }>
}

export interface HyperparameterBootstrap extends BootstrapSummary {
  readonly lr?: HyperparameterLawInterval
  readonly batch_tokens?: HyperparameterLawInterval
}

const AXIS_WORDS: Record<Hyperparameter, string> = { lr: "learning rate", batch_tokens: "batch size" }

interface Cell {
  readonly lr: number
  readonly batch_tokens: number
  readonly loss: number
}

/** The grid's cells: the mean loss of each (lr, batch) tried, its seeds together. */
const gridCells = (runs: ReadonlyArray<HyperparameterRun>): ReadonlyArray<Cell> => {
  const sums = new Map<string, { lr: number; batch_tokens: number; total: number; count: number }>()
  for (const run of runs) {
    const key = `${run.lr}|${run.batch_tokens}`
    const sum = sums.get(key) ?? { lr: run.lr, batch_tokens: run.batch_tokens, total: 0, count: 0 }
    sum.total += run.loss
    sum.count++
    sums.set(key, sum)
  }
  return [...sums.values()].map(({ lr, batch_tokens, total, count }) => ({ lr, batch_tokens, loss: total / count }))
}

const distinctSorted = (values: ReadonlyArray<number>): ReadonlyArray<number> => [...new Set(values)].sort((a, b) => a - b)

/**
 * The quadratic z = c0 + Σ g_i x_i + ½ Σ H_ij x_i x_j through `points` (x in log space, centred on
 * the grid minimum) by least squares, and its stationary point; undefined when the points do not
 * determine it or it is not convex (no minimum to move to).
 */
const quadraticMinimum = (points: ReadonlyArray<{ readonly x: ReadonlyArray<number>; readonly z: number }>, dimensions: 1 | 2): ReadonlyArray<number> | undefined => {
  const features = (x: ReadonlyArray<number>): ReadonlyArray<number> => {
    const [u = 0, v = 0] = x
    return dimensions === 1 ? [1, u, u * u] : [1, u, v, u * u, v * v, u * v]
  }
  const width = dimensions === 1 ? 3 : 6
  if (points.length < width) return undefined
  const normal = Array.from({ length: width }, () => new Array<number>(width).fill(0))
  const rhs = new Array<number>(width).fill(0)
  for (const { x, z } of points) {
    const f = features(x)
    for (let i = 0; i < width; i++) {
      rhs[i]! += f[i]! * z
      for (let j = 0; j < width; j++) normal[i]![j]! += f[i]! * f[j]!
    }
  }
  let c: ReadonlyArray<number>
  try {
    c = solveLinearSystem(normal, rhs)
  } catch (error) {
    if (error instanceof LawInputError) return undefined
    throw error
  }
  if (!c.every(Number.isFinite)) return undefined
  if (dimensions === 1) {
    const [, g = 0, h = 0] = c
    return h > 0 ? [-g / (2 * h)] : undefined
  }
  const [, gu = 0, gv = 0, huu = 0, hvv = 0, huv = 0] = c
  // Gradient (gu + 2·huu·u + huv·v, gv + huv·u + 2·hvv·v) = 0, with a positive-definite Hessian.
  const a = 2 * huu, b = huv, d = 2 * hvv
  const determinant = a * d - b * b
  if (!(a > 0 && determinant > 0)) return undefined
  return [(-gu * d + b * gv) / determinant, (-gv * a + b * gu) / determinant]
}

/**
 * One budget's optimum: the grid minimum, and along each hyperparameter whose minimum is interior
 * (neither the smallest nor the largest value tried) a quadratic in log space through the minimum's
 * grid neighbours moves it between grid points (jointly in log lr and log B when both are
 * interior). A minimum on the grid's edge is reported as such: the optimum may lie beyond it.
 */
export const budgetHyperparameters = (budget: number, runs: ReadonlyArray<HyperparameterRun>): BudgetHyperparameters => {
  const cells = gridCells(runs)
  if (cells.length === 0) throw new LawInputError(`budget ${reasonNumber(budget, 3)}: no finished runs`)
  const best = cells.reduce((a, b) => (b.loss < a.loss ? b : a))
  const axes = { lr: distinctSorted(cells.map((cell) => cell.lr)), batch_tokens: distinctSorted(cells.map((cell) => cell.batch_tokens)) }
  const interior = (axis: Hyperparameter): boolean => {
    const values = axes[axis]
    const index = values.indexOf(best[axis])
    return index > 0 && index < values.length - 1
  }
  const refinedAxes = (["lr", "batch_tokens"] as const).filter(interior)
  const neighbour = (axis: Hyperparameter, value: number): boolean => {
    const values = axes[axis]
    return Math.abs(values.indexOf(value) - values.indexOf(best[axis])) <= 1
  }
  // The neighbourhood: within one grid step of the minimum along refined axes, at the minimum along the others.
  const nearby = cells.filter((cell) =>
    (["lr", "batch_tokens"] as const).every((axis) => refinedAxes.includes(axis) ? neighbour(axis, cell[axis]) : cell[axis] === best[axis])
  )
  const stationary = refinedAxes.length === 0
    ? undefined
    : quadraticMinimum(
      nearby.map((cell) => ({ x: refinedAxes.map((axis) => Math.log(cell[axis] / best[axis])), z: cell.loss })),
      refinedAxes.length === 1 ? 1 : 2
    )
  const axisOptimum = (axis: Hyperparameter): AxisOptimum => {
    const values = axes[axis]
    if (values.length < 3) {
      return {
        _tag: "OnEdge",
        value: best[axis],
        message: `budget ${reasonNumber(budget, 3)}: only ${values.length} ${AXIS_WORDS[axis]} value${values.length === 1 ? "" : "s"} ` +
          "tried; bracketing an optimum needs at least 3"
      }
    }
    const place = refinedAxes.indexOf(axis)
    if (place < 0) {
      const side = best[axis] === values[0] ? "smallest" : "largest"
      return {
        _tag: "OnEdge",
        value: best[axis],
        message: `budget ${reasonNumber(budget, 3)}: the lowest loss is at the ${side} ${AXIS_WORDS[axis]} tried ` +
          `(${reasonNumber(best[axis], 3)}), so the optimum may lie beyond the grid; this budget is left out of the ` +
          `${AXIS_WORDS[axis]} law: extend the grid ${side === "smallest" ? "below" : "above"} ${reasonNumber(best[axis], 3)}`
      }
    }
    const step = stationary?.[place]
    // The quadratic is trusted within one grid step of the minimum (its neighbours span no further).
    const index = values.indexOf(best[axis])
    const low = Math.log(values[index - 1]! / best[axis])
    const high = Math.log(values[index + 1]! / best[axis])
    return step === undefined || !(step >= low && step <= high)
      ? { _tag: "Interior", value: best[axis], refined: false }
      : { _tag: "Interior", value: best[axis] * Math.exp(step), refined: true }
  }
  return { budget, runs: runs.length, best, lr: axisOptimum("lr"), batch_tokens: axisOptimum("batch_tokens") }
}

const lawThrough = (budgets: ReadonlyArray<BudgetHyperparameters>, axis: Hyperparameter): HyperparameterLawOutcome => {
  const usable = budgets.filter((budget) => budget[axis]._tag === "Interior")
  if (usable.length < 2) {
    return {
      _tag: "Unfitted",
      reason: `${usable.length} budget${usable.length === 1 ? " has" : "s have"} an interior ${AXIS_WORDS[axis]} optimum; ` +
        "a power law needs at least 2: widen the grid so that each budget's best value has a neighbour on both sides"
    }
  }
  const fit = fitPowerLaw(usable.map((budget) => budget.budget), usable.map((budget) => budget[axis].value))
  return { _tag: "Fitted", law: { k: fit.k, exponent: fit.exponent, r2: fit.r2, budgets: usable.map((budget) => budget.budget) } }
}

const byBudget = (runs: ReadonlyArray<HyperparameterRun>): ReadonlyArray<[number, ReadonlyArray<HyperparameterRun>]> =>
  distinctSorted(runs.map((run) => run.budget)).map((budget) => [budget, runs.filter((run) => run.budget === budget)])

/** Each budget's optimum, then lr*(C) and B*(C) through the budgets whose optimum is interior. */
export const fitHyperparameterLaws = (runs: ReadonlyArray<HyperparameterRun>): HyperparameterFit => {
  runs.forEach((run, index) => {
    for (const field of ["budget", "lr", "batch_tokens"] as const) {
      if (!(run[field] > 0 && Number.isFinite(run[field]))) {
        throw new LawInputError(`run ${index}: ${field} is ${run[field]}; it must be a positive number`)
      }
    }
    if (!Number.isFinite(run.loss)) throw new LawInputError(`run ${index}: loss is ${run.loss}; leave diverged runs out`)
  })
  const budgets = byBudget(runs).map(([budget, members]) => budgetHyperparameters(budget, members))
  return { budgets, lr: lawThrough(budgets, "lr"), batch_tokens: lawThrough(budgets, "batch_tokens") }
}

export interface BootstrapOptions {
  readonly resamples: number
  readonly seed: number
  /** Central coverage of the intervals (default 0.8). */
  readonly level?: number
  /** Computes at which to give each law's band (its value's interval over the refits). */
  readonly compute?: ReadonlyArray<number>
}

/**
 * 80% (or `level`) percentile intervals of each law's k and exponent: runs resampled with
 * replacement within each budget (so each keeps its number of runs), every budget's optimum and
 * the laws refitted. A resample in which neither law can be fitted fails; one law may succeed
 * where the other does not, so each interval says how many resamples it rests on.
 */
export function* bootstrapHyperparameterLawsSteps(
  runs: ReadonlyArray<HyperparameterRun>,
  options: BootstrapOptions
): Stepwise<HyperparameterBootstrap> {
  const level = options.level ?? 0.8
  const budgetLabels = runs.map((run) => run.budget)
  const resampled = yield* refitResamples(
    bootstrapResamples(runs.length, options.resamples, options.seed, budgetLabels),
    (sample) => {
      const fit = fitHyperparameterLaws(Array.from(sample, (index) => runs[index]!))
      if (fit.lr._tag === "Unfitted" && fit.batch_tokens._tag === "Unfitted") throw new LawInputError(fit.lr.reason)
      return fit
    },
    "Train more runs per budget (another seed) or a wider grid, so that resampled grids still bracket their optima."
  )
  const interval = (axis: Hyperparameter): HyperparameterLawInterval | undefined => {
    const laws = resampled.fits.flatMap((fit) => {
      const outcome = fit[axis]
      return outcome._tag === "Fitted" ? [outcome.law] : []
    })
    return laws.length < 2
      ? undefined
      : {
        k: intervalOver(laws, (law) => law.k, level),
        exponent: intervalOver(laws, (law) => law.exponent, level),
        succeeded: laws.length,
        band: (options.compute ?? []).map((compute) => {
          const [low, high] = intervalOver(laws, (law) => hyperparameterAt(law, compute), level)
          return { compute, low, high }
        })
      }
  }
  const lr = interval("lr")
  const batch = interval("batch_tokens")
  return {
    ...bootstrapSummary(level, resampled),
    ...(lr === undefined ? {} : { lr }),
    ...(batch === undefined ? {} : { batch_tokens: batch })
  }
}

export const bootstrapHyperparameterLaws = (
  runs: ReadonlyArray<HyperparameterRun>,
  options: BootstrapOptions
): HyperparameterBootstrap => runStepwise(bootstrapHyperparameterLawsSteps(runs, options))

/** A fitted law's value at compute C. */
export const hyperparameterAt = (law: { readonly k: number; readonly exponent: number }, compute: number): number =>
  law.k * compute ** law.exponent
