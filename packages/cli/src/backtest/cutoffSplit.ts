import { sci } from "@scalelab/laws"

/** The sweep's budgets on either side of the cutoff. */
export interface CutoffSplit {
  readonly cutoff: number
  /** Budgets below the cutoff: the laws are fitted on their runs. */
  readonly fitBudgets: ReadonlyArray<number>
  /** Budgets at or above it: forecast, then trained at the forecast optimum. */
  readonly heldOutBudgets: ReadonlyArray<number>
}

// Budgets that went through text (a flag, a printed float) may differ in the last digits: a cutoff
// given as the budget itself holds that budget out.
const tolerance = 1e-9

/** Default cutoff: the largest budget, so the laws are fitted on all budgets but the top one. */
export const defaultCutoff = (budgets: ReadonlyArray<number>): number => Math.max(...budgets)

/**
 * Splits the budgets at `cutoff`, or says what is wrong with it: a fit needs 2 budgets below it
 * (a power law through IsoFLOP minima), and a backtest needs at least one held out.
 */
export const splitAtCutoff = (budgets: ReadonlyArray<number>, cutoff: number): CutoffSplit | { readonly problem: string } => {
  const sorted = [...new Set(budgets)].sort((a, b) => a - b)
  const listed = sorted.map((b) => sci(b)).join(", ")
  if (!(cutoff > 0) || !Number.isFinite(cutoff)) {
    return { problem: `--cutoff ${cutoff}: give a positive number of FLOPs; the sweep's budgets are ${listed}` }
  }
  const heldOut = sorted.filter((b) => b >= cutoff * (1 - tolerance))
  const fit = sorted.filter((b) => b < cutoff * (1 - tolerance))
  if (heldOut.length === 0) {
    return {
      problem: `--cutoff ${sci(cutoff)} is above every budget of the sweep (${listed}), so nothing is held out to check ` +
        `the forecast against: lower it to at most ${sci(Math.max(...sorted))}`
    }
  }
  if (fit.length < 2) {
    const needed = sorted[2]
    return {
      problem: `--cutoff ${sci(cutoff)} leaves ${fit.length} budget${fit.length === 1 ? "" : "s"} below it ` +
        `(the sweep's budgets are ${listed}); a power law needs 2: ` +
        (needed === undefined
          ? "the sweep has too few budgets for a backtest; add budgets to sweep.budgets"
          : `raise --cutoff to at least ${sci(needed)}`)
    }
  }
  return { cutoff, fitBudgets: fit, heldOutBudgets: heldOut }
}
