import { describe, expect, it } from "vitest"
import type { ShapeRules } from "../src/index.ts"
import { countParams, LawInputError, shapeForParams } from "../src/index.ts"

const rules: ShapeRules = {
  aspect: 32,
  head_dim: 16,
  kv_heads: 2,
  context: 128,
  vocab: 256,
  ffn_multiplier: 8 / 3,
  tied_embeddings: false
}

// 1e4 to 1e8, a factor of 2 apart.
const targets = Array.from({ length: 27 }, (_, i) => 1e4 * 2 ** (i / 2)).filter((t) => t <= 1e8)

describe("shapeForParams", () => {
  for (const tied of [false, true]) {
    it(`lands within 25% of every target from 1e4 to 1e8 (tied embeddings: ${tied})`, () => {
      for (const target of targets) {
        const shape = shapeForParams(target, { ...rules, tied_embeddings: tied })
        const ratio = countParams(shape).total / target
        expect(ratio, `target ${target}`).toBeGreaterThan(0.8)
        expect(ratio, `target ${target}`).toBeLessThan(1.25)
      }
    })
  }

  it("gives distinct shapes for targets a factor of 2 apart", () => {
    const doubling = Array.from({ length: 14 }, (_, i) => 1e4 * 2 ** i)
    const shapes = doubling.map((target) => JSON.stringify(shapeForParams(target, rules)))
    expect(new Set(shapes).size).toBe(shapes.length)
  })

  it("builds valid shapes: d_model a multiple of head_dim, kv_heads the largest divisor of heads within the bound, ffn a multiple of 8", () => {
    for (const target of targets) {
      const shape = shapeForParams(target, { ...rules, kv_heads: 4 })
      expect(shape.d_model).toBe(shape.heads * rules.head_dim)
      expect(shape.heads % shape.kv_heads).toBe(0)
      const largestDivisor = [4, 3, 2, 1].find((k) => shape.heads % k === 0)
      expect(shape.kv_heads).toBe(largestDivisor)
      expect(shape.ffn % 8).toBe(0)
      expect(Math.abs(shape.ffn - (8 / 3) * shape.d_model)).toBeLessThanOrEqual(4)
      expect(shape.layers).toBeGreaterThanOrEqual(1)
    }
  })

  it("keeps d_model/layers near the aspect once models are large enough to choose", () => {
    for (const target of [3e6, 1e7, 3e7, 1e8]) {
      const shape = shapeForParams(target, rules)
      const aspect = shape.d_model / shape.layers
      expect(aspect, `target ${target}`).toBeGreaterThan(rules.aspect / 1.25)
      expect(aspect, `target ${target}`).toBeLessThan(rules.aspect * 1.25)
    }
  })

  it("gives the smallest model for a target below it, and rejects a non-positive target", () => {
    expect(shapeForParams(10, rules)).toMatchObject({ layers: 1, heads: 1 })
    expect(() => shapeForParams(0, rules)).toThrow(LawInputError)
    expect(() => shapeForParams(1e6, { ...rules, head_dim: 0 })).toThrow(/model\.head_dim/)
  })
})
