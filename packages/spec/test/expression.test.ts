import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { evaluateExpression, evaluateNumberList } from "../src/index.ts"
import { MAX_EXPRESSION_LENGTH, MAX_EXPRESSION_NESTING } from "../src/expression.ts"

const value = (source: string, variables: Record<string, number> = {}): number => {
  const result = evaluateExpression(source, variables)
  if (Result.isFailure(result)) throw new Error(`expected a value for ${source}, got: ${result.failure.message}`)
  return result.success
}

const problem = (source: string, variables: Record<string, number> = {}): string => {
  const result = evaluateNumberList(source, variables)
  if (Result.isSuccess(result)) throw new Error(`expected ${source} to be rejected, got ${result.success.join(", ")}`)
  return result.failure.message
}

describe("evaluateExpression", () => {
  it("follows arithmetic precedence", () => {
    expect(value("1 + 2 * 3 ^ 2")).toBe(19)
    expect(value("-2 ^ 2")).toBe(-4)
    expect(value("(1 + 2) * 3")).toBe(9)
    expect(value("1e11 * 10^0.5")).toBeCloseTo(316227766016.838, 2)
  })

  it("evaluates a learning-rate law in N, D and C", () => {
    const lr = "3e-3 * (N / 1e5)^-0.25"
    expect(value(lr, { N: 1e5, D: 1, C: 1 })).toBeCloseTo(3e-3, 15)
    // 16^-0.25 = 1/2
    expect(value(lr, { N: 1.6e6, D: 1, C: 1 })).toBeCloseTo(1.5e-3, 15)
    expect(value("C / (6 * N * D)", { N: 2, D: 5, C: 60 })).toBe(1)
  })

  it("offers the whitelisted functions and constants", () => {
    expect(value("log(e)")).toBeCloseTo(1, 15)
    expect(value("log10(1000) + log2(8) + log(100, 10)")).toBeCloseTo(8, 12)
    expect(value("sqrt(16) + pow(2, 10) + exp(0)")).toBe(1029)
    expect(value("min(3, 1, 2) + max(3, 1, 2)")).toBe(4)
    expect(value("round(2.4) + floor(2.9) + ceil(2.1) + abs(-1)")).toBe(8)
    expect(value("max(logspace(1, 100, 3))")).toBe(100)
  })

  it("rejects expressions that yield several values where one is needed", () => {
    const result = evaluateExpression("linspace(1, 2, 3)")
    expect(Result.isFailure(result) && result.failure.message).toContain("yields 3 values, expected one number")
  })
})

describe("evaluateNumberList", () => {
  it("returns every value of a vector expression", () => {
    expect(Result.getOrThrow(evaluateNumberList("2 * linspace(1, 3, 3)"))).toEqual([2, 4, 6])
    expect(Result.getOrThrow(evaluateNumberList("7"))).toEqual([7])
  })

  it("rejects values that are not finite", () => {
    expect(problem("1/0")).toContain("evaluates to Infinity, not a finite number")
    expect(problem("-1/0")).toContain("evaluates to -Infinity")
    expect(problem("sqrt(-1)")).toContain("evaluates to NaN")
    expect(problem("10^400")).toContain("evaluates to Infinity")
    expect(problem("linspace(-1, 1/0, 3)")).toContain("the ends must be finite numbers")
  })

  it("reports syntax errors", () => {
    expect(problem("2 *")).toContain("cannot parse")
    expect(problem("(1 + 2")).toContain("cannot parse")
  })
})

