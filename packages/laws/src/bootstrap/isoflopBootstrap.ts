import type { Interval } from "./bootstrap.ts"
import { requireLevel } from "./bootstrap.ts"
import type { IsoflopBudgetFit, IsoflopFit, IsoflopOptions, IsoflopPoint } from "../fit/isoflop.ts"
import { fitIsoflop } from "../fit/isoflop.ts"
import { curvesWithRuns, insideWindow } from "../fit/diagnostics.ts"
import { forecastIsoflop } from "../fit/isoflopForecast.ts"
import type { SizeMeans } from "../fit/isoflopMinimum.ts"
import { cubicMisses, sizeMeans } from "../fit/isoflopMinimum.ts"
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

/** The runs a resample perturbs in one budget, the centre each is drawn around, and the budget's noise residuals. */
interface CurveRuns {
  readonly runs: ReadonlyArray<number>
  readonly fitted: ReadonlyArray<number>
  readonly residuals: ReadonlyArray<number>
}

/** A budget's runs as the estimator reads them: log10 N and ln loss, and the mean of each size. */
const budgetSizes = (points: ReadonlyArray<IsoflopPoint>, runs: ReadonlyArray<number>) => {
  const logParams = runs.map((index) => Math.log10((points[index] as IsoflopPoint).params))
  const logLosses = runs.map((index) => Math.log((points[index] as IsoflopPoint).loss))
  return { logParams, logLosses, sizes: sizeMeans(logParams, logLosses) }
}

/**
 * The noise a budget shows apart from any curve through its runs: each interior size's miss off the
 * cubic through its two neighbours on each side (a smooth loss curve is so close to a cubic over
 * five sizes that what is left is noise, as the `adaptive` estimator measures it), divided by the
 * miss's standard deviation under pure noise so that each is one draw of the per-run noise. The
 * misses are in ln loss; × the size's loss puts them in loss. None with fewer than 5 sizes.
 */
const cubicNoise = (sizes: SizeMeans): number[] =>
  cubicMisses(sizes).map(({ size, miss, variance }) => (miss / Math.sqrt(variance)) * Math.exp(sizes.y[size] ?? Number.NaN))

/**
 * A budget whose minimum was the vertex of its window's parabola: the runs inside the window, the
 * parabola's loss at each, and the residuals loss − parabola. A least-squares curve is drawn
 * towards its own points, so its residuals are smaller than the noise by sqrt((n − 3)/n) on
 * average: they are scaled back up by sqrt(n/(n − 3)). (Unscaled, 5 runs a budget gave 80%
 * intervals that held the true exponent 56% of the time; scaled, 78%.) A parabola through exactly
 * 3 runs (the `window` estimator's, one seed a size) passes through them and has no residual:
 * the budget's cubic misses measure its noise instead.
 */
const parabolaRuns = (points: ReadonlyArray<IsoflopPoint>, curve: IsoflopBudgetFit, runs: ReadonlyArray<number>): CurveRuns => {
  const inWindow = runs.filter((index) => insideWindow((points[index] as IsoflopPoint).params, curve.window))
  const fitted = inWindow.map((index) => evaluateParabola(curve.parabola_params, Math.log10((points[index] as IsoflopPoint).params)))
  const freedom = inWindow.length - curveParameters
  const scale = Math.sqrt(inWindow.length / freedom)
  return {
    runs: inWindow,
    fitted,
    residuals: freedom > 0
      ? inWindow.map((index, i) => scale * ((points[index] as IsoflopPoint).loss - (fitted[i] as number)))
      : cubicNoise(budgetSizes(points, runs).sizes)
  }
}

/**
 * A budget whose minimum was read from the Akima spline through the mean ln loss of each size: every
 * run (the spline passes through every size, and a resample's minimum may move to any piece of it),
 * centred on the spline at its size, exp(mean ln loss). A spline through the data has no residual,
 * and the window's parabola is no measure of the noise either: where the spline was chosen because
 * the parabola misses the curve, its residuals hold that miss as well as the noise. The noise is
 * the budget's cubic misses and, with replicate seeds, each run's scatter about its size's mean
 * (in ln loss, scaled by sqrt(m/(m − 1)) for m seeds, as a mean of m runs is drawn towards them;
 * × the size's loss). A budget of fewer than 5 sizes and one seed measures no noise and draws from
 * the other budgets'.
 */
