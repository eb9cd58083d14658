import { LawInputError } from "../lawInputError.ts"

/** y = k · x^exponent */
export interface PowerLawCoefficients {
  readonly k: number
  readonly exponent: number
}

/** L(N, D) = E + A/N^alpha + B/D^beta, N total parameters, D training tokens, loss in nats/token. */
export interface ParametricLaw {
  readonly kind: "parametric"
  readonly name: string
  readonly description: string
  readonly source: string
  readonly E: number
  readonly A: number
  readonly B: number
  readonly alpha: number
  readonly beta: number
}

/**
 * Compute-optimal allocations published as power laws of training compute. Each is read in its
 * paper's units: compute in multiples of `compute_unit_flops` FLOPs, and `params_count` saying
 * which parameter count (or per-token FLOPs) the law speaks of. Whatever the law leaves out
 * follows from C = 6·N·D.
 */
export interface ComputePowerLaw {
  readonly kind: "compute_power"
  readonly name: string
  readonly description: string
  readonly source: string
  readonly compute_unit_flops: number
  readonly params_count: "total" | "non_embedding"
  /** N*(C), parameters. */
  readonly params?: PowerLawCoefficients
  /** D*(C), tokens. */
  readonly tokens?: PowerLawCoefficients
  /** M*(C), non-embedding FLOPs per token (DeepSeek's model scale, which counts attention); N = M/6. */
  readonly flops_per_token?: PowerLawCoefficients
  /** Optimal batch size in tokens, where the paper gives one. */
  readonly batch_tokens?: PowerLawCoefficients
  /** Optimal peak learning rate, where the paper gives one. */
  readonly learning_rate?: PowerLawCoefficients
}

export type PublishedLaw = ParametricLaw | ComputePowerLaw

// One PF-day, Kaplan et al.'s unit of compute: 10^15 FLOP/s for 86,400 s.
const pfDay = 1e15 * 86_400

