import { flopsPerParamToken } from "../accounting/flops.ts"
import { LawInputError } from "../lawInputError.ts"
import type { Objective } from "../optim/lbfgs.ts"
import { requirePositive } from "../validate.ts"
import type { LossLaw } from "./lossLaw.ts"
import type { LogObservations } from "./parametricObjective.ts"
import { huber } from "./parametricObjective.ts"

/** The constants of Kaplan et al. 2020, eq. 1.5: L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D. */
export interface KaplanCoefficients {
  readonly N_c: number
  readonly D_c: number
  readonly alpha_N: number
  readonly alpha_D: number
}

/**
 * ln L̂ = α_D · LSE(u, v) with u = (α_N/α_D)(n_c − ln N) and v = d_c − ln D, for the optimiser's
 * coordinates x = [n_c, d_c, α_N, α_D] = [ln N_c, ln D_c, α_N, α_D]. Writes the softmax weight of u
 * into `weights[0]` (that of v is 1 − it) and u into `weights[1]`, for the gradient.
 */
const kaplanLogLoss = (x: ArrayLike<number>, logParams: number, logTokens: number, weights?: Float64Array): number => {
  const alphaN = x[2] as number
  const alphaD = x[3] as number
  const paramsTerm = (alphaN / alphaD) * ((x[0] as number) - logParams)
  const tokensTerm = (x[1] as number) - logTokens
  const largest = Math.max(paramsTerm, tokensTerm)
  const paramsWeight = Math.exp(paramsTerm - largest)
  const tokensWeight = Math.exp(tokensTerm - largest)
  const total = paramsWeight + tokensWeight
  if (weights !== undefined) {
    weights[0] = paramsWeight / total
    weights[1] = paramsTerm
  }
  return alphaD * (largest + Math.log(total))
}

export const predictKaplanLogLoss = (x: ArrayLike<number>, logParams: number, logTokens: number): number =>
  kaplanLogLoss(x, logParams, logTokens)

/**
 * Σ_i Huber_δ(ln L̂_i − ln L_i) for the Kaplan form, with its analytic gradient. With w the softmax
 * weight of u and S = LSE(u, v): ∂lnL̂/∂n_c = α_N·w, ∂/∂d_c = α_D(1 − w), ∂/∂α_N = w(n_c − ln N),
 * ∂/∂α_D = S − w·u.
 */
export const kaplanObjective = (observations: LogObservations, delta: number): Objective => {
  const { logParams, logTokens, logLoss } = observations
  const weights = new Float64Array(2)
  return (x, gradient) => {
    const alphaN = x[2] as number
    const alphaD = x[3] as number
    const logCritical = x[0] as number
    let value = 0
    gradient.fill(0)
    for (let i = 0; i < logLoss.length; i++) {
      const lnN = logParams[i] as number
      const predicted = kaplanLogLoss(x, lnN, logTokens[i] as number, weights)
      const residual = predicted - (logLoss[i] as number)
      value += huber(delta, residual)
      const slope = Math.min(delta, Math.max(-delta, residual))
      const paramsWeight = weights[0] as number
      const paramsTerm = weights[1] as number
      gradient[0] = (gradient[0] as number) + slope * alphaN * paramsWeight
      gradient[1] = (gradient[1] as number) + slope * alphaD * (1 - paramsWeight)
      gradient[2] = (gradient[2] as number) + slope * paramsWeight * (logCritical - lnN)
      gradient[3] = (gradient[3] as number) + slope * (predicted / alphaD - paramsWeight * paramsTerm)
    }
    return value
  }
}

/** The Kaplan form's optimiser coordinates [ln N_c, ln D_c, α_N, α_D]. */
export const kaplanCoordinates = (law: KaplanCoefficients): number[] => [Math.log(law.N_c), Math.log(law.D_c), law.alpha_N, law.alpha_D]

/**
 * Kaplan et al. 2020, eq. 1.5, as a LossLaw. It has no irreducible term: its floor is 0.
 *
 * The compute-optimal allocation is in closed form: with α_D > 0 the loss rises with the bracket
 * S(N) = N_c^k·N^(−k) + 6·D_c·N/C (k = α_N/α_D, D = C/(6N)), a sum of two exponentials in ln N and so
 * convex in it; S′ = 0 at N^(k+1) = k·N_c^k·C/(6·D_c), i.e. N* ∝ C^(α_D/(α_N+α_D)), Kaplan's own
 * exponent. Exponents that are not both positive have no finite optimum, which is an error.
 */
export const kaplanLossLaw = (law: KaplanCoefficients): LossLaw => {
  const x = kaplanCoordinates(law)
  const ratio = law.alpha_N / law.alpha_D
  return {
    form: "kaplan",
    lossAt: (params, tokens) => {
      requirePositive(params, "params")
      requirePositive(tokens, "tokens")
      return Math.exp(kaplanLogLoss(x, Math.log(params), Math.log(tokens)))
    },
    floor: 0,
    optimumAt: (compute) => {
      requirePositive(compute, "compute")
      if (!(law.alpha_N > 0 && law.alpha_D > 0)) {
        throw new LawInputError(
          `the Kaplan law has α_N = ${law.alpha_N} and α_D = ${law.alpha_D}: with an exponent that is not positive, loss has no compute-optimal model size; fit another law form`
        )
      }
      const paramTokens = compute / flopsPerParamToken
      const logParams = (Math.log(ratio) + ratio * (x[0] as number) + Math.log(paramTokens) - (x[1] as number)) / (ratio + 1)
      const params = Math.exp(logParams)
      const tokens = paramTokens / params
      return { params, tokens, loss: Math.exp(kaplanLogLoss(x, logParams, Math.log(tokens))) }
    }
  }
}
