import { describe, expect, it } from "vitest"
import type { LlamaShape } from "../src/index.ts"
import { countParams, flopsPerToken, LawInputError, trainingFlops } from "../src/index.ts"

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
    expect(countParams(tiny)).toEqual({ total: 1352, embedding: 160, nonEmbedding: 1192 })
  })

  it("counts the vocabulary matrix once when the head is tied to the embedding", () => {
    expect(countParams({ ...tiny, tied_embeddings: true })).toEqual({ total: 1272, embedding: 80, nonEmbedding: 1192 })
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
