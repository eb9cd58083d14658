import { describe, expect, it } from "vitest"
import type { LlamaShape } from "../src/index.ts"
import { countParams, flopsPerToken, LawInputError, shapeForParams, trainingFlops } from "../src/index.ts"

// Small enough to count by hand: every number below is derived in the comments.
const tiny: LlamaShape = {
  layers: 2,
  d_model: 8,
  heads: 2,
  kv_heads: 1,
  head_dim: 4,
  ffn: 16,
  context: 4,
  vocab: 10,
  tied_embeddings: false
}

describe("countParams", () => {
  it("counts a Llama layer without biases, the final norm and both vocabulary matrices", () => {
    // per layer: wq 8·8 = 64, wk 8·4 = 32, wv 32, wo 64, w1 and w3 8·16 = 128 each, w2 128, norms 2·8
    // = 592; two layers 1184; final norm 8; embedding 10·8 = 80; untied head 80.
    expect(countParams(tiny)).toEqual({ total: 1352, active: 1352, embedding: 160, nonEmbedding: 1192 })
  })

  it("counts the vocabulary matrix once when the head is tied to the embedding", () => {
    expect(countParams({ ...tiny, tied_embeddings: true })).toEqual({ total: 1272, active: 1272, embedding: 80, nonEmbedding: 1192 })
  })

  it("rejects a key/value head count that does not divide the query heads, naming the field", () => {
    expect(() => countParams({ ...tiny, heads: 3, kv_heads: 2 })).toThrow(LawInputError)
    expect(() => countParams({ ...tiny, heads: 3, kv_heads: 2 })).toThrow(/shape\.kv_heads/)
    expect(() => countParams({ ...tiny, layers: 0 })).toThrow(/shape\.layers/)
  })
})

describe("flopsPerToken", () => {
  it("6N is six times the total parameter count", () => {
    expect(flopsPerToken(tiny, "6N")).toBe(6 * 1352)
  })

  it("exact counts every forward matmul and twice that for the backward pass", () => {
    // per token, per layer: Q 2·8·8 = 128, K 2·8·4 = 64, V 64, O 128, Q·Kᵀ over the context
    // 2·4·(2·4) = 64, scores·V 64, SwiGLU 3·2·8·16 = 768 → 1280; two layers 2560; output head
    // 2·8·10 = 160; forward 2720; training 3·2720.
    expect(flopsPerToken(tiny, "exact")).toBe(8160)
  })

  it("6N+attention follows Chinchilla's Appendix F, adapted to GQA and SwiGLU", () => {
    // embeddings 2·10·8 = 160; per layer: QKV 2·8·(8 + 2·4) = 256, logits 2·4·8 = 64,
    // softmax 3·2·4 = 24, reduction 64, output projection 2·8·8 = 128, dense 2·3·8·16 = 768
    // → 1304; two layers 2608; final logits 160; forward 2928; training 3·2928.
    expect(flopsPerToken(tiny, "6N+attention")).toBe(8784)
  })

  it("attention terms grow with the context under the attention-aware conventions only", () => {
    const longer = { ...tiny, context: 8 }
    expect(flopsPerToken(longer, "6N")).toBe(flopsPerToken(tiny, "6N"))
    // 3 · layers · (4 more context positions) · 4·(heads·head_dim) = 3·2·4·32
    expect(flopsPerToken(longer, "exact") - flopsPerToken(tiny, "exact")).toBe(768)
  })

  it("trainingFlops multiplies by the token count and rejects non-positive tokens", () => {
    expect(trainingFlops(tiny, 1000, "exact")).toBe(8_160_000)
    expect(() => trainingFlops(tiny, 0, "6N")).toThrow(/tokens/)
  })

  it("names the valid conventions when given an unknown one", () => {
    expect(() => flopsPerToken(tiny, "12N" as never)).toThrow(/6N, 6N\+attention, exact/)
  })
})

describe("mixture of experts", () => {
  // The tiny shape with 4 experts per layer, each token routed to 2.
  const moe: LlamaShape = { ...tiny, moe: { experts: 4, top_k: 2 } }

  it("counts every expert and the router in the total, top_k experts and the router as active", () => {
    // per layer: attention 64 + 32 + 32 + 64 = 192, norms 16, router 8·4 = 32, one expert
    // 3·8·16 = 384. Total: 192 + 16 + 32 + 4·384 = 1776 per layer, 3552 for two; final norm 8;
    // embedding and head 160 → 3720. Active: 192 + 16 + 32 + 2·384 = 1008 per layer, 2016 for
    // two → 2184; non-embedding 2184 − 160 = 2024.
    expect(countParams(moe)).toEqual({ total: 3720, active: 2184, embedding: 160, nonEmbedding: 2024 })
  })

  it("with top_k = 1 has the dense model's active count plus the router", () => {
    // 1352 (the dense count) + 2 layers · router 8·4 = 1416
    expect(countParams({ ...tiny, moe: { experts: 4, top_k: 1 } }).active).toBe(1416)
  })

  it("charges FLOPs for active parameters: 6N of the active count, and top_k experts plus the router per token", () => {
    expect(flopsPerToken(moe, "6N")).toBe(6 * 2184)
    // exact: the dense 1280 per layer with SwiGLU's 768 replaced by 2·768 + the router 2·8·4 = 64:
    // 1280 + 768 + 64 = 2112 per layer, 4224 for two; head 160; forward 4384; training 3·4384.
    expect(flopsPerToken(moe, "exact")).toBe(13152)
    // 6N+attention: the dense 1304 per layer + 768 + 64 = 2136, two 4272; + 160 + 160 = 4592; ×3.
    expect(flopsPerToken(moe, "6N+attention")).toBe(13776)
  })

  it("rejects fewer than two experts and top_k above the experts, naming the field", () => {
    expect(() => countParams({ ...tiny, moe: { experts: 1, top_k: 1 } })).toThrow(/shape\.moe\.experts/)
    expect(() => countParams({ ...tiny, moe: { experts: 2, top_k: 3 } })).toThrow(/shape\.moe\.top_k/)
  })

  it("shapeForParams sizes a mixture of experts by its active parameters", () => {
    const rules = { aspect: 16, head_dim: 8, kv_heads: 2, context: 64, vocab: 256, ffn_multiplier: 8 / 3, tied_embeddings: true }
    for (const target of [1e5, 1e6, 1e7]) {
      const shape = shapeForParams(target, { ...rules, moe: { experts: 8, top_k: 1 } })
      expect(shape.moe).toEqual({ experts: 8, top_k: 1 })
      const counts = countParams(shape)
      expect(Math.abs(Math.log(counts.active / target))).toBeLessThan(Math.log(1.25))
      expect(counts.total).toBeGreaterThan(2 * counts.active)
    }
    expect(shapeForParams(1e6, rules).moe).toBeUndefined()
  })
})
