/**
 * The standard normal quantile Φ⁻¹(p), by Acklam's rational approximation (relative error below
 * 1.2·10⁻⁹ over (0, 1)): the z of a central interval of coverage `level` is Φ⁻¹((1 + level) / 2).
 */
const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239]
const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1]
const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783]
const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416]
const lowTail = 0.02425

const polynomial = (coefficients: ReadonlyArray<number>, x: number): number =>
  coefficients.reduce((sum, coefficient) => sum * x + coefficient, 0)

export const normalQuantile = (p: number): number => {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`)
  if (p < lowTail) {
    const q = Math.sqrt(-2 * Math.log(p))
    return polynomial(c, q) / (polynomial(d, q) * q + 1)
  }
  if (p > 1 - lowTail) return -normalQuantile(1 - p)
  const q = p - 0.5
  const r = q * q
  return (polynomial(a, r) * q) / (polynomial(b, r) * r + 1)
}

/** The half-width, in standard errors, of a central normal interval of coverage `level`. */
export const zOfLevel = (level: number): number => normalQuantile((1 + level) / 2)
