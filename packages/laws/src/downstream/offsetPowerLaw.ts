import { fitLine, mean } from "../optim/leastSquares.ts"
import { LawInputError } from "../lawInputError.ts"
import { minimizeLbfgs } from "../optim/lbfgs.ts"
import { requireDistinct, requirePositive, requireSameLength } from "../validate.ts"

/** y = E + A·x^(−α): a power law that levels off at E (irreducible loss, NLL floor). */
export interface OffsetPowerLaw {
  readonly E: number
  readonly A: number
  readonly alpha: number
}

export interface OffsetPowerLawFit extends OffsetPowerLaw {
  /** Σ (y − ŷ)². */
  readonly objective: number
  readonly n_points: number
  readonly converged: boolean
}

export const evaluateOffsetPowerLaw = (law: OffsetPowerLaw, x: number): number => law.E + law.A * x ** -law.alpha

// Exponents tried for the starting point; the optimiser refines the best.
const startExponents = Array.from({ length: 41 }, (_, i) => 10 ** (-2.5 + (3 * i) / 40))

/**
 * Least squares y = E + A·x^(−α) with E, A, α > 0. x is measured from its geometric mean x̄, so
 * y = E + A'·exp(−α·(ln x − ln x̄)) with A = A'·x̄^α: at x ~ 1e20 FLOPs, A itself would be
 * astronomically larger than E and the problem badly scaled. For a fixed α the model is a line in
 * exp(−α·(ln x − ln x̄)), so a scan over α with exact line fits gives the start; L-BFGS in
 * (ln E, ln A', ln α) then polishes all three together.
 */
export const fitOffsetPowerLaw = (x: ReadonlyArray<number>, y: ReadonlyArray<number>): OffsetPowerLawFit => {
  requireSameLength(x, y)
  x.forEach((value, i) => requirePositive(value, `x[${i}]`))
  y.forEach((value, i) => {
    if (!Number.isFinite(value)) throw new LawInputError(`y[${i}] is ${value}: every value must be finite; fix or drop that point`)
  })
  requireDistinct(x, 4, "a power law with an offset (3 parameters)")
  const logCentre = mean(x.map(Math.log))
  const centred = Float64Array.from(x, (value) => Math.log(value) - logCentre)
  const observed = Float64Array.from(y)

  let start: readonly [number, number, number] | undefined
  let startError = Number.POSITIVE_INFINITY
  for (const alpha of startExponents) {
    const z = Array.from(centred, (c) => Math.exp(-alpha * c))
    const line = fitLine(z, y)
    if (!(line.intercept > 0 && line.slope > 0)) continue
    let error = 0
    z.forEach((zi, i) => {
      error += (line.intercept + line.slope * zi - (observed[i] as number)) ** 2
    })
    if (error < startError) {
      startError = error
      start = [Math.log(line.intercept), Math.log(line.slope), Math.log(alpha)]
    }
  }
  if (start === undefined) {
    throw new LawInputError(
      "y does not fall towards a positive floor as x grows, so no E + A·x^(−α) with E, A, α > 0 fits it: check that y is a loss or NLL (lower is better) and x is compute"
    )
  }

  const result = minimizeLbfgs((u, gradient) => {
    const floor = Math.exp(u[0] as number)
    const scale = Math.exp(u[1] as number)
    const alpha = Math.exp(u[2] as number)
    let value = 0
    let gradFloor = 0
    let gradScale = 0
    let gradAlpha = 0
    for (let i = 0; i < centred.length; i++) {
      const c = centred[i] as number
      const term = scale * Math.exp(-alpha * c)
      const residual = floor + term - (observed[i] as number)
      value += residual * residual
      gradFloor += 2 * residual * floor
      gradScale += 2 * residual * term
      gradAlpha -= 2 * residual * term * c * alpha
    }
    gradient[0] = gradFloor
    gradient[1] = gradScale
    gradient[2] = gradAlpha
    return value
  }, start, { gradientTolerance: 1e-12 })
  const alpha = Math.exp(result.x[2] as number)
  return {
    E: Math.exp(result.x[0] as number),
    A: Math.exp((result.x[1] as number) + alpha * logCentre),
    alpha,
    objective: result.value,
    n_points: x.length,
    converged: result.converged
  }
}
