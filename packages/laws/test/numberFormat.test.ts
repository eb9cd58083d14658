import { describe, expect, it } from "vitest"
import { messageNumber, reasonNumber, sci, scientific, significant } from "../src/index.ts"

describe("scientific", () => {
  it("writes plot budgets compactly with two significant digits", () => {
    expect(scientific(1e11, 2)).toBe("1e11")
    expect(scientific(3.2e11, 2)).toBe("3.2e11")
    expect(scientific(3.1623e11, 2)).toBe("3.2e11")
    expect(scientific(1e-3, 2)).toBe("1e-3")
    expect(scientific(9.96e11, 2)).toBe("1e12")
    expect(scientific(-4.56e-7, 3)).toBe("-4.56e-7")
    expect(scientific(0, 2)).toBe("0")
  })

  it("keeps trailing zeros when asked, for a report's forecast column", () => {
    expect(scientific(123456, 3, { trailingZeros: "keep" })).toBe("1.23e5")
    expect(scientific(1e22, 3, { trailingZeros: "keep" })).toBe("1.00e22")
    expect(scientific(-0, 3, { trailingZeros: "keep" })).toBe("0.00e0")
  })

  it("rounds the mantissa alone, so the largest double reads 1.8e308, not Infinity", () => {
    expect(scientific(Number.MAX_VALUE, 2)).toBe("1.8e308")
    expect(scientific(Number.POSITIVE_INFINITY, 2)).toBe("Infinity")
    expect(scientific(Number.NaN, 2)).toBe("NaN")
  })
})

describe("significant", () => {
  it("writes plain decimals inside the range and exponent notation outside it", () => {
    const range = { low: 0.01, high: 1e4 }
    expect(significant(1234.5, 3, range)).toBe("1230")
    expect(significant(0.0123, 2, range)).toBe("0.012")
    expect(significant(12345, 3, range)).toBe("1.23e4")
    expect(significant(0.00123, 2, range)).toBe("1.2e-3")
    expect(significant(0, 2, range)).toBe("0")
  })

  it("judges the range on the rounded value unless told to judge the value as given", () => {
    expect(significant(99999.7, 3, { low: 1e-3, high: 1e5 })).toBe("1e5")
    expect(significant(99999.7, 3, { low: 1e-3, high: 1e5, judge: "given" })).toBe("100000")
  })
})

describe("the callers' variants", () => {
  it("messageNumber: six digits, plain from 1e-4 up to 1e6", () => {
    expect(messageNumber(0.1 + 0.2)).toBe("0.3")
    expect(messageNumber(123456.7)).toBe("123457")
    expect(messageNumber(1234567)).toBe("1.23457e6")
    expect(messageNumber(5e-5)).toBe("5e-5")
    expect(messageNumber(Number.NEGATIVE_INFINITY)).toBe("-Infinity")
  })

  it("reasonNumber: two digits by default, plain from 0.01 up to 1e4", () => {
    expect(reasonNumber(1e11)).toBe("1e11")
    expect(reasonNumber(3.16e5)).toBe("3.2e5")
    expect(reasonNumber(0.4937)).toBe("0.49")
    expect(reasonNumber(8)).toBe("8")
    expect(reasonNumber(9999)).toBe("1e4")
    expect(reasonNumber(123456, 3)).toBe("1.23e5")
  })

  it("sci: three digits by default, plain from 1e-3 up to 1e5 judged as given", () => {
    expect(sci(1.2345e11)).toBe("1.23e11")
    expect(sci(316228)).toBe("3.16e5")
    expect(sci(0.012345)).toBe("0.0123")
    expect(sci(99999.7)).toBe("100000")
    expect(sci(-2.5e-4, 2)).toBe("-2.5e-4")
    expect(sci(0)).toBe("0")
  })
})
