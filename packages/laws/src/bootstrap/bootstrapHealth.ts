/**
 * The largest share of bootstrap resamples that may fail to refit before an interval stops being
 * trustworthy. The resamples that survive are not a random draw of all resamples (a resample that
 * drew too few sizes fails, and those tend to be the ones far from the data), so an interval over
 * survivors alone is conditioned on success: past a few percent, it says less than it seems to.
 */
export const maxFailedResampleShare = 0.05

/** How a bootstrap's resampling went, as every surface that prints an interval reports it. */
export interface BootstrapHealth {
  readonly requested: number
  readonly used: number
  readonly failed: number
  /** At most `maxFailedResampleShare` of the resamples failed: the interval can be printed as it is. */
  readonly trustworthy: boolean
  /** What to print beside (or instead of) an untrustworthy interval; undefined when trustworthy. */
  readonly warning: string | undefined
}

/** Judges a bootstrap by how many of its resamples refitted. */
export const bootstrapHealth = (used: number, failed: number): BootstrapHealth => {
  const requested = used + failed
  const trustworthy = requested > 0 && failed <= maxFailedResampleShare * requested
  return {
    requested,
    used,
    failed,
    trustworthy,
    warning: trustworthy
      ? undefined
      : `only ${used} of ${requested} bootstrap resamples could be refitted (more than ${Math.round(maxFailedResampleShare * 100)}% failed): ` +
        `the interval is taken over the resamples that happened to succeed and is not reliable`
  }
}
