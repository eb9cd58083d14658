import type { ComputePowerLaw, ParametricLaw, PowerLawCoefficients, PublishedLaw } from "./published.ts"
import { requirePositive } from "../validate.ts"

export interface ComputeOptimal {
  /** In the law's own count (`params_count`): total for parametric laws. */
  readonly params: number
  readonly tokens: number
  /** Present for laws that predict loss. */
  readonly loss?: number
}

// C = 6·N·D: the training FLOPs per parameter per token every published law here assumes.
const flopsPerParamToken = 6

export const parametricLoss = (law: ParametricLaw, params: number, tokens: number): number =>
  law.E + law.A / params ** law.alpha + law.B / tokens ** law.beta

/**
 * Minimising A/N^α + B/D^β subject to N·D = C/6 gives N_opt = G·(C/6)^(β/(α+β)) with
 * G = (αA/(βB))^(1/(α+β)) (Hoffmann et al. 2022, eq. 4); D_opt = (C/6)/N_opt.
 */
const parametricOptimal = (law: ParametricLaw, compute: number): ComputeOptimal => {
  const paramTokens = compute / flopsPerParamToken
  const exponentSum = law.alpha + law.beta
  const g = ((law.alpha * law.A) / (law.beta * law.B)) ** (1 / exponentSum)
  const params = g * paramTokens ** (law.beta / exponentSum)
  const tokens = paramTokens / params
  return { params, tokens, loss: parametricLoss(law, params, tokens) }
}

const evaluate = (law: PowerLawCoefficients, x: number): number => law.k * x ** law.exponent

const powerOptimal = (law: ComputePowerLaw, compute: number): ComputeOptimal => {
  const scaled = compute / law.compute_unit_flops
  const paramTokens = compute / flopsPerParamToken
  const params =
    law.params !== undefined
      ? evaluate(law.params, scaled)
      : law.flops_per_token !== undefined
        ? evaluate(law.flops_per_token, scaled) / flopsPerParamToken
        : undefined
  const tokens = law.tokens !== undefined ? evaluate(law.tokens, scaled) : undefined
  if (params !== undefined && tokens !== undefined) return { params, tokens }
  if (params !== undefined) return { params, tokens: paramTokens / params }
  if (tokens !== undefined) return { params: paramTokens / tokens, tokens }
  throw new Error(`published law "${law.name}" gives neither params, flops_per_token nor tokens`)
}

/** The compute-optimal allocation (and loss, where the law predicts it) at `compute` FLOPs. */
export const computeOptimal = (law: PublishedLaw, compute: number): ComputeOptimal => {
  requirePositive(compute, "compute")
  return law.kind === "parametric" ? parametricOptimal(law, compute) : powerOptimal(law, compute)
}
