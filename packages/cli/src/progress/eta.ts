import { largestFirst, makespan } from "@scalelab/runner"
import { sixNDFlops } from "@scalelab/sweep"
import { fractionDone, isActive, type RunView, type SweepState } from "./sweepState.ts"

/** Seconds until a run has trained all its tokens, at the rate its last metric line reported. */
export const runSecondsLeft = (run: RunView): number | undefined =>
  run.tokens !== undefined && run.tokensDone !== undefined && run.tokensPerS !== undefined && run.tokensPerS > 0
    ? Math.max(0, run.tokens - run.tokensDone) / run.tokensPerS
    : undefined

export interface SweepEtaInputs {
  /** Predicted training seconds of runs, each on one worker (the plan's time estimate). */
  readonly estimates?: ReadonlyMap<string, number>
  /** Runs training at once. */
  readonly concurrency: number
}

const allKnown = (values: ReadonlyArray<number | undefined>): values is ReadonlyArray<number> =>
  values.every((value) => value !== undefined)

/** FLOPs a run has still to train by the 6·N·D rule; a run known only by its budget has all of C left. */
const flopsLeft = (run: RunView): number | undefined =>
  run.params !== undefined && run.tokens !== undefined
    ? sixNDFlops(run.params, Math.max(0, run.tokens - (run.tokensDone ?? 0)))
    : run.budget

/**
 * Seconds until every run still to train has trained; undefined while some run's time cannot be told.
 *
 * Each run's seconds left come from the best evidence at hand: a training run's own tokens/s; else
 * its estimate, less the share of its tokens already trained; else the observed throughput, its
 * FLOPs left over the FLOP/s a worker sustains now (6·N·tokens/s, averaged over the runs reporting
 * speed: a FLOP rate carries across model sizes far better than a token rate). Then the runs are
 * laid on the workers as runSweep starts them: the running ones hold a worker each, and the queued
 * ones go, largest first, to whichever worker comes free first.
 */
export const sweepSecondsLeft = (state: SweepState, inputs: SweepEtaInputs): number | undefined => {
  const runs = [...state.runs.values()]
  const active = runs.filter(isActive)
  const queued = largestFirst(runs.filter((run) => run.phase === "queued"), (run) => flopsLeft(run) ?? 0)
  const workerFlopsPerS = active.flatMap((run) =>
    run.phase === "running" && run.params !== undefined && run.tokensPerS !== undefined ? [sixNDFlops(run.params, run.tokensPerS)] : []
  )
  const flopsPerSPerWorker = workerFlopsPerS.length === 0
    ? undefined
    : workerFlopsPerS.reduce((sum, rate) => sum + rate, 0) / workerFlopsPerS.length

  const secondsLeft = (run: RunView): number | undefined => {
    const own = run.phase === "running" ? runSecondsLeft(run) : undefined
    if (own !== undefined) return own
    const estimate = inputs.estimates?.get(run.id)
    if (estimate !== undefined) return estimate * (1 - (fractionDone(run) ?? 0))
    const flops = flopsLeft(run)
    return flops === undefined || flopsPerSPerWorker === undefined ? undefined : flops / flopsPerSPerWorker
  }

  const activeSeconds = active.map(secondsLeft)
  const queuedSeconds = queued.map(secondsLeft)
  if (!allKnown(activeSeconds) || !allKnown(queuedSeconds)) return undefined
  return makespan(queuedSeconds, inputs.concurrency, activeSeconds)
}
