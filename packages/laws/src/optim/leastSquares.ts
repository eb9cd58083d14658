import { solveLinearSystem } from "./linearSystem.ts"
import { requireDistinct, requireSameLength } from "../validate.ts"

export interface Line {
  readonly intercept: number
  readonly slope: number
  readonly r2: number
}

/** y = c0 + c1·x + c2·x², in the caller's x (not centred). */
export interface Parabola {
  readonly c0: number
  readonly c1: number
  readonly c2: number
}

export const mean = (values: ReadonlyArray<number>): number => values.reduce((sum, v) => sum + v, 0) / values.length

/** Coefficient of determination of `predicted` against `observed`; 1 when y has no spread and the fit is exact. */
export const rSquared = (observed: ReadonlyArray<number>, predicted: ReadonlyArray<number>): number => {
  const centre = mean(observed)
  let residual = 0
  let total = 0
  observed.forEach((y, i) => {
    residual += (y - (predicted[i] ?? Number.NaN)) ** 2
    total += (y - centre) ** 2
  })
  return total === 0 ? (residual === 0 ? 1 : 0) : 1 - residual / total
}

const weightedMean = (values: ReadonlyArray<number>, weights: ReadonlyArray<number>): number =>
  values.reduce((sum, v, i) => sum + (weights[i] ?? Number.NaN) * v, 0) / weights.reduce((sum, w) => sum + w, 0)

/**
 * Least squares y = intercept + slope·x, computed on centred x for accuracy; with `weights`, each
 * point's squared residual counts weights[i] times (weighted least squares). R² stays the
 * unweighted one: how much of y's spread the line explains.
 */
export const fitLine = (x: ReadonlyArray<number>, y: ReadonlyArray<number>, weights?: ReadonlyArray<number>): Line => {
  requireSameLength(x, y)
  requireDistinct(x, 2, "a line")
  const w = weights ?? x.map(() => 1)
  requireSameLength(x, w)
  const xMean = weightedMean(x, w)
  const yMean = weightedMean(y, w)
  let sxy = 0
  let sxx = 0
  x.forEach((xi, i) => {
    const wi = w[i] ?? Number.NaN
    sxy += wi * (xi - xMean) * ((y[i] ?? Number.NaN) - yMean)
    sxx += wi * (xi - xMean) ** 2
  })
  const slope = sxy / sxx
  const intercept = yMean - slope * xMean
  return { intercept, slope, r2: rSquared(y, x.map((xi) => intercept + slope * xi)) }
}

/**
 * Least squares y = c0 + c1·x + c2·x². The normal equations are solved in u = (x − mean)/spread,
 * where they are well conditioned (in raw log10 N ≈ 6 the x⁴ sums dwarf the others), then the
 * coefficients are mapped back to x exactly.
 */
export const fitParabola = (x: ReadonlyArray<number>, y: ReadonlyArray<number>): Parabola => {
  requireSameLength(x, y)
  requireDistinct(x, 3, "a parabola")
  const centre = mean(x)
  const spread = Math.sqrt(mean(x.map((xi) => (xi - centre) ** 2)))
  const u = x.map((xi) => (xi - centre) / spread)
  const powerSum = (power: number): number => u.reduce((sum, ui) => sum + ui ** power, 0)
  const momentSum = (power: number): number => u.reduce((sum, ui, i) => sum + ui ** power * (y[i] ?? Number.NaN), 0)
  const [b0 = Number.NaN, b1 = Number.NaN, b2 = Number.NaN] = solveLinearSystem(
    [
      [powerSum(0), powerSum(1), powerSum(2)],
      [powerSum(1), powerSum(2), powerSum(3)],
      [powerSum(2), powerSum(3), powerSum(4)]
    ],
    [momentSum(0), momentSum(1), momentSum(2)]
  )
  // y = b0 + b1·u + b2·u² with u = (x − m)/s, expanded in powers of x.
  const s = spread
  const m = centre
  return {
    c0: b0 - (b1 * m) / s + (b2 * m * m) / (s * s),
    c1: b1 / s - (2 * b2 * m) / (s * s),
    c2: b2 / (s * s)
  }
}

export const evaluateParabola = (p: Parabola, x: number): number => p.c0 + p.c1 * x + p.c2 * x * x

/**
 * The standard error of the vertex −c1/(2·c2) of `parabola`, fitted by least squares to (x, y): the
 * coefficient covariance s²·(XᵀX)⁻¹ (s² the residual variance, n − 3 degrees of freedom) carried to
 * the vertex by the delta method. Worked in u = (x − mean)/spread, where XᵀX is well conditioned.
 * Null when it cannot be estimated: no residual degrees of freedom, or a parabola that does not
 * open upward.
 */
export const parabolaVertexSe = (x: ReadonlyArray<number>, y: ReadonlyArray<number>, parabola: Parabola): number | null => {
  requireSameLength(x, y)
  if (x.length <= 3 || !(parabola.c2 > 0)) return null
  const residualVariance = x.reduce((sum, xi, i) => sum + ((y[i] ?? Number.NaN) - evaluateParabola(parabola, xi)) ** 2, 0) / (x.length - 3)
  const centre = mean(x)
  const spread = Math.sqrt(mean(x.map((xi) => (xi - centre) ** 2)))
  const u = x.map((xi) => (xi - centre) / spread)
  const powerSum = (power: number): number => u.reduce((sum, ui) => sum + ui ** power, 0)
  const normal = [
    [powerSum(0), powerSum(1), powerSum(2)],
    [powerSum(1), powerSum(2), powerSum(3)],
    [powerSum(2), powerSum(3), powerSum(4)]
  ]
  // The same parabola in u: y = b0 + b1·u + b2·u², vertex at u = −b1/(2·b2).
  const b1 = spread * (parabola.c1 + 2 * parabola.c2 * centre)
  const b2 = parabola.c2 * spread * spread
  const gradient = [0, -1 / (2 * b2), b1 / (2 * b2 * b2)]
  // gᵀ(XᵀX)⁻¹g, solving (XᵀX)·z = g rather than inverting.
  const z = solveLinearSystem(normal, gradient)
  const quadratic = gradient.reduce((sum, gi, i) => sum + gi * (z[i] ?? Number.NaN), 0)
  return spread * Math.sqrt(residualVariance * quadratic)
}
