import { LawInputError } from "../lawInputError.ts"
import { requirePositive } from "../validate.ts"

/** A compute-optimal allocation as a function of training compute C (FLOPs). */
export type OptimalAllocation = (compute: number) => { readonly params: number; readonly tokens: number }

// Two computes far enough apart that rounding in the probes does not move the exponent.
const probeLow = 1e18
const probeHigh = 1e24

/**
 * The compute C at which `quantity` (params or tokens) is compute-optimal and equals `value`.
 * Every law here (IsoFLOP power laws, the parametric closed form, published compute laws) makes
 * N*(C) and D*(C) pure power laws of C, so two evaluations give the law exactly and it inverts in
 * closed form: C = C₁·(value / q(C₁))^(1/s), s = ln(q(C₂)/q(C₁)) / ln(C₂/C₁).
 */
export const computeForOptimal = (optimalAt: OptimalAllocation, quantity: "params" | "tokens", value: number): number => {
  requirePositive(value, quantity)
  const low = optimalAt(probeLow)[quantity]
  const high = optimalAt(probeHigh)[quantity]
  const exponent = Math.log(high / low) / Math.log(probeHigh / probeLow)
  if (!Number.isFinite(exponent) || exponent <= 0) {
    throw new LawInputError(
      `the law does not make optimal ${quantity} grow with compute (exponent ${exponent}), so no compute is optimal for ${quantity} = ${value}; use --compute instead`
    )
  }
  return probeLow * (value / low) ** (1 / exponent)
}
