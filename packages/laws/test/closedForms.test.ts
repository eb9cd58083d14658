import { describe, expect, it } from "vitest"
import {
  envelopeOptimal,
  flopsPerParamToken,
  flopsPerToken,
  parametricComputeOptimal,
  parametricOptimalPowerLaws,
  sixNDFlops
} from "../src/index.ts"

// Chinchilla's approach 3 constants (Hoffmann et al. 2022, eq. 10).
const chinchilla = { A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 }

describe("C = 6·N·D", () => {
  it("counts 6 FLOPs per parameter per token", () => {
    expect(flopsPerParamToken).toBe(6)
    expect(sixNDFlops(1e9, 2e10)).toBe(1.2e20)
  })

  it("the 6N convention is 6·N FLOPs per token", () => {
    const shape = { layers: 2, d_model: 64, heads: 4, kv_heads: 4, head_dim: 16, ffn: 172, context: 32, vocab: 256, tied_embeddings: false }
    expect(sixNDFlops(flopsPerToken(shape, "6N") / 6, 1000)).toBe(flopsPerToken(shape, "6N") * 1000)
  })
})

describe("parametricComputeOptimal", () => {
  it("Chinchilla approach 3 at C = 1e24: N = G·(C/6)^a and D = G⁻¹·(C/6)^b, evaluated by hand", () => {
    // G = (0.34·406.4 / (0.28·410.7))^(1/0.62) = 1.344711, a = 0.28/0.62, b = 0.34/0.62.
    const optimal = parametricComputeOptimal(chinchilla, 1e24)
    expect(optimal.params / 4.12967024194e10).toBeCloseTo(1, 10)
    expect(optimal.tokens / 4.03583474956e12).toBeCloseTo(1, 10)
  })

  it("spends exactly the budget: 6·N_opt·D_opt = C", () => {
    for (const compute of [1e18, 3.7e21, 1e24, 5e26]) {
      const { params, tokens } = parametricComputeOptimal(chinchilla, compute)
      expect(sixNDFlops(params, tokens) / compute).toBeCloseTo(1, 14)
    }
  })

  it("as power laws of C: N* = G·6^(−a)·C^a, D* = G⁻¹·6^(−b)·C^b", () => {
    const laws = parametricOptimalPowerLaws(chinchilla)
    expect(laws.params.k).toBeCloseTo(0.5986950905, 9)
    expect(laws.params.exponent).toBeCloseTo(0.28 / 0.62, 14)
    expect(laws.tokens.k).toBeCloseTo(0.2783832193, 9)
    expect(laws.tokens.exponent).toBeCloseTo(0.34 / 0.62, 14)
    const optimal = parametricComputeOptimal(chinchilla, 1e24)
    expect((laws.params.k * 1e24 ** laws.params.exponent) / optimal.params).toBeCloseTo(1, 12)
    expect((laws.tokens.k * 1e24 ** laws.tokens.exponent) / optimal.tokens).toBeCloseTo(1, 12)
  })
})

describe("envelopeOptimal", () => {
  it("evaluates N* = k·C^a and D* = k·C^b", () => {
    const fit = { params_opt: { k: 0.1, a: 0.5 }, tokens_opt: { k: 2, b: 0.5 } }
    expect(envelopeOptimal(fit, 1e20)).toEqual({ compute: 1e20, params: 1e9, tokens: 2e10 })
  })
})
