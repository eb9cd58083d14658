import type { CustomLaw, IsoflopPoint, ParametricCoefficients, ParametricLaw } from "../src/index.ts"
import { mulberry32, parametricComputeOptimal, parametricLoss, standardNormal } from "../src/index.ts"

// Known generating law: Chinchilla's approach-3 constants, so the analytic optimum exponents are
// a = β/(α+β) = 0.28/0.62 and b = α/(α+β) = 0.34/0.62.
export const truth: ParametricLaw = {
  kind: "parametric",
  name: "synthetic",
  description: "generator for tests",
  source: "test",
  E: 1.69,
  A: 406.4,
  B: 410.7,
  alpha: 0.34,
  beta: 0.28
}
export const analyticA = truth.beta / (truth.alpha + truth.beta)
export const analyticB = truth.alpha / (truth.alpha + truth.beta)
export const budgets = [1e17, 1e18, 1e19, 1e20]

/**
 * `sizes` sizes per budget (9 unless given) spaced evenly in log N over a factor of `span` (16),
 * centred `shift` times the true optimum, each with D = C/(6N), `seeds` runs each (1), loss of
 * `law` (`truth` unless given) multiplied by (1 + noise·z) with z standard normal.
 */
export const sweep = (options: {
  readonly law?: ParametricCoefficients
  readonly noise: number
  readonly seed: number
  readonly shift?: (budget: number) => number
  readonly budgets?: ReadonlyArray<number>
  readonly sizes?: number
  readonly span?: number
  readonly seeds?: number
}): IsoflopPoint[] => {
  const random = mulberry32(options.seed)
  const sizes = options.sizes ?? 9
  const span = options.span ?? 16
  const seeds = options.seeds ?? 1
  const law = options.law ?? truth
  return (options.budgets ?? budgets).flatMap((budget) => {
    const centre = parametricComputeOptimal(law, budget).params * (options.shift?.(budget) ?? 1)
    return Array.from({ length: sizes * seeds }, (_, run) => {
      const i = Math.floor(run / seeds)
      const params = centre * span ** ((i - (sizes - 1) / 2) / (sizes - 1))
      const tokens = budget / (6 * params)
      const loss = parametricLoss(law, params, tokens) * (1 + options.noise * standardNormal(random))
      return { params, tokens, budget, loss, id: `b${budget.toExponential()}-${i}${seeds === 1 ? "" : `-s${run % seeds}`}` }
    })
  })
}

/** The approach-3 form as a custom (mathjs) law, with start ranges and bounds around the truth. */
export const chinchillaLaw: CustomLaw = {
  expression: "E + A / N^alpha + B / D^beta",
  variables: ["N", "D"],
  parameters: {
    E: { start: [0.5, 3], bounds: [0, Number.POSITIVE_INFINITY] },
    A: { start: [50, 2000], bounds: [0, Number.POSITIVE_INFINITY] },
    B: { start: [50, 2000], bounds: [0, Number.POSITIVE_INFINITY] },
    alpha: { start: [0.1, 0.8], bounds: [0, 2] },
    beta: { start: [0.1, 0.8], bounds: [0, 2] }
  }
}

/**
 * The law whose loss at (N, D) is `law`'s at (√k·N, √k·D): E + A·k^(−α/2)/N^α + B·k^(−β/2)/D^β.
 * At compute C its optimum is `law`'s at k·C, so its compute multiplier over `law` is k.
 */
export const withComputeMultiplier = (law: ParametricCoefficients, k: number): ParametricCoefficients => ({
  ...law,
  A: law.A * k ** (-law.alpha / 2),
  B: law.B * k ** (-law.beta / 2)
})
