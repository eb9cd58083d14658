import { requirePositive } from "../validate.ts"

/**
 * R*_D: the number of repetitions after which repeated tokens have lost 1 − 1/e of their value,
 * as fitted by Muennighoff et al. 2023, "Scaling Data-Constrained Language Models"
 * (arXiv:2305.16264, §3.1; fitted R*_D ≈ 15.39).
 */
export const repeatedTokenDecay = 15.39

/** R = D/U − 1, the repetitions of a run beyond its first epoch (0 when it does not finish one epoch). */
export const repetitions = (total: number, unique: number): number => {
  requirePositive(total, "total tokens")
  requirePositive(unique, "unique tokens")
  return Math.max(0, total / unique - 1)
}

/**
 * The tokens a run is worth when `total` tokens are drawn from a corpus of `unique` tokens
 * (Muennighoff et al. 2023, eq. 5): D' = U + U·R*·(1 − exp(−R/R*)). Repeated tokens decay in
 * value, so D' rises from D (one epoch) towards U·(1 + R*) however long one keeps repeating.
 * A run shorter than one epoch sees only `total` distinct tokens and repeats none: D' = D.
 */
export const effectiveTokens = (total: number, unique: number, decay: number = repeatedTokenDecay): number => {
  requirePositive(decay, "repeated-token decay R*")
  const repeated = repetitions(total, unique)
  if (repeated === 0) return total
  // −expm1(−x) is 1 − exp(−x) without cancellation when R ≪ R*.
  return unique + unique * decay * -Math.expm1(-repeated / decay)
}
