import { LawInputError } from "../lawInputError.ts"
import { minimizeLbfgs } from "../optim/lbfgs.ts"
import { requireDistinct, requireSameLength } from "../validate.ts"

/**
 * accuracy = chance + span / (1 + exp(steepness·(nll − midpoint))), steepness > 0 (Llama 3,
 * §3.2.1, stage 2). Written with +steepness so the fitted number is positive while accuracy FALLS
 * as the task NLL grows: the same curve as Llama 3's a/(1 + e^(−k(L − L0))) + b with k = −steepness.
 * `chance` is the accuracy of a hopeless model (e.g. 0.25 for four choices), chance + span that
 * of a perfect one, `midpoint` the NLL halfway between.
 */
export interface AccuracySigmoid {
  readonly chance: number
  readonly span: number
  readonly steepness: number
  readonly midpoint: number
}

export interface AccuracySigmoidFit extends AccuracySigmoid {
  /** Σ (accuracy − predicted)². */
  readonly objective: number
  readonly n_points: number
  readonly converged_starts: number
  readonly starts: number
}

/** 1/(1 + e^t) without overflow for large t. */
const falling = (t: number): number => (t > 0 ? Math.exp(-t) / (1 + Math.exp(-t)) : 1 / (1 + Math.exp(t)))

export const accuracyAtNll = (law: AccuracySigmoid, nll: number): number =>
  law.chance + law.span * falling(law.steepness * (nll - law.midpoint))

// Starts: midpoints across the NLL range times steepnesses that make the drop span a fraction or
// several times that range; the sum of squares is not convex in (steepness, midpoint).
const midpointFractions = [0.1, 0.3, 0.5, 0.7, 0.9]
const rangeSteepness = [1, 4, 16]

/** Least squares fit of the sigmoid to (nll, accuracy) points by L-BFGS in (span, chance, ln steepness, midpoint). */
export const fitAccuracySigmoid = (nll: ReadonlyArray<number>, accuracy: ReadonlyArray<number>): AccuracySigmoidFit => {
  requireSameLength(nll, accuracy)
  nll.forEach((value, i) => {
    if (!Number.isFinite(value)) throw new LawInputError(`nll[${i}] is ${value}: every NLL must be finite; fix or drop that point`)
  })
  accuracy.forEach((value, i) => {
    if (!Number.isFinite(value)) throw new LawInputError(`accuracy[${i}] is ${value}: every accuracy must be finite; fix or drop that point`)
  })
  requireDistinct(nll, 5, "an accuracy sigmoid (4 parameters)")
  const losses = Float64Array.from(nll)
  const observed = Float64Array.from(accuracy)
  const lowest = Math.min(...nll)
  const range = Math.max(...nll) - lowest
  const floor = Math.min(...accuracy)
  const height = Math.max(...accuracy) - floor

  const objective = (u: Float64Array, gradient: Float64Array): number => {
    const span = u[0] as number
    const chance = u[1] as number
    const steepness = Math.exp(u[2] as number)
    const midpoint = u[3] as number
    let value = 0
    let gradSpan = 0
    let gradChance = 0
    let gradSteepness = 0
    let gradMidpoint = 0
    for (let i = 0; i < losses.length; i++) {
      const offset = (losses[i] as number) - midpoint
      const s = falling(steepness * offset)
      const residual = chance + span * s - (observed[i] as number)
      // d s / d t = −s(1 − s) for s = 1/(1 + e^t), t = steepness·offset.
      const dPrediction = -2 * residual * span * s * (1 - s)
      value += residual * residual
      gradSpan += 2 * residual * s
      gradChance += 2 * residual
      gradSteepness += dPrediction * offset * steepness
      gradMidpoint -= dPrediction * steepness
    }
    gradient[0] = gradSpan
    gradient[1] = gradChance
    gradient[2] = gradSteepness
    gradient[3] = gradMidpoint
    return value
  }

  let best: { readonly x: Float64Array; readonly value: number } | undefined
  let convergedStarts = 0
  for (const fraction of midpointFractions) {
    for (const scaled of rangeSteepness) {
      const result = minimizeLbfgs(objective, [height, floor, Math.log(scaled / range), lowest + fraction * range], {
        gradientTolerance: 1e-10
      })
      if (result.converged) convergedStarts++
      if (Number.isFinite(result.value) && (best === undefined || result.value < best.value)) best = result
    }
  }
  if (best === undefined) throw new Error("every start of the accuracy sigmoid fit ended at a non-finite objective")
  // A negative span is a sigmoid on which accuracy rises with the NLL: not the law's shape, and no
  // basis for a forecast (noise around chance fits that way).
  if ((best.x[0] as number) <= 0) {
    throw new LawInputError(
      `accuracy does not fall as the task NLL grows over these ${nll.length} points (the best sigmoid rises), ` +
        "so no accuracy-vs-NLL law can be fitted: the models may all be near chance; evaluate more items or larger models"
    )
  }
  return {
    span: best.x[0] as number,
    chance: best.x[1] as number,
    steepness: Math.exp(best.x[2] as number),
    midpoint: best.x[3] as number,
    objective: best.value,
    n_points: nll.length,
    converged_starts: convergedStarts,
    starts: midpointFractions.length * rangeSteepness.length
  }
}
