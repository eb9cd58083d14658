import { describe, expect, it } from "vitest"
import { LawInputError } from "../src/lawInputError.ts"
import { effectiveTokens, repeatedTokenDecay, repetitions } from "../src/accounting/repeatedData.ts"

describe("effectiveTokens (Muennighoff et al. 2023)", () => {
  it("is the total itself when nothing is repeated", () => {
    expect(effectiveTokens(1e9, 1e9)).toBe(1e9)
    expect(effectiveTokens(3e8, 1e9)).toBe(3e8)
  })

  it("is worth almost every token for a few repetitions (slope 1 at R = 0)", () => {
    // D' ≈ U·(1 + R − R²/(2R*)) for small R.
    const unique = 1e9
    const total = 1.01e9
    const expected = unique * (1 + 0.01 - 0.01 ** 2 / (2 * repeatedTokenDecay))
    expect(effectiveTokens(total, unique)).toBeCloseTo(expected, -1)
  })

  it("saturates at U·(1 + R*) for endless repetition", () => {
    expect(effectiveTokens(1e6 * 1e9, 1e6)).toBeCloseTo(1e6 * (1 + repeatedTokenDecay), 3)
  })

  it("matches a hand-computed point: U = 1e9, D = 5e9", () => {
    // R = 4, R/R* = 0.2599090...; exp(−0.2599090) = 0.7711066...;
    // D' = 1e9·(1 + 15.39·0.2288934...) = 4.52243657316e9 (to 30 digits: 4522436573.1627).
    expect(effectiveTokens(5e9, 1e9)).toBeCloseTo(4522436573.1627, 3)
  })

  it("counts repetitions beyond the first epoch", () => {
    expect(repetitions(5e9, 1e9)).toBe(4)
    expect(repetitions(5e8, 1e9)).toBe(0)
  })

  it("rejects non-positive token counts", () => {
    expect(() => effectiveTokens(0, 1e9)).toThrow(LawInputError)
    expect(() => effectiveTokens(1e9, -1)).toThrow(/unique tokens/)
  })
})
