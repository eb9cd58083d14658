import type { Parabola } from "../optim/leastSquares.ts"
import { evaluateParabola, fitParabola, mean, parabolaVertexSe } from "../optim/leastSquares.ts"

/**
 * How each budget's minimum is read off its runs:
 * - `adaptive` (default): `akima` where one parabola visibly misses the curve by more than the
 *   noise (the curve's asymmetry stands out of the noise), `parabola` otherwise.
 * - `parabola`: one parabola in log10 N (and one in log10 D) through every run, minimum at its
 *   vertex. Robust to noise, but biased when the sweep spans sizes far from the optimum, where the
 *   real curve is asymmetric.
 * - `window`: the parabola through the runs at the lowest-loss size and its nearest size on each
 *   side (shifted inward at an end of the sweep), so only the curve near its minimum counts.
 * - `akima`: an Akima spline through the mean ln(loss) of each size over ln N (and ln D), minimum
 *   of the spline: how Porian et al. 2024 read theirs. Local (each piece depends on six sizes),
 *   follows asymmetric curves, and interpolates noise rather than averaging it.
 */
export type IsoflopMinimumEstimator = "adaptive" | "akima" | "window" | "parabola"

export const isoflopMinimumEstimators: ReadonlyArray<IsoflopMinimumEstimator> = ["adaptive", "akima", "window", "parabola"]

/**
 * `adaptive`, the best trade-off measured (pnpm bench:isoflop): on synthetic Chinchilla sweeps it
 * recovers the exponent to 1e-3 noise-free where the parabola misses by up to 0.015, and with
 * 0.2-2% noise it stays within about 0.01 (mean) of the parabola; on Porian et al. 2024's sweeps it
 * lands within 0.01 of 10 published exponents of 15 (akima 15, parabola 3). No estimator tried
 * (smoothing by cross-validated local parabolas included) did both.
 */
export const defaultIsoflopMinimum: IsoflopMinimumEstimator = "adaptive"

/** One budget's runs, reduced to what an estimator reads. */
export interface CurveRuns {
  readonly logParams: ReadonlyArray<number>
  readonly logTokens: ReadonlyArray<number>
  readonly losses: ReadonlyArray<number>
}

export interface CurveMinimum {
  /** log10 of N* and D*, and the loss there; null when the curve has no minimum (not convex). */
  readonly logParamsOpt: number | null
  readonly logTokensOpt: number | null
  readonly lossOpt: number | null
  /** The minimum lies strictly inside the swept sizes and token counts. */
  readonly bracketed: boolean
  readonly convex: boolean
  /** The range of log10 N whose runs the minimum was read from. */
  readonly window: readonly [number, number]
  /** The parabolas fitted to the runs inside `window`, in x = log10 N and x = log10 D. */
  readonly parabolaParams: Parabola
  readonly parabolaTokens: Parabola
  readonly logParamsOptSe: number | null
  /**
   * The spline the minimum was read from, sampled as (log10 N, loss), when it was not the
   * parabola's vertex: what a plot draws so that the marked minimum sits on its curve.
   */
  readonly spline: ReadonlyArray<{ readonly logParams: number; readonly loss: number }> | null
}

const vertex = (p: Parabola): number => -p.c1 / (2 * p.c2)

const strictlyInside = (x: number, values: ReadonlyArray<number>): boolean =>
  x > Math.min(...values) && x < Math.max(...values)

/** The distinct values of `x`, ascending, with the mean of `y` over the runs at each. */
export const meanBySize = (x: ReadonlyArray<number>, y: ReadonlyArray<number>): { x: number[]; y: number[] } => {
  const bySize = new Map<number, number[]>()
  x.forEach((xi, i) => bySize.set(xi, [...(bySize.get(xi) ?? []), y[i] ?? Number.NaN]))
  const sizes = [...bySize.keys()].sort((a, b) => a - b)
  return { x: sizes, y: sizes.map((size) => mean(bySize.get(size) ?? [])) }
}

// The residual scatter alone understates how well a minimum is known: the curve between swept
// sizes is only interpolated, and a window of a few runs leaves the variance estimate with few
// degrees of freedom, so 1/se² weights would swing by orders of magnitude between neighbouring
// budgets. Porian et al. 2024 floor theirs at a third of the spacing between swept sizes; so do we.
// Measured on their sweeps, the unfloored delta-method se's (0.001 to 0.18 decades) made the
// weighted N*(C) fit land within 0.01 of the published exponent on 11 of 15 configurations; floored, 15.
const seFloorFraction = 0.33

/** The mean spacing between adjacent distinct sizes, in log10 N. */
const meanSpacing = (logParams: ReadonlyArray<number>): number => {
  const sizes = [...new Set(logParams)]
  return (Math.max(...sizes) - Math.min(...sizes)) / (sizes.length - 1)
}

