// Property: whatever expression a spec holds, the sandbox returns finite numbers or an
// ExpressionError that quotes the expression (its start, when long); it never throws, never reaches outside mathjs's
// arithmetic (no new properties on Object.prototype, no globals) and never takes long.
import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { abbreviate } from "../../packages/spec/src/abbreviate.ts"
import { ALLOWED_FUNCTIONS, evaluateExpression, evaluateNumberList, ExpressionError } from "../../packages/spec/src/index.ts"
import { numberText } from "./support/generators.ts"
import { checkProperty, stackTraceLine, timed } from "./support/property.ts"

const THIS_FILE = "test/fuzz/expression.test.ts"
const CASE_MS = 2_000
const VARIABLES = { N: 1.2e7, D: 2.4e8, C: 1.7e16 }

const forbiddenFunctions = [
  "import", "evaluate", "parse", "compile", "createUnit", "simplify", "derivative", "resolve", "chain", "help", "reviver",
  "Function", "constructor", "__proto__", "eval", "require", "process", "setTimeout", "matrix", "map", "forEach", "filter",
  "typed", "config", "unit", "format", "print", "concat", "range", "zeros", "ones", "factorial", "gamma", "random", "cbrt"
]

const leaf: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: numberText },
  { weight: 3, arbitrary: fc.constantFrom("N", "D", "C", "pi", "e") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "Infinity", "NaN", "x", "i", "true", "null", "undefined", "\"text\"", "'text'", "5 cm", "2 inch to cm", "[1, 2]", "{a: 1}",
      "[1, 2][1]", "N.constructor", "pi.toString", "1:3", "end", "this", "globalThis", "\"\\u0041\""
    )
  }
)

/** Expression source trees: allowed and forbidden operators, calls, definitions and accessors. */
const expression: fc.Arbitrary<string> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.tuple(tie("node"), fc.constantFrom("+", "-", "*", "/", "^", "%", " mod ", "==", "<", " and ", " or ", "&", "|", "<<", " to ", ".*", "!="), tie("node"))
      .map(([a, op, b]) => `${a}${op}${b}`),
    fc.tuple(fc.constantFrom("-", "+", "not ", "~"), tie("node")).map(([op, a]) => `${op}${a}`),
    tie("node").map((a) => `(${a})`),
    tie("node").map((a) => `${a}!`),
    tie("node").map((a) => `${a}'`),
    fc.tuple(fc.constantFrom(...ALLOWED_FUNCTIONS, ...forbiddenFunctions), fc.array(tie("node"), { maxLength: 4 }))
      .map(([name, args]) => `${name}(${args.join(", ")})`),
    fc.tuple(tie("node"), tie("node"), tie("node")).map(([a, b, c]) => `${a} ? ${b} : ${c}`),
    tie("node").map((a) => `x = ${a}`),
    tie("node").map((a) => `f(x) = ${a}`),
    fc.tuple(tie("node"), tie("node")).map(([a, b]) => `${a}; ${b}`),
    fc.tuple(tie("node"), tie("node")).map(([a, b]) => `[${a}, ${b}]`),
    tie("node").map((a) => `${a}[1]`),
    tie("node").map((a) => `(${a}).constructor`)
  )
})).node

/** Sizes that stress recursion and number formatting. */
const hugeExpression: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom(" + ", " * ", " ^ ", " - ", "/")).map(([terms, op]) => Array(terms).fill("N").join(op)),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => `${"(".repeat(depth)}1${")".repeat(depth)}`),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => `${"-".repeat(depth)}1`),
  fc.integer({ min: 1, max: 10_000 }).map((depth) => `${"abs(".repeat(depth)}1${")".repeat(depth)}`),
  fc.integer({ min: 1, max: 100_000 }).map((digits) => "9".repeat(digits)),
  fc.integer({ min: 1, max: 5_000 }).map((count) => `logspace(1, 2, ${count})`),
  fc.integer({ min: 1, max: 5_000 }).map((count) => `linspace(1, 2, ${count})`)
)

const mathishText: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom(..."0123456789.eE+-*/^()[]{},;:=!?'\"<>&|~ NDCpixlogsqrtabsminmaxpowimportevaluate".split("")),
  maxLength: 60
})

/** The sandbox property for one expression, with and without the variables N, D and C. */
const expectNumbersOrExpressionError = (source: string): void => {
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).length
  const globals = Object.keys(globalThis).length
  for (const variables of [VARIABLES, {}]) {
    for (const evaluate of [evaluateNumberList, evaluateExpression]) {
      const { value, ms } = timed(() => evaluate(source, variables))
      expect(ms, "evaluation time (ms)").toBeLessThan(CASE_MS)
      const result: Result.Result<number | ReadonlyArray<number>, ExpressionError> = value
      if (Result.isSuccess(result)) {
        for (const value of [result.success].flat()) expect(Number.isFinite(value), `${value} is finite`).toBe(true)
      } else {
        expect(result.failure).toBeInstanceOf(ExpressionError)
        // A long expression is echoed by its start, not whole (a 10,000-term one would bury the problem).
        expect(result.failure.message.startsWith(`\`${abbreviate(source)}\``), "the message quotes the expression").toBe(true)
        expect(result.failure.message).not.toMatch(stackTraceLine)
      }
    }
  }
  expect(Object.getOwnPropertyNames(Object.prototype).length, "Object.prototype untouched").toBe(prototypeKeys)
  expect(Object.keys(globalThis).length, "no new globals").toBe(globals)
}

describe("the expression sandbox on generated expressions", () => {
  it("evaluates or rejects generated expression trees", async () => {
    await checkProperty(THIS_FILE, expression, expectNumbersOrExpressionError, 3_000)
  })

  it("evaluates or rejects long and deeply nested expressions", async () => {
    await checkProperty(THIS_FILE, hugeExpression, expectNumbersOrExpressionError, 150)
  })

  it("evaluates or rejects random arithmetic-looking strings", async () => {
    await checkProperty(THIS_FILE, mathishText, expectNumbersOrExpressionError, 2_000)
  })
})
