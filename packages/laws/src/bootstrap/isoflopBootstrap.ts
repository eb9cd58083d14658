import type { Interval } from "./bootstrap.ts"
import { requireLevel } from "./bootstrap.ts"
import type { IsoflopFit, IsoflopOptions, IsoflopPoint } from "../fit/isoflop.ts"
import { fitIsoflop } from "../fit/isoflop.ts"
import { curvesWithRuns, insideWindow } from "../fit/diagnostics.ts"
import { forecastIsoflop } from "../fit/isoflopForecast.ts"
import { evaluateParabola } from "../optim/leastSquares.ts"
import { LawInputError } from "../lawInputError.ts"
import { mulberry32 } from "../random.ts"
import type { OptimalSizeInterval } from "./envelopeBootstrap.ts"
import type { BootstrapSummary, PowerLawIntervals, ResampledFits } from "./resampledFits.ts"
import { bootstrapSummary, checkBootstrapOptions, intervalOver, powerLawIntervals, refitResamples } from "./resampledFits.ts"
import type { Stepwise } from "../stepwise.ts"

/** `minimum`: how each budget's minimum is read, in the fit of the data and of every resample alike. */
export interface IsoflopBootstrapOptions extends IsoflopOptions {
  readonly resamples: number
  readonly seed: number
  /** Central coverage of every interval; 0.8 when left out. */
  readonly level?: number
  /** Budgets (FLOPs) at which to give forecast intervals. */
  readonly compute: ReadonlyArray<number>
}

/** N* and D* intervals at a compute, and the compute-optimal loss's. */
export interface ForecastInterval extends OptimalSizeInterval {
  readonly loss: Interval
}

export interface IsoflopBootstrap extends BootstrapSummary, PowerLawIntervals {
  readonly forecasts: ReadonlyArray<ForecastInterval>
}

// The parabola in log10 N has three coefficients.
const curveParameters = 3

/** The runs a budget's curve was fitted to, the curve's loss at each, and their rescaled residuals. */
interface CurveRuns {
  readonly runs: ReadonlyArray<number>
  readonly fitted: ReadonlyArray<number>
  readonly residuals: ReadonlyArray<number>
}

/**
 * Each budget's runs inside its curve's window, with the curve's loss at each and the residuals
 * loss − curve. A least-squares curve is drawn towards its own points, so its residuals are
 * smaller than the noise by sqrt((n − 3)/n) on average: they are scaled back up by sqrt(n/(n − 3)).
 * (Unscaled, 5 runs a budget gave 80% intervals that held the true exponent 56% of the time;
 * scaled, 78%.) A curve through exactly 3 runs has no residual to give.
 */
const curveRuns = (points: ReadonlyArray<IsoflopPoint>, fit: IsoflopFit): CurveRuns[] =>
  curvesWithRuns(points, fit).map(({ curve, runs }) => {
    const inWindow = runs.filter((index) => insideWindow((points[index] as IsoflopPoint).params, curve.window))
    const fitted = inWindow.map((index) => evaluateParabola(curve.parabola_params, Math.log10((points[index] as IsoflopPoint).params)))
    const freedom = inWindow.length - curveParameters
    const scale = Math.sqrt(inWindow.length / freedom)
    return {
      runs: inWindow,
      fitted,
      residuals: freedom > 0 ? inWindow.map((index, i) => scale * ((points[index] as IsoflopPoint).loss - (fitted[i] as number))) : []
    }
  })

/**
 * `resamples` resampled sweeps of `points` around their fit `fit`, drawn from a mulberry32 stream
 * seeded by `seed`: every run keeps its size, tokens and budget; a run inside its budget's
 * `window` gets the curve's loss (`parabola_params`) plus a residual drawn with replacement from
 * the residuals of all budgets; a run outside the window keeps its loss. The residuals are pooled because a budget has few
 * runs (5 give 2 degrees of freedom): drawing from its own 5 residuals reproduces their quirks,
 * where the pool of all budgets measures the noise (pooled: 78% coverage of an 80% interval at 5
 * runs a budget, 73% at 4; per budget: 78% and 69%). Pooling assumes the noise in loss is about
 * the same at every budget, which it is for losses that differ by tens of percent across budgets.
 */
