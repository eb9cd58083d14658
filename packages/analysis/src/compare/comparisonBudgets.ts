// The budgets a comparison is read at: every budget swept and forecast, each once, and the span of
// compute its curves are sampled over for the plots.
import { logSpaced } from "@scalelab/plots"

// Points along the compute span for the plotted curves.
const curveSamples = 32

/** Budgets that went through text may differ in their last digits; they are one budget. */
const sameBudget = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * Math.max(a, b)

/** The budgets ascending, each once: of budgets within rounding of each other, the first given. */
export const distinctBudgets = (budgets: ReadonlyArray<number>): Array<number> =>
  budgets.reduce<Array<number>>((kept, budget) => kept.some((other) => sameBudget(other, budget)) ? kept : [...kept, budget], []).sort((a, b) => a - b)

/** The budgets of a comparison: those swept, those forecast, both together, and the span the curves are sampled over. */
export interface ComparisonBudgets {
  readonly swept: ReadonlyArray<number>
  readonly forecast: ReadonlyArray<number>
  readonly all: ReadonlyArray<number>
  readonly span: ReadonlyArray<number>
}

/** The comparison's budgets from the distinct budgets swept and forecast. */
export const comparisonBudgets = (swept: ReadonlyArray<number>, forecast: ReadonlyArray<number>): ComparisonBudgets => ({
  swept,
  forecast,
  // A forecast budget within rounding of a swept one is that swept budget.
  all: distinctBudgets([...swept, ...forecast]),
  span: logSpaced([Math.min(...swept), Math.max(...forecast)], curveSamples)
})
