// The order in which a sweep starts its runs, and when runs laid on workers in that order are all
// done. runSweep starts runs in this order; the sweep's time estimate and the live ETA lay runs on
// workers with `makespan`, so the three agree by construction.

/**
 * Each distinct run once, at the position of its first occurrence. Ids are content addresses, so
 * equal ids are the same run; running it twice at once would have two workers writing one folder.
 */
export const distinctRuns = <R extends { readonly id: string }>(runs: ReadonlyArray<R>): Array<R> => [
  ...new Map(runs.map((run) => [run.id, run])).values()
]

/**
 * Largest FLOPs first; runs of equal FLOPs keep their given order (the sort is stable). A run's
 * time grows with its FLOPs, and starting the long ones early leaves the short ones to fill the
 * workers at the end instead of one long run alone.
 */
export const largestFirst = <R>(runs: ReadonlyArray<R>, flopsOf: (run: R) => number): Array<R> =>
  [...runs].sort((a, b) => flopsOf(b) - flopsOf(a))

/** The order in which runSweep starts a plan's runs: each distinct run once, largest FLOPs first. */
export const startOrder = <R extends { readonly id: string; readonly flops: number }>(
  runs: ReadonlyArray<R>
): Array<R> => largestFirst(distinctRuns(runs), (run) => run.flops)

/**
 * Seconds until the last of `durations` ends when they start in the given order, each on the worker
 * that comes free first (list scheduling, as runSweep's bounded concurrency starts runs).
 * `busyUntil` holds the seconds until workers already running come free; the rest of the `workers`
 * (at least one in all) start idle.
 */
export const makespan = (
  durations: ReadonlyArray<number>,
  workers: number,
  busyUntil: ReadonlyArray<number> = []
): number => {
  // Idle workers beyond one per duration would never be used.
  const idle = Math.min(durations.length, Math.max(0, Math.max(1, workers) - busyUntil.length))
  const freeAt = [...busyUntil, ...Array.from({ length: idle }, () => 0)]
  for (const seconds of durations) {
    const first = freeAt.indexOf(Math.min(...freeAt))
    freeAt[first] = (freeAt[first] as number) + seconds
  }
  return Math.max(0, ...freeAt)
}
