// The interval of a mean from a few paired differences (an annealing probe's loss minus its
// control's, one per seed): Student's t, since with 2 to 5 seeds a normal interval would be far
// too narrow (t with 1 degree of freedom has a 90% quantile of 3.08, not 1.28).

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 significant digits). */
export const lnGamma = (x: number): number => {
  const g = 7
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7
  ]
  // Reflection keeps the series where it converges.
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x)
  const z = x - 1
  let sum = c[0] as number
  for (let i = 1; i < g + 2; i++) sum += (c[i] as number) / (z + i)
  const t = z + g + 0.5
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum)
}

/** The continued fraction of the incomplete beta function (modified Lentz), valid for x < (a+1)/(a+b+2). */
const betaContinuedFraction = (x: number, a: number, b: number): number => {
  const tiny = 1e-300
  let c = 1
  let d = 1 - ((a + b) * x) / (a + 1)
  d = Math.abs(d) < tiny ? 1 / tiny : 1 / d
  let h = d
  for (let m = 1; m <= 300; m++) {
    const even = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m))
    d = 1 + even * d
    d = Math.abs(d) < tiny ? 1 / tiny : 1 / d
    c = 1 + even / c
    c = Math.abs(c) < tiny ? tiny : c
    h *= d * c
    const odd = (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))
    d = 1 + odd * d
    d = Math.abs(d) < tiny ? 1 / tiny : 1 / d
    c = 1 + odd / c
    c = Math.abs(c) < tiny ? tiny : c
    const step = d * c
    h *= step
    if (Math.abs(step - 1) < 1e-15) break
  }
  return h
}

/** The regularised incomplete beta function I_x(a, b). */
export const regularizedBeta = (x: number, a: number, b: number): number => {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x))
  // The fraction converges fast on one side of the mean; the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) gives the other.
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(x, a, b)) / a : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export const studentTCdf = (t: number, df: number): number => {
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5)
  return t >= 0 ? 1 - tail : tail
}

/** The p-quantile of Student's t with `df` degrees of freedom, p in (0, 1), by bisection on the CDF. */
export const studentTQuantile = (p: number, df: number): number => {
  if (!(p > 0 && p < 1) || !(df > 0)) throw new RangeError(`studentTQuantile needs p in (0, 1) and df > 0, got p=${p}, df=${df}`)
  if (p < 0.5) return -studentTQuantile(1 - p, df)
  let low = 0
  let high = 1
  while (studentTCdf(high, df) < p) high *= 2
  for (let i = 0; i < 200 && high - low > 1e-12 * high; i++) {
    const middle = (low + high) / 2
    if (studentTCdf(middle, df) < p) low = middle
    else high = middle
  }
  return (low + high) / 2
}

/** A mean with its two-sided interval at `level`; the interval is absent below two values. */
export interface MeanInterval {
  readonly mean: number
  readonly n: number
  readonly interval?: readonly [number, number]
}

/** The mean of `values` and its Student-t interval at `level` (the values taken as independent draws). */
export const meanInterval = (values: ReadonlyArray<number>, level: number): MeanInterval => {
  const n = values.length
  const mean = values.reduce((sum, value) => sum + value, 0) / n
  if (n < 2) return { mean, n }
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1)
  const half = studentTQuantile(0.5 + level / 2, n - 1) * Math.sqrt(variance / n)
  return { mean, n, interval: [mean - half, mean + half] }
}
