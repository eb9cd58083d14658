import { fitLine } from "../optim/leastSquares.ts"
import { LawInputError } from "../lawInputError.ts"
import { requireDistinct, requireSameLength } from "../validate.ts"

export interface PowerLawFit {
  /** y = k · x^exponent */
  readonly k: number
  readonly exponent: number
  /** R² of the straight line in (log x, log y). */
  readonly r2: number
  readonly n_points: number
}

const requireLogable = (values: ReadonlyArray<number>, name: string): void => {
  values.forEach((value, index) => {
    if (!Number.isFinite(value) || value <= 0) {
      throw new LawInputError(
        `${name}[${index}] is ${value}: a power law is fitted in log space, so every value must be finite and above 0; remove or fix that point`
      )
    }
  })
}

/**
 * y = k·x^exponent by least squares on (ln x, ln y), i.e. with multiplicative errors; ordinary,
 * or weighted by `weights` (e.g. 1/se² of each ln y, which makes it the maximum-likelihood line when
 * each y carries its own known error).
 */
export const fitPowerLaw = (x: ReadonlyArray<number>, y: ReadonlyArray<number>, weights?: ReadonlyArray<number>): PowerLawFit => {
  requireSameLength(x, y)
  requireLogable(x, "x")
  requireLogable(y, "y")
  requireDistinct(x, 2, "a power law")
  if (weights !== undefined) requireLogable(weights, "weights")
  const line = fitLine(x.map(Math.log), y.map(Math.log), weights)
  return { k: Math.exp(line.intercept), exponent: line.slope, r2: line.r2, n_points: x.length }
}
