// Forecast intervals over bootstrap replicates of a law, each solved for the same target as the
// point forecast: `scalelab forecast` and `scalelab backtest` read them the same way.
import { computeForOptimal, type Interval, percentileInterval } from "@scalelab/laws"
import type { Allocation, Forecaster } from "./resultsFit.ts"

/** What the user fixed: a compute budget, or the model size or token count to be compute-optimal. */
export type Target = { readonly quantity: "compute" | "params" | "tokens"; readonly value: number }

export interface AllocationInterval {
  readonly compute: Interval
  readonly params: Interval
  readonly tokens: Interval
  readonly loss: Interval | null
}

export const allocationAt = (forecaster: Forecaster, target: Target): Allocation =>
  forecaster(target.quantity === "compute" ? target.value : computeForOptimal(forecaster, target.quantity, target.value))

const isFinite = (allocation: Allocation): boolean =>
  [allocation.compute, allocation.params, allocation.tokens, allocation.loss ?? 0].every(Number.isFinite)

/**
 * Percentile intervals over the replicates' allocations at the target. A replicate whose law has
 * no finite optimum there (an exponent refitted to about 0 sends N* to infinity) is left out, as a
 * resample that cannot be refitted is; undefined when none is left.
 */
export const replicateInterval = (replicates: ReadonlyArray<Forecaster>, target: Target): AllocationInterval | undefined => {
  const allocations = replicates.map((replicate) => allocationAt(replicate, target)).filter(isFinite)
  if (allocations.length === 0) return undefined
  const over = (field: "compute" | "params" | "tokens") => percentileInterval(allocations.map((a) => a[field]))
  const losses = allocations.flatMap((a) => (a.loss === null ? [] : [a.loss]))
  return { compute: over("compute"), params: over("params"), tokens: over("tokens"), loss: losses.length > 0 ? percentileInterval(losses) : null }
}
