import type { ComputePowerLaw, ParametricLaw, PowerLawCoefficients, PublishedLaw } from "./published.ts"
import { flopsPerParamToken } from "../accounting/flops.ts"
import { requirePositive } from "../validate.ts"

export interface ComputeOptimal {
  /** In the law's own count (`params_count`): total for parametric laws. */
  readonly params: number
  readonly tokens: number
  /** Present for laws that predict loss. */
  readonly loss?: number
}

/** L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, eq. 2), from the law's coefficients alone. */
export const parametricLoss = (
  law: Pick<ParametricLaw, "E" | "A" | "B" | "alpha" | "beta">,
  params: number,
  tokens: number
): number => law.E + law.A / params ** law.alpha + law.B / tokens ** law.beta

/** The constants of L(N, D) = E + A/N^α + B/D^β that set where its compute-optimal allocation lies. */
export type ParametricAllocationConstants = Pick<ParametricLaw, "A" | "B" | "alpha" | "beta">

/**
 * The compute-optimal allocation of a parametric law at `compute` FLOPs, in closed form (Hoffmann
 * et al. 2022, eq. 4 and appendix D.2): minimising A/N^α + B/D^β subject to 6·N·D = C gives
 * N_opt = G·(C/6)^a and D_opt = G⁻¹·(C/6)^b, with G = (αA/(βB))^(1/(α+β)), a = β/(α+β),
 * b = α/(α+β). D_opt is taken as (C/6)/N_opt, the same value, so that 6·N_opt·D_opt = C exactly.
 */
export const parametricComputeOptimal = (
  law: ParametricAllocationConstants,
  compute: number
): { readonly params: number; readonly tokens: number } => {
  const paramTokens = compute / flopsPerParamToken
  const exponentSum = law.alpha + law.beta
  const g = ((law.alpha * law.A) / (law.beta * law.B)) ** (1 / exponentSum)
  const params = g * paramTokens ** (law.beta / exponentSum)
  return { params, tokens: paramTokens / params }
}

/** N*(C) = k·C^exponent and D*(C) = k·C^exponent, C in FLOPs. */
export interface OptimalPowerLaws {
  readonly params: PowerLawCoefficients
  readonly tokens: PowerLawCoefficients
}

/**
 * parametricComputeOptimal as power laws of C: N_opt = G·6^(−a)·C^a and D_opt = G⁻¹·6^(−b)·C^b
 * (Hoffmann et al. 2022, eq. 4). The coefficients are the allocation at C = 1 FLOP.
 */
export const parametricOptimalPowerLaws = (law: ParametricAllocationConstants): OptimalPowerLaws => {
  const atUnitCompute = parametricComputeOptimal(law, 1)
  const exponentSum = law.alpha + law.beta
  return {
    params: { k: atUnitCompute.params, exponent: law.beta / exponentSum },
    tokens: { k: atUnitCompute.tokens, exponent: law.alpha / exponentSum }
  }
}

const parametricOptimal = (law: ParametricLaw, compute: number): ComputeOptimal => {
  const { params, tokens } = parametricComputeOptimal(law, compute)
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
