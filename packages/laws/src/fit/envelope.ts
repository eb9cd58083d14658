import { LawInputError } from "../lawInputError.ts"
import { fitPowerLaw } from "./powerLaw.ts"
import { distinctCount, requireInteger, requirePositive } from "../validate.ts"

export interface TrainingCurvePoint {
  readonly flops: number
  readonly tokens: number
  readonly loss: number
}

/** One run's training curve: its loss as it consumed FLOPs. */
export interface TrainingCurve {
  readonly id: string
  readonly params: number
  readonly points: ReadonlyArray<TrainingCurvePoint>
}

/** The lowest loss any run reached at `flops`, and the run that reached it. */
export interface EnvelopePoint {
  readonly flops: number
  readonly loss: number
  readonly run: string
  readonly params: number
  readonly tokens: number
  /**
   * Some run covering these FLOPs is smaller and some larger than the winner, so the minimum over
   * sizes is interior. At the edges of the sweep the winner is merely the smallest or largest size
   * on offer, not the optimum; those points are kept for plots but not used in the laws.
   */
  readonly bracketed: boolean
}

export interface EnvelopeFit {
  readonly points: ReadonlyArray<EnvelopePoint>
  /** N*(C) = k·C^a and D*(C) = k·C^b over the bracketed envelope points. */
  readonly params_opt: { readonly k: number; readonly a: number }
  readonly tokens_opt: { readonly k: number; readonly b: number }
  /** R² of each law in log-log space. */
  readonly r2s: { readonly params: number; readonly tokens: number }
  readonly n_used: number
}

/**
 * N* and D* the envelope's power laws give at `compute` FLOPs: N_opt = k·C^a, D_opt = k·C^b
 * (Hoffmann et al. 2022, approach 1, §3.1).
 */
export const envelopeOptimal = (
  fit: Pick<EnvelopeFit, "params_opt" | "tokens_opt">,
  compute: number
): { readonly compute: number; readonly params: number; readonly tokens: number } => ({
  compute,
  params: fit.params_opt.k * compute ** fit.params_opt.a,
  tokens: fit.tokens_opt.k * compute ** fit.tokens_opt.b
})

export interface EnvelopeOptions {
  /** Number of log-spaced FLOP values; Hoffmann et al. (2022, §3.1) used 1500. */
  readonly gridSize?: number
}

/** A curve in the form interpolation needs: sorted by FLOPs, in logs. */
interface PreparedCurve {
  readonly id: string
  readonly params: number
  readonly logFlops: Float64Array
  readonly logTokens: Float64Array
  readonly loss: Float64Array
}

const prepare = (curve: TrainingCurve, curveIndex: number): PreparedCurve => {
  const label = `curve ${curveIndex} (run ${curve.id})`
  requirePositive(curve.params, `${label}: params`)
  if (curve.points.length < 2) {
    throw new LawInputError(`${label} has ${curve.points.length} point${curve.points.length === 1 ? "" : "s"}; the envelope interpolates each curve, which needs at least 2: log more evaluations or drop the run`)
  }
  curve.points.forEach((point, pointIndex) => {
    for (const field of ["flops", "tokens", "loss"] as const) requirePositive(point[field], `${label}, point ${pointIndex}: ${field}`)
  })
  const sorted = [...curve.points].sort((p, q) => p.flops - q.flops)
  sorted.forEach((point, i) => {
    if (i > 0 && point.flops === sorted[i - 1]?.flops) {
      throw new LawInputError(`${label} has two points at flops = ${point.flops}: keep one loss per FLOP count (e.g. the later evaluation)`)
    }
  })
  return {
    id: curve.id,
    params: curve.params,
    logFlops: Float64Array.from(sorted, (point) => Math.log(point.flops)),
    logTokens: Float64Array.from(sorted, (point) => Math.log(point.tokens)),
    loss: Float64Array.from(sorted, (point) => point.loss)
  }
}

const first = (values: Float64Array): number => values[0] ?? Number.NaN
const last = (values: Float64Array): number => values[values.length - 1] ?? Number.NaN

/**
 * Loss and ln(tokens) of `curve` at ln(flops) = x, linear in ln(flops) between its points; undefined
 * outside the curve's range, where the run says nothing.
 */
