import type { Objective } from "../optim/lbfgs.ts"

/**
 * Scipy's Huber convention (scipy.special.huber): r²/2 inside |r| ≤ δ, δ·(|r| − δ/2) outside, so
 * objectives match the reference fits digit for digit.
 */
export const huber = (delta: number, residual: number): number => {
  const size = Math.abs(residual)
  return size <= delta ? 0.5 * residual * residual : delta * (size - 0.5 * delta)
}

/** Observations in log space: ln N, ln D, ln L per point. */
export interface LogObservations {
  readonly logParams: Float64Array
  readonly logTokens: Float64Array
  readonly logLoss: Float64Array
}

/**
 * ln L̂ = LSE(a − α·ln N, b − β·ln D, e), i.e. ln(E + A/N^α + B/D^β) with A = e^a, B = e^b, E = e^e,
 * for x = [a, b, e, α, β]. Evaluated by subtracting the largest term so no exponential overflows.
 */
export const predictLogLoss = (x: ArrayLike<number>, logParams: number, logTokens: number): number => {
  const paramsTerm = (x[0] as number) - (x[3] as number) * logParams
  const tokensTerm = (x[1] as number) - (x[4] as number) * logTokens
  const floorTerm = x[2] as number
  const largest = Math.max(paramsTerm, tokensTerm, floorTerm)
  return largest + Math.log(Math.exp(paramsTerm - largest) + Math.exp(tokensTerm - largest) + Math.exp(floorTerm - largest))
}

/**
 * Chinchilla's approach-3 objective (Hoffmann et al. 2022, §3.3; Besiroglu et al. 2024):
 * Σ_i Huber_δ(LSE(a − α ln N_i, b − β ln D_i, e) − ln L_i), with its analytic gradient. The LSE's
 * derivative with respect to each of its terms is that term's softmax weight, so the gradient costs
 * no more than the value. Allocates nothing per call: it runs millions of times in a grid fit.
 */
export const parametricObjective = (observations: LogObservations, delta: number): Objective => {
  const { logParams, logTokens, logLoss } = observations
  const count = logLoss.length
  return (x, gradient) => {
    const a = x[0] as number
    const b = x[1] as number
    const e = x[2] as number
    const alpha = x[3] as number
    const beta = x[4] as number
    let value = 0
    let gradA = 0
    let gradB = 0
    let gradE = 0
    let gradAlpha = 0
    let gradBeta = 0
    for (let i = 0; i < count; i++) {
      const lnN = logParams[i] as number
      const lnD = logTokens[i] as number
      const paramsTerm = a - alpha * lnN
      const tokensTerm = b - beta * lnD
      // Weights relative to the largest term: that one is exactly 1, which saves an exponential.
      let largest: number
      let paramsWeight = 1
      let tokensWeight = 1
      let floorWeight = 1
      if (paramsTerm >= tokensTerm && paramsTerm >= e) {
        largest = paramsTerm
        tokensWeight = Math.exp(tokensTerm - largest)
        floorWeight = Math.exp(e - largest)
      } else if (tokensTerm >= e) {
        largest = tokensTerm
        paramsWeight = Math.exp(paramsTerm - largest)
        floorWeight = Math.exp(e - largest)
      } else {
        largest = e
        paramsWeight = Math.exp(paramsTerm - largest)
        tokensWeight = Math.exp(tokensTerm - largest)
      }
      const total = paramsWeight + tokensWeight + floorWeight
      const residual = largest + Math.log(total) - (logLoss[i] as number)
      value += huber(delta, residual)
      // d Huber / dr: the residual itself inside ±δ, clipped to ±δ outside.
      const slope = Math.min(delta, Math.max(-delta, residual))
      const scale = slope / total
      const paramsShare = scale * paramsWeight
      const tokensShare = scale * tokensWeight
      gradA += paramsShare
      gradB += tokensShare
      gradE += scale * floorWeight
      gradAlpha -= paramsShare * lnN
      gradBeta -= tokensShare * lnD
    }
    gradient[0] = gradA
    gradient[1] = gradB
    gradient[2] = gradE
    gradient[3] = gradAlpha
    gradient[4] = gradBeta
    return value
  }
}