const floorSe = (se: number | null, logParams: ReadonlyArray<number>): number | null =>
  se === null ? null : Math.max(se, seFloorFraction * meanSpacing(logParams))

/** Parabolas through the runs with log10 N in [low, high], and the se of the N* vertex. */
const windowParabolas = (runs: CurveRuns, low: number, high: number) => {
  const inside = runs.logParams.map((x, i) => (x >= low && x <= high ? i : -1)).filter((i) => i >= 0)
  const pick = (values: ReadonlyArray<number>): number[] => inside.map((i) => values[i] ?? Number.NaN)
  const logParams = pick(runs.logParams)
  const losses = pick(runs.losses)
  const parabolaParams = fitParabola(logParams, losses)
  const parabolaTokens = fitParabola(pick(runs.logTokens), losses)
  return {
    parabolaParams,
    parabolaTokens,
    convex: parabolaParams.c2 > 0 && parabolaTokens.c2 > 0,
    logParamsOptSe: floorSe(parabolaVertexSe(logParams, losses, parabolaParams), runs.logParams)
  }
}

const parabolaMinimum = (runs: CurveRuns, low: number, high: number): CurveMinimum => {
  const fitted = windowParabolas(runs, low, high)
  const paramsVertex = vertex(fitted.parabolaParams)
  const tokensVertex = vertex(fitted.parabolaTokens)
  return {
    logParamsOpt: fitted.convex ? paramsVertex : null,
    logTokensOpt: fitted.convex ? tokensVertex : null,
    lossOpt: fitted.convex ? evaluateParabola(fitted.parabolaParams, paramsVertex) : null,
    bracketed: fitted.convex && strictlyInside(paramsVertex, runs.logParams) && strictlyInside(tokensVertex, runs.logTokens),
    convex: fitted.convex,
    window: [low, high],
    parabolaParams: fitted.parabolaParams,
    parabolaTokens: fitted.parabolaTokens,
    logParamsOptSe: fitted.convex ? fitted.logParamsOptSe : null,
    spline: null
  }
}

/** Indices [first, last] of `count` consecutive entries of `length` centred on `centre`, shifted inward at the ends. */
const centredRange = (centre: number, halfWidth: number, length: number): [number, number] => {
  const first = Math.min(Math.max(centre - halfWidth, 0), Math.max(length - 1 - 2 * halfWidth, 0))
  return [first, Math.min(first + 2 * halfWidth, length - 1)]
}

const argmin = (values: ReadonlyArray<number>): number =>
  values.reduce((best, value, i) => (value < (values[best] ?? Number.POSITIVE_INFINITY) ? i : best), 0)

const sizeRange = (sizes: ReadonlyArray<number>, [first, last]: [number, number]): [number, number] =>
  [sizes[first] ?? Number.NaN, sizes[last] ?? Number.NaN]

// One size on each side: measured on Porian et al.'s sweeps, wider windows (2 to 4 sizes a side)
// let the asymmetric flanks pull the vertex and agreed with the published exponents less often
// (9, 10 and 8 of 15 configurations within 0.01, against 13).
const windowHalfWidth = 1

const windowMinimum = (runs: CurveRuns): CurveMinimum => {
  const sizes = meanBySize(runs.logParams, runs.losses)
  const range = centredRange(argmin(sizes.y), windowHalfWidth, sizes.x.length)
  const [low, high] = sizeRange(sizes.x, range)
  return parabolaMinimum(runs, low, high)
}

/** A cubic Hermite piece on [x0, x0 + h]: y0 + t0·s + c·s² + d·s³ with s = x − x0. */
interface HermitePiece {
  readonly x0: number
  readonly h: number
  readonly y0: number
  readonly t0: number
  readonly c: number
  readonly d: number
}

/**
 * Akima's spline through (x, y) (x ascending, at least 3 points), with the end slopes extrapolated
 * as Akima (1970) does: each knot's slope is a weighted mean of the neighbouring secant slopes,
 * weighted away from the side that bends more, so one odd point moves only its neighbours.
 */
