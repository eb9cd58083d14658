import { LawInputError } from "../lawInputError.ts"
import type { LbfgsOptions, Objective } from "../optim/lbfgs.ts"
import { minimizeLbfgs } from "../optim/lbfgs.ts"

/** The best of several L-BFGS runs, polished. */
export interface MultiStartMinimum {
  readonly x: Float64Array
  readonly value: number
  readonly starts: number
  /** Starts whose optimiser met its convergence test (the rest stopped at a limit or a failed line search). */
  readonly converged: number
}

// The grid runs stop where scipy's L-BFGS-B stops; the winner is then polished to the precision of
// doubles, so the reported optimum does not depend on how loosely the grid was solved.
const polish: LbfgsOptions = { gradientTolerance: 1e-12, valueTolerance: 0 }

/**
 * Minimises `objective` with L-BFGS from every start, keeps the lowest value and polishes it: the
 * robust fit of a nonconvex law (Hoffmann et al. 2022, §D.2), shared by every law form.
 */
export const minimizeFromStarts = (objective: Objective, starts: ReadonlyArray<ArrayLike<number>>): MultiStartMinimum => {
  if (starts.length === 0) throw new LawInputError("a parametric fit needs at least one starting point, got an empty `starts` list")
  let best: Float64Array | undefined
  let bestValue = Number.POSITIVE_INFINITY
  let converged = 0
  for (const start of starts) {
    const run = minimizeLbfgs(objective, start)
    if (run.converged) converged++
    if (run.value < bestValue) {
      bestValue = run.value
      best = run.x
    }
  }
  if (best === undefined) {
    throw new LawInputError(
      `the parametric fit found no finite objective from any of ${starts.length} starting points: check the losses are in nats per token and the counts are raw (not in millions)`
    )
  }
  const polished = minimizeLbfgs(objective, best, polish)
  return polished.value <= bestValue
    ? { x: polished.x, value: polished.value, starts: starts.length, converged }
    : { x: best, value: bestValue, starts: starts.length, converged }
}