export const publishedLaws: ReadonlyArray<PublishedLaw> = [
  {
    // Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models", arXiv:2203.15556,
    // §3.3 approach 3 (fit of the parametric loss to all runs); the constants as printed in
    // Appendix D.2, eq. 10. The exponents are printed to two decimals and N*(C) is steep in them
    // (at 1e21 FLOPs, β = 0.275 or 0.285 moves N* by −16% or +19%), so Table A3, which the
    // authors computed from unrounded values, has N* 1.2–1.4 times what these give (Besiroglu
    // et al. 2024 trace the gap to this rounding). Kept as printed: the constants people quote.
    kind: "parametric",
    name: "chinchilla",
    description:
      "Chinchilla approach 3: parametric loss fitted to all training runs, constants as printed (eq. 10); " +
      "their two-decimal exponents put N* 18-30% below the paper's own Table A3, which used unrounded values",
    source: "Hoffmann et al. 2022, Training Compute-Optimal Large Language Models, arXiv:2203.15556, §3.3 (approach 3), Appendix D.2 eq. 10",
    E: 1.69,
    A: 406.4,
    B: 410.7,
    alpha: 0.34,
    beta: 0.28
  },
  {
    // Besiroglu et al. 2024, "Chinchilla Scaling: A replication attempt", arXiv:2404.10102:
    // approach 3 refitted to the data reconstructed from Chinchilla's Figure 4.
    kind: "parametric",
    name: "epoch-2024",
    description: "Epoch AI's refit of Chinchilla approach 3 on the reconstructed data",
    source: "Besiroglu et al. 2024, Chinchilla Scaling: A replication attempt, arXiv:2404.10102",
    E: 1.8172,
    A: 482.01,
    B: 2085.43,
    alpha: 0.3478,
    beta: 0.3658
  },
  {
    // Kaplan et al. 2020, "Scaling Laws for Neural Language Models", arXiv:2001.08361, §6.1 and
    // Figure 14: N = 1.3e9 · C_min^0.73 with C_min in PF-days and N non-embedding parameters.
    // C_min is the compute of a run at a batch far below the critical batch B_crit; a run at
    // B = B_crit spends 2·C_min (§5.1, C_min = C/(1 + B/B_crit)). The budget given is read as
    // C_min, as the formula is printed; Hoffmann et al. (Appendix D.4) read 1e21 FLOPs at the
    // critical batch, C_min = 5e20, for their 4.68B. The paper's D follows from its C ≈ 6·N·D.
    kind: "compute_power",
    name: "kaplan-2020",
    description:
      "Kaplan et al. compute-efficient frontier: non-embedding parameters, the budget read as C_min in PF-days " +
      "(a run at the critical batch spends twice that)",
    source: "Kaplan et al. 2020, Scaling Laws for Neural Language Models, arXiv:2001.08361, §6.1, Figure 14",
    compute_unit_flops: pfDay,
    params_count: "non_embedding",
    params: { k: 1.3e9, exponent: 0.73 }
  },
  {
    // Dubey et al. 2024, "The Llama 3 Herd of Models", arXiv:2407.21783, §3.2.1: optimal training
    // tokens N*(C) = A·C^α, C in FLOPs, extrapolated to "a 402B parameter model on 16.55T tokens"
    // at 3.8e25 FLOPs. The text prints (α, A) = (0.53, 0.29), cut to two digits; with C^α at
    // C ≈ 1e25 that cut is a factor of 1.6 (10.5T tokens, 605B parameters). Figure 3's legend
    // prints the fit to three digits, α = 0.537, A = 0.299: 16.3T tokens at 3.8e25 (1.5% under
    // 16.55T; rounding α to three digits alone allows ±3%). Parameters follow from C = 6·N·D,
    // the paper's own accounting (its 405B model on 15.6T tokens is its 3.8e25 FLOPs): 389B,
    // 3.3% under 402B. No law with C = 6·N·D can give both quoted numbers: 6 × 402B × 16.55T is
    // 3.99e25, 5% over the budget they were extrapolated to.
    kind: "compute_power",
    name: "llama-3",
    description:
      "Llama 3 IsoFLOP law for optimal training tokens (compute in FLOPs), with Figure 3's three-digit fit " +
      "(α = 0.537, A = 0.299): 16.3T tokens and 389B parameters at 3.8e25 FLOPs, where the paper quotes " +
      "16.55T and 402B; the text's (0.53, 0.29) are cut to two digits and give 10.5T",
    source: "Dubey et al. 2024, The Llama 3 Herd of Models, arXiv:2407.21783, §3.2.1, Figure 3",
    compute_unit_flops: 1,
    params_count: "total",
    tokens: { k: 0.299, exponent: 0.537 }
  },
  {
    // DeepSeek-AI 2024, "DeepSeek LLM: Scaling Open-Source Language Models with Longtermism",
    // arXiv:2401.02954, §3: C = M·D with M non-embedding FLOPs per token (attention included);
    // M_opt = 0.1715·C^0.5243, D_opt = 5.8316·C^0.4757 (eq. 4), B_opt = 0.2920·C^0.3271 tokens
    // and η_opt = 0.3118·C^−0.1250 (eq. 1). M = 72·n_layer·d_model² + 12·n_layer·d_model·l_seq
    // (eq. 2) is not a parameter count: with N ≈ 12·n_layer·d_model² non-embedding parameters it is
    // 6·N plus attention's 12·n_layer·d_model·l_seq, so the params reported, M/6, read high where
    // the context is long next to the width.
    kind: "compute_power",
    name: "deepseek-llm",
    description:
      "DeepSeek LLM allocation in model scale M (non-embedding FLOPs/token, attention included) and tokens, C = M·D; " +
      "params shown are M/6, which counts the attention FLOPs as parameters",
    source: "DeepSeek-AI (Bi et al.) 2024, DeepSeek LLM: Scaling Open-Source Language Models with Longtermism, arXiv:2401.02954, §3",
    compute_unit_flops: 1,
    params_count: "non_embedding",
    flops_per_token: { k: 0.1715, exponent: 0.5243 },
    tokens: { k: 5.8316, exponent: 0.4757 },
    batch_tokens: { k: 0.292, exponent: 0.3271 },
    learning_rate: { k: 0.3118, exponent: -0.125 }
  }
]

export const lawByName = (name: string): PublishedLaw => {
  const wanted = name.trim().toLowerCase()
  const law = publishedLaws.find((candidate) => candidate.name === wanted)
  if (law === undefined) {
    throw new LawInputError(
      `unknown law "${name}": use one of ${publishedLaws.map((candidate) => candidate.name).join(", ")}`
    )
  }
  return law
}

/** A published law's optimal learning rate or batch size (tokens) at `compute` FLOPs; undefined where it gives none. */
export const publishedHyperparameter = (
  law: PublishedLaw,
  hyperparameter: "learning_rate" | "batch_tokens",
  compute: number
): number | undefined => {
  if (law.kind !== "compute_power") return undefined
  const coefficients = law[hyperparameter]
  return coefficients === undefined ? undefined : coefficients.k * (compute / law.compute_unit_flops) ** coefficients.exponent
}