const akimaPieces = (x: ReadonlyArray<number>, y: ReadonlyArray<number>): HermitePiece[] => {
  const n = x.length
  const at = (values: ReadonlyArray<number>, i: number): number => values[i] ?? Number.NaN
  const secants = Array.from({ length: n - 1 }, (_, i) => (at(y, i + 1) - at(y, i)) / (at(x, i + 1) - at(x, i)))
  const m0 = at(secants, 0)
  const m1 = at(secants, 1)
  const mLast = at(secants, n - 2)
  const mBefore = at(secants, n - 3)
  // extended[k + 2] is secant k; two extrapolated secants at each end.
  const extended = [3 * m0 - 2 * m1, 2 * m0 - m1, ...secants, 2 * mLast - mBefore, 3 * mLast - 2 * mBefore]
  const jumps = extended.slice(1).map((m, k) => Math.abs(m - at(extended, k)))
  const weightScale = Math.max(...jumps)
  const slopes = x.map((_, i) => {
    const after = at(jumps, i + 2)
    const before = at(jumps, i)
    // Equal weights where both neighbours are straight (Akima's tie rule).
    if (!(after + before > 1e-9 * weightScale)) return 0.5 * (at(extended, i + 1) + at(extended, i + 2))
    return (after * at(extended, i + 1) + before * at(extended, i + 2)) / (after + before)
  })
  return secants.map((m, i) => {
    const h = at(x, i + 1) - at(x, i)
    const t0 = at(slopes, i)
    const t1 = at(slopes, i + 1)
    return { x0: at(x, i), h, y0: at(y, i), t0, c: (3 * m - 2 * t0 - t1) / h, d: (t0 + t1 - 2 * m) / (h * h) }
  })
}

const evaluatePiece = (p: HermitePiece, s: number): number => p.y0 + s * (p.t0 + s * (p.c + s * p.d))

// Samples per piece of a drawn spline: smooth at a plot's resolution between neighbouring sizes.
const samplesPerPiece = 16

/** A spline of ln loss, sampled as (log10 N, loss) from its first knot to its last. */
const sampledSpline = (pieces: ReadonlyArray<HermitePiece>) => {
  const samples = pieces.flatMap((p) =>
    Array.from({ length: samplesPerPiece }, (_, k) => {
      const s = (k / samplesPerPiece) * p.h
      return { logParams: p.x0 + s, loss: Math.exp(evaluatePiece(p, s)) }
    }))
  const last = pieces.at(-1)
  return last === undefined ? samples : [...samples, { logParams: last.x0 + last.h, loss: Math.exp(evaluatePiece(last, last.h)) }]
}

/** The spline's lowest point: its knots and every interior zero of each piece's derivative. */
const splineMinimum = (pieces: ReadonlyArray<HermitePiece>): { x: number; y: number; piece: number } => {
  let best = { x: Number.NaN, y: Number.POSITIVE_INFINITY, piece: 0 }
  pieces.forEach((p, piece) => {
    // p'(s) = t0 + 2c·s + 3d·s²
    const roots = Math.abs(p.d) < 1e-300
      ? (p.c === 0 ? [] : [-p.t0 / (2 * p.c)])
      : (() => {
          const disc = 4 * p.c * p.c - 12 * p.d * p.t0
          if (disc < 0) return []
          const root = Math.sqrt(disc)
          return [(-2 * p.c - root) / (6 * p.d), (-2 * p.c + root) / (6 * p.d)]
        })()
    for (const s of [0, p.h, ...roots.filter((s) => s > 0 && s < p.h)]) {
      const value = evaluatePiece(p, s)
      if (value < best.y) best = { x: p.x0 + s, y: value, piece }
    }
  })
  return best
}

const akimaMinimum = (runs: CurveRuns): CurveMinimum => {
  const logLosses = runs.losses.map(Math.log)
  const sizes = meanBySize(runs.logParams, logLosses)
  const tokens = meanBySize(runs.logTokens, logLosses)
  const paramsSpline = akimaPieces(sizes.x, sizes.y)
  const inParams = splineMinimum(paramsSpline)
  const inTokens = splineMinimum(akimaPieces(tokens.x, tokens.y))
  // The spline on the piece holding the minimum depends on the sizes two below to three above it:
  // those runs are the window, and its parabola is the curve's local shape (convexity, noise, se).
  const range: [number, number] = [Math.max(inParams.piece - 2, 0), Math.min(inParams.piece + 3, sizes.x.length - 1)]
  const [low, high] = sizeRange(sizes.x, range)
  const fitted = windowParabolas(runs, low, high)
  const interior = (minimum: { x: number }, values: ReadonlyArray<number>): boolean => strictlyInside(minimum.x, values)
  return {
    logParamsOpt: fitted.convex ? inParams.x : null,
    logTokensOpt: fitted.convex ? inTokens.x : null,
    lossOpt: fitted.convex ? Math.exp(inParams.y) : null,
    bracketed: fitted.convex && interior(inParams, sizes.x) && interior(inTokens, tokens.x),
    convex: fitted.convex,
    window: [low, high],
    parabolaParams: fitted.parabolaParams,
    parabolaTokens: fitted.parabolaTokens,
    logParamsOptSe: fitted.convex ? fitted.logParamsOptSe : null,
    spline: sampledSpline(paramsSpline)
  }
}