const splineRuns = (points: ReadonlyArray<IsoflopPoint>, runs: ReadonlyArray<number>): CurveRuns => {
  const { logParams, logLosses, sizes } = budgetSizes(points, runs)
  const sizeOf = logParams.map((x) => sizes.x.indexOf(x))
  const centre = (size: number): number => Math.exp(sizes.y[size] ?? Number.NaN)
  const seedScatter = runs.flatMap((_, i) => {
    const size = sizeOf[i] as number
    const seeds = sizes.counts[size] ?? 1
    return seeds < 2 ? [] : [Math.sqrt(seeds / (seeds - 1)) * ((logLosses[i] as number) - (sizes.y[size] ?? Number.NaN)) * centre(size)]
  })
  return { runs, fitted: sizeOf.map(centre), residuals: [...seedScatter, ...cubicNoise(sizes)] }
}

/**
 * `resamples` resampled sweeps of `points` around their fit `fit`, drawn from a mulberry32 stream
 * seeded by `seed`. Every run keeps its size, tokens and budget; its loss is redrawn around the
 * curve its budget's minimum was read from, so that in the resampled world the truth is the fit's
 * own curve and refitting it without noise gives back the fit's own minimum: the resamples then
 * scatter around the point estimate, as a bootstrap's must. Where the minimum was a parabola's
 * vertex (`parabolaRuns`), a run inside the budget's `window` gets the parabola's loss plus a
 * residual, and a run outside it keeps its loss (the parabola does not describe it); where it was
 * read from the Akima spline (`splineRuns`), every run gets the spline's loss at its size plus a
 * residual. Resampling the `adaptive` estimator's spline budgets around the window's parabola
 * instead made its resamples parabolic, so they were mostly read by the parabola again: on a real
 * 20-run sweep the 80% interval of the exponent, [0.066, 0.437], missed its own point estimate, 0.596.
 *
 * Residuals are drawn with replacement from the pool of all budgets' residuals. They are pooled
 * because a budget has few runs (5 give 2 degrees of freedom): drawing from its own 5 residuals
 * reproduces their quirks, where the pool of all budgets measures the noise (pooled: 78% coverage
 * of an 80% interval at 5 runs a budget, 73% at 4; per budget: 78% and 69%). Pooling assumes the
 * noise in loss is about the same at every budget, which it is for losses that differ by tens of
 * percent across budgets. A parabola-read budget's residuals also hold any asymmetry the parabola
 * misses (the adaptive estimator keeps the parabola up to a misfit 10 times the noise variance), so
 * on wide, clean, asymmetric sweeps the pool overstates the noise (2-5 times, measured at 0.05%
 * noise over 3 decades): the intervals are wide, and the resamples' extra noise sends some spline
 * budgets back to the parabola. Measuring every budget's noise off the cubic instead narrowed them
 * so far that the adaptive estimator's own bias on such sweeps left the truth outside 18 of 30.
 */
export function* isoflopResidualResamples(
  points: ReadonlyArray<IsoflopPoint>,
  fit: IsoflopFit,
  resamples: number,
  seed: number
): Iterable<IsoflopPoint[]> {
  const curves = curvesWithRuns(points, fit).map(({ curve, runs }) =>
    curve.curve === undefined ? parabolaRuns(points, curve, runs) : splineRuns(points, runs))
  const pooled = curves.flatMap((curve) => curve.residuals)
  if (pooled.length === 0) {
    throw new LawInputError(
      "no residual measures the noise to resample: every budget's curve passes exactly through its runs (a parabola through 3 sizes, " +
        "or a spline), and no budget has the 5 sizes or the replicate seeds that measure the noise apart from a curve: train more sizes per budget, or seeds"
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
