import { describe, expect, it } from "vitest"
import { chinchillaLossLaw, inferenceOptimal, LawInputError, lawByName, tokensForLoss } from "../src/index.ts"

const published = lawByName("chinchilla")
if (published.kind !== "parametric") throw new Error("the chinchilla law is parametric")
const chinchilla = chinchillaLossLaw(published)

describe("inferenceOptimal", () => {
  it("with no inference reproduces the compute-optimal allocation for that loss", () => {
    const optimum = chinchilla.optimumAt(1e22)
    const { optimal, chinchilla: reference } = inferenceOptimal(chinchilla, optimum.loss, 0)
    expect(optimal.params / optimum.params).toBeCloseTo(1, 5)
    expect(optimal.tokens / optimum.tokens).toBeCloseTo(1, 5)
    expect(optimal.trainingFlops / 1e22).toBeCloseTo(1, 8)
    expect(optimal.inferenceFlops).toBe(0)
    expect(reference.params / optimal.params).toBeCloseTo(1, 6)
  })

  it("reproduces Sardana et al.'s worked example: a 13B model's loss with 2T inference tokens is cheapest at about 7B", () => {
    // Sardana et al. 2024 (arXiv:2401.00448), Figure 1: "An LLM developer seeking to train a 13B
    // model who expects 2 trillion tokens of inference demand during the model's lifetime can
    // reduce their total compute by 1.7 × 10^22 FLOPs (17%) by instead training a 7B model on
    // more data." Hoffmann et al.'s E, A, B with the unrounded exponents α = 0.336, β = 0.283
    // reproduce those three numbers; the two-decimal ones of eq. 10 give 8.0B and 10%.
    const law = chinchillaLossLaw({ E: 1.69, A: 406.4, B: 410.7, alpha: 0.336, beta: 0.283 })
    // The loss of the Chinchilla-optimal 13B model: N*(C) ∝ C^(β/(α+β)), so one probe finds its compute.
    const probe = law.optimumAt(1e22)
    const target = law.optimumAt(1e22 * (13e9 / probe.params) ** ((0.336 + 0.283) / 0.283))
    expect(target.params / 13e9).toBeCloseTo(1, 6)
    const result = inferenceOptimal(law, target.loss, 2e12)
    expect(result.chinchilla.params / 13e9).toBeCloseTo(1, 5)
    expect(result.optimal.params / 1e9).toBeCloseTo(7, 0)
    const saving = result.chinchilla.totalFlops - result.optimal.totalFlops
    expect(saving / 1e22).toBeCloseTo(1.7, 1)
    expect(saving / result.chinchilla.totalFlops).toBeCloseTo(0.17, 2)
    // Smaller and longer than Chinchilla-optimal, at the same loss.
    expect(result.optimal.tokens).toBeGreaterThan(result.chinchilla.tokens)
    expect(law.lossAt(result.optimal.params, result.optimal.tokens)).toBeCloseTo(target.loss, 10)
  })

  it("meets the first-order conditions of min 6ND + 2NT subject to L(N, D) = ℓ", () => {
    const { alpha, beta, A, B } = published
    for (const inferenceTokens of [1e11, 1e13, 1e15]) {
      const { optimal } = inferenceOptimal(chinchilla, 2.1, inferenceTokens)
      // Lagrange: (6D + 2T)·β·B/D^β = 6D·α·A/N^α.
      const lhs = (6 * optimal.tokens + 2 * inferenceTokens) * beta * B / optimal.tokens ** beta
      const rhs = 6 * optimal.tokens * alpha * A / optimal.params ** alpha
      expect(lhs / rhs).toBeCloseTo(1, 5)
    }
  })

  it("trains smaller models longer as the inference demand grows", () => {
    const sizes = [0, 1e12, 1e14].map((tokens) => inferenceOptimal(chinchilla, 2.0, tokens).optimal.params)
    expect(sizes[1]).toBeLessThan(sizes[0]!)
    expect(sizes[2]).toBeLessThan(sizes[1]!)
  })

  it("refuses a target loss at or below the irreducible loss, and negative inference tokens", () => {
    expect(() => inferenceOptimal(chinchilla, 1.69, 1e12)).toThrow(LawInputError)
    expect(() => inferenceOptimal(chinchilla, 1.5, 1e12)).toThrow(/at or below the law's irreducible loss 1.69/)
    expect(() => inferenceOptimal(chinchilla, 2, -1)).toThrow(/at least 0/)
  })
})

describe("tokensForLoss", () => {
  it("solves L(N, D) = ℓ for D, and says when N alone cannot reach ℓ", () => {
    const tokens = tokensForLoss(chinchilla, 7e10, 1.95)
    expect(chinchilla.lossAt(7e10, tokens)).toBeCloseTo(1.95, 12)
    expect(tokensForLoss(chinchilla, 1e6, 1.95)).toBe(Number.POSITIVE_INFINITY)
  })
})