export function* isoflopResidualResamples(
  points: ReadonlyArray<IsoflopPoint>,
  fit: IsoflopFit,
  resamples: number,
  seed: number
): Iterable<IsoflopPoint[]> {
  const curves = curveRuns(points, fit)
  const pooled = curves.flatMap((curve) => curve.residuals)
  if (pooled.length === 0) {
    throw new LawInputError(
      "every budget's curve passes exactly through its runs (3 sizes each), so no residual measures the noise to resample: " +
        "train more sizes per budget, or seeds"
    )
  }
  const random = mulberry32(seed)
  for (let r = 0; r < resamples; r++) {
    const sample = [...points]
    for (const curve of curves) {
      curve.runs.forEach((index, i) => {
        const residual = pooled[Math.floor(random() * pooled.length)] as number
        sample[index] = { ...(points[index] as IsoflopPoint), loss: (curve.fitted[i] as number) + residual }
      })
    }
    yield sample
  }
}

/** The intervals at `level` over one set of refits, at every compute of `compute`. */
const isoflopIntervalsAt = (
  resampled: ResampledFits<IsoflopFit>,
  level: number,
  compute: ReadonlyArray<number>
): IsoflopBootstrap => {
  const { fits } = resampled
  return {
    ...bootstrapSummary(level, resampled),
    ...powerLawIntervals(fits, level),
    forecasts: compute.map((at) => {
      const forecasts = fits.map((fit) => forecastIsoflop(fit, at))
      return {
        compute: at,
        params: intervalOver(forecasts, (f) => f.params, level),
        tokens: intervalOver(forecasts, (f) => f.tokens, level),
        loss: intervalOver(forecasts, (f) => f.loss, level)
      }
    })
  }
}

/**
 * Percentile bootstrap intervals for the IsoFLOP power laws and their forecasts at each of
 * `levels`, all read off one set of refits, by resampling residuals (`isoflopResidualResamples`):
 * every resample keeps every run's size, so no refit fails for lack of sizes, and each run's own
 * residual carries its seed's noise, so replicate seeds widen the intervals as much as they
 * scatter. A resample whose refit still fails (its noise leaves fewer than 2 budgets with a
 * bracketed minimum) is counted; the summary says whether the share of failures leaves the
 * intervals trustworthy. Throws LawInputError when the data themselves cannot be fitted, when no
 * curve has residuals, or when fewer than 2 resamples can be refitted.
 */
export function* bootstrapIsoflopLevels(
  points: ReadonlyArray<IsoflopPoint>,
  options: Omit<IsoflopBootstrapOptions, "level"> & { readonly levels: ReadonlyArray<number> }
): Stepwise<IsoflopBootstrap[]> {
  checkBootstrapOptions(options)
  for (const level of options.levels) requireLevel(level)
  // The full data must fit: a failure there is the user's to fix, not a resampling accident.
  const resampled = yield* refitResamples(
    isoflopResidualResamples(points, fitIsoflop(points, options), options.resamples, options.seed),
    (sample) => fitIsoflop(sample, options),
    "Add sizes on both sides of each budget's minimum, or seeds to average out the noise"
  )
  return options.levels.map((level) => isoflopIntervalsAt(resampled, level, options.compute))
}

/** bootstrapIsoflopLevels at one level (0.8 when left out). */
export function* bootstrapIsoflop(points: ReadonlyArray<IsoflopPoint>, options: IsoflopBootstrapOptions): Stepwise<IsoflopBootstrap> {
  const level = checkBootstrapOptions(options)
  const [intervals] = yield* bootstrapIsoflopLevels(points, { ...options, levels: [level] })
  return intervals as IsoflopBootstrap
}