const interpolate = (curve: PreparedCurve, x: number): { loss: number; logTokens: number } | undefined => {
  const xs = curve.logFlops
  if (x < first(xs) || x > last(xs)) return undefined
  // Largest j with xs[j] ≤ x, by bisection.
  let low = 0
  let high = xs.length - 1
  while (high - low > 1) {
    const middle = (low + high) >>> 1
    if ((xs[middle] ?? Number.NaN) <= x) low = middle
    else high = middle
  }
  const x0 = xs[low] ?? Number.NaN
  const x1 = xs[high] ?? Number.NaN
  const t = x1 === x0 ? 0 : (x - x0) / (x1 - x0)
  const along = (values: Float64Array): number => {
    const y0 = values[low] ?? Number.NaN
    return y0 + t * ((values[high] ?? Number.NaN) - y0)
  }
  return { loss: along(curve.loss), logTokens: along(curve.logTokens) }
}

const envelopeAt = (curves: ReadonlyArray<PreparedCurve>, logFlops: number): EnvelopePoint | undefined => {
  let best: { curve: PreparedCurve; loss: number; logTokens: number } | undefined
  let smallest = Number.POSITIVE_INFINITY
  let largest = 0
  for (const curve of curves) {
    const value = interpolate(curve, logFlops)
    if (value === undefined) continue
    smallest = Math.min(smallest, curve.params)
    largest = Math.max(largest, curve.params)
    if (best === undefined || value.loss < best.loss) best = { curve, ...value }
  }
  if (best === undefined) return undefined
  return {
    flops: Math.exp(logFlops),
    loss: best.loss,
    run: best.curve.id,
    params: best.curve.params,
    tokens: Math.exp(best.logTokens),
    bracketed: smallest < best.curve.params && best.curve.params < largest
  }
}

/**
 * Chinchilla approach 1 (Hoffmann et al. 2022, §3.1): the lower envelope of the training curves
 * over log-spaced FLOP values, each curve interpolated in log FLOPs within its own range, then
 * N*(C) = k·C^a and D*(C) = k·C^b fitted to the bracketed envelope points. Noisy curves make the
 * winner flicker between neighbouring sizes: pass smoothed losses (e.g. evaluation losses). The
 * winner is always one of the trained sizes, so the resolution of N* is the spacing of the sizes.
 */
export const fitEnvelope = (curves: ReadonlyArray<TrainingCurve>, options: EnvelopeOptions = {}): EnvelopeFit => {
  const gridSize = options.gridSize ?? 1500
  requireInteger(gridSize, 2, "the envelope's gridSize")
  const prepared = curves.map(prepare)
  if (distinctCount(prepared.map((curve) => curve.params)) < 3) {
    throw new LawInputError(
      `the envelope method needs training curves of at least 3 model sizes (one optimum with a smaller and a larger size around it), got ${distinctCount(prepared.map((curve) => curve.params))}: train more sizes`
    )
  }
  const low = Math.min(...prepared.map((curve) => first(curve.logFlops)))
  const high = Math.max(...prepared.map((curve) => last(curve.logFlops)))
  const points: EnvelopePoint[] = []
  for (let i = 0; i < gridSize; i++) {
    const point = envelopeAt(prepared, low + ((high - low) * i) / (gridSize - 1))
    if (point !== undefined) points.push(point)
  }
  const used = points.filter((point) => point.bracketed)
  const sizesUsed = distinctCount(used.map((point) => point.params))
  if (sizesUsed < 2) {
    throw new LawInputError(
      `only ${sizesUsed} model size${sizesUsed === 1 ? "" : "s"} reach the lowest loss with a smaller and a larger run beside them; a law across compute needs at least 2: train sizes that extend past the optimum on both sides, over more compute`
    )
  }
  const flops = used.map((point) => point.flops)
  const paramsLaw = fitPowerLaw(flops, used.map((point) => point.params))
  const tokensLaw = fitPowerLaw(flops, used.map((point) => point.tokens))
  return {
    points,
    params_opt: { k: paramsLaw.k, a: paramsLaw.exponent },
    tokens_opt: { k: tokensLaw.k, b: tokensLaw.exponent },
    r2s: { params: paramsLaw.r2, tokens: tokensLaw.r2 },
    n_used: used.length
  }
}
