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

/**
 * The resample counts and verdict every bootstrap result carries, in the names its JSON uses, so a
 * reader of any method's result (IsoFLOP, envelope, parametric, downstream, custom law) finds them
 * in one place and can refuse to print an interval as fine when it is not.
 */
export interface ResampleCounts {
  readonly resamples_requested: number
  readonly resamples_used: number
  /** Resamples whose refit failed: left out of the intervals and counted here. */
  readonly failed_resamples: number
  /** At most `maxFailedResampleShare` of the resamples failed. */
  readonly trustworthy: boolean
  /** What to print instead of presenting the interval as fine; null when trustworthy. */
  readonly warning: string | null
}

export const resampleCounts = (used: number, failed: number): ResampleCounts => {
  const health = bootstrapHealth(used, failed)
  return {
    resamples_requested: health.requested,
    resamples_used: health.used,
    failed_resamples: health.failed,
    trustworthy: health.trustworthy,
    warning: health.warning ?? null
  }
}