/** The mean of `y` at each distinct x and how many runs it averages: a weighted fit to these equals one to the runs. */
export const sizeMeans = (x: ReadonlyArray<number>, y: ReadonlyArray<number>): SizeMeans => {
  const means = meanBySize(x, y)
  const counts = means.x.map((size) => x.filter((xi) => xi === size).length)
  return { ...means, counts }
}

export interface SizeMeans {
  readonly x: ReadonlyArray<number>
  readonly y: ReadonlyArray<number>
  readonly counts: ReadonlyArray<number>
}

/** How far one size's mean lies off the cubic through its neighbours, and that miss's variance per unit of per-run noise variance. */
export interface CubicMiss {
  /** Index of the size in its SizeMeans. */
  readonly size: number
  readonly miss: number
  readonly variance: number
}

/**
 * How far each interior size's mean lies off the cubic through its two neighbours on each side: a
 * smooth loss curve is so close to a cubic over five sizes that what is left is noise. Under pure
 * noise of variance σ² per run, a miss has variance σ²·`variance`, with `variance` = 1/count_i +
 * Σ lⱼ²/countⱼ (lⱼ the cubic's Lagrange weights). Empty with fewer than 5 sizes.
 */
export const cubicMisses = (sizes: SizeMeans): CubicMiss[] => {
  const { x, y, counts } = sizes
  const misses: CubicMiss[] = []
  for (let i = 2; i < x.length - 2; i++) {
    const neighbours = [i - 2, i - 1, i + 1, i + 2]
    const at = x[i] ?? Number.NaN
    const weights = neighbours.map((j) =>
      neighbours.reduce((w, k) => (k === j ? w : (w * (at - (x[k] ?? Number.NaN))) / ((x[j] ?? Number.NaN) - (x[k] ?? Number.NaN))), 1)
    )
    const predicted = neighbours.reduce((sum, j, m) => sum + (weights[m] ?? Number.NaN) * (y[j] ?? Number.NaN), 0)
    const variance = 1 / (counts[i] ?? 1) + neighbours.reduce((sum, j, m) => sum + (weights[m] ?? Number.NaN) ** 2 / (counts[j] ?? 1), 0)
    misses.push({ size: i, miss: (y[i] ?? Number.NaN) - predicted, variance })
  }
  return misses
}

/** The noise variance of the sizes' mean ln losses (per run): the mean of the cubic misses' squares over their variances. Null with fewer than 5 sizes. */
const noiseVariance = (sizes: SizeMeans): number | null => {
  const misses = cubicMisses(sizes)
  return misses.length === 0 ? null : mean(misses.map(({ miss, variance }) => miss ** 2 / variance))
}

// How much more than the noise the parabola must miss by before the curve's asymmetry is taken to
// be real rather than noise: its residual variance, per run, this many times the noise variance.
// Measured (pnpm bench:isoflop): at 10 the estimator matches the parabola on noisy synthetic sweeps
// and agrees with 10 of Porian et al.'s 15 published exponents within 0.01; at 4, 13 of 15 but up
// to 40% larger errors than the parabola at 1-2% noise; at 2, 14 of 15 and up to 70% larger.
const asymmetryThreshold = 10

/**
 * `adaptive`: the Akima spline where one parabola visibly misses the curve (its residual variance
 * over `asymmetryThreshold` times the noise variance: the asymmetry stands out of the noise), the
 * parabola through every run otherwise.
 */
const adaptiveMinimum = (runs: CurveRuns): CurveMinimum => {
  const sizes = sizeMeans(runs.logParams, runs.losses.map(Math.log))
  const noise = noiseVariance(sizes)
  if (noise === null) return readCurveMinimum(runs, "parabola")
  // The parabola through every run has the same coefficients as one through the means weighted by their counts.
  const parabola = fitParabola(runs.logParams, runs.losses.map(Math.log))
  const misfit = sizes.x.reduce((sum, x, i) => sum + (sizes.counts[i] ?? 0) * ((sizes.y[i] ?? Number.NaN) - evaluateParabola(parabola, x)) ** 2, 0) / (sizes.x.length - 3)
  return misfit > asymmetryThreshold * noise ? akimaMinimum(runs) : readCurveMinimum(runs, "parabola")
}

/** Reads one budget's minimum with `estimator`. The runs need at least 3 distinct sizes. */
export const readCurveMinimum = (runs: CurveRuns, estimator: IsoflopMinimumEstimator): CurveMinimum => {
  switch (estimator) {
    case "parabola":
      return parabolaMinimum(runs, Math.min(...runs.logParams), Math.max(...runs.logParams))
    case "window":
      return windowMinimum(runs)
    case "akima":
      return akimaMinimum(runs)
    case "adaptive":
      return adaptiveMinimum(runs)
  }
}