describe("the expression sandbox", () => {
  // Each of these would reach the parser, the type system or JavaScript objects if evaluated.
  const attacks: ReadonlyArray<readonly [string, string]> = [
    ["import(\"fs\")", "function `import` is not allowed"],
    ["evaluate(\"1 + 1\")", "function `evaluate` is not allowed"],
    ["parse(\"1\")", "function `parse` is not allowed"],
    ["compile(\"1\")", "function `compile` is not allowed"],
    ["createUnit(\"foo\")", "function `createUnit` is not allowed"],
    ["simplify(\"x + x\")", "function `simplify` is not allowed"],
    ["derivative(\"x^2\", \"x\")", "function `derivative` is not allowed"],
    ["resolve(\"x\")", "function `resolve` is not allowed"],
    ["chain(3)", "function `chain` is not allowed"],
    ["cos(0)", "function `cos` is not allowed"],
    ["a.b", "property access `a.b` is not allowed"],
    ["sqrt.constructor", "property access `sqrt.constructor` is not allowed"],
    ["sqrt[\"constructor\"](\"return process\")", "does not call a named function"],
    ["x = 3", "assignment `x = 3` is not allowed"],
    ["f(x) = x", "a function definition `f(x) = x` is not allowed"],
    ["{a: 1}", "an object literal"],
    ["[1, 2]", "an array literal"],
    ["1; 2", "several statements"],
    ["1 > 0 ? 1 : 2", "a conditional"],
    ["1:3", "a range"],
    ["\"text\"", "`\"text\"` is not a number"],
    ["true", "`true` is not a number"],
    ["3!", "operator `!` is not allowed"],
    ["5 mod 3", "operator `mod` is not allowed"],
    ["1 < 2", "operator `<` is not allowed"],
    ["5 cm", "unknown name `cm`"],
    ["process", "unknown name `process`"],
    ["N * 20", "unknown name `N` (no variables here"]
  ]
  it.each(attacks)("rejects %s without running it", (source, message) => {
    expect(problem(source)).toContain(message)
  })

  it("allows only the variables a field declares", () => {
    expect(problem("N * T", { N: 1, D: 1, C: 1 })).toContain("unknown name `T` (names allowed: N, D, C, pi, e)")
    expect(value("N * D", { N: 3, D: 4 })).toBe(12)
  })

  it("rejects an expression too long to parse safely, echoing only its start", () => {
    const terms = Array(10_000).fill("1e-5").join(" + ")
    const message = problem(terms)
    expect(message).toBe(
      "`1e-5 + 1e-5 + 1e-5 + 1e-5 + 1e-5 + 1e-5 + 1e-5 + 1e-5 + 1...`: 69,997 characters, more than the 500 an expression " +
        "may have; write the number it stands for, or a shorter expression"
    )
  })

  it("rejects brackets nested too deep to parse safely", () => {
    const nested = (depth: number) => `${"(".repeat(depth)}2${")".repeat(depth)}`
    expect(problem(nested(100))).toContain(`brackets nest 100 deep, more than the ${MAX_EXPRESSION_NESTING} an expression may have`)
    expect(problem(`max(${nested(30)}, 1)`)).toContain("brackets nest 31 deep")
  })

  it("evaluates expressions at the bounds, of every shape the parser recurses on", () => {
    const longest = (unit: string, last: string) => unit.repeat(Math.floor((MAX_EXPRESSION_LENGTH - last.length) / unit.length)) + last
    expect(value(longest("1+", "1"))).toBe(250)
    expect(value(longest("-", "1"))).toBe(-1)
    expect(value(longest("1^", "1"))).toBe(1)
    expect(value(longest("abs(", "").slice(0, 4 * MAX_EXPRESSION_NESTING) + "1" + ")".repeat(MAX_EXPRESSION_NESTING))).toBe(1)
  })

  it("says a number beyond the largest double overflows, rather than that it is not a number", () => {
    expect(problem("1e400 * 2")).toBe("`1e400 * 2`: `1e400` overflows: its magnitude is beyond the largest finite number, about 1.8e308")
    expect(problem("2 * 1.5E+999")).toContain("`1.5E+999` overflows")
    expect(value("x1e400", { x1e400: 3 })).toBe(3)
  })

  it("caps the size of generated sequences", () => {
    expect(problem("logspace(1, 10, 1e9)")).toContain("the number of points must be an integer from 1 to 1000")
  })
})
