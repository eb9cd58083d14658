// A throw inside a field's decoding (here, injected into expression evaluation) must come out as a
// spec issue at the field's line, never as a defect that escapes the decoder with a stack.
import { Result } from "effect"
import { describe, expect, it, vi } from "vitest"
import { decodeSpecText, formatSpecIssue } from "../src/index.ts"

/** The expressions that throw; every other one (the schema's defaults among them) evaluates as usual. */
const THROWING = vi.hoisted(() => ["2 * 1e11", "2^6", "2e-3 * (N / 1e5)^-0.5"])

vi.mock("../src/expression.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../src/expression.ts")>()
  const throwingFor = <F extends (source: string, variables?: Readonly<Record<string, number>>) => unknown>(evaluate: F) =>
    ((source, variables) => {
      if (THROWING.includes(source)) throw new RangeError("Maximum call stack size exceeded")
      return evaluate(source, variables)
    }) as F
  return {
    ...original,
    evaluateExpression: throwingFor(original.evaluateExpression),
    evaluateNumberList: throwingFor(original.evaluateNumberList)
  }
})

describe("a field whose decoding throws", () => {
  it("is a located issue naming the value, for number, list and run-dependent fields alike", () => {
    const text = "name: throws\nsweep: { budgets: [1e11, 2 * 1e11] }\nmodel: { context: 2^6 }\ntraining:\n  lr: 2e-3 * (N / 1e5)^-0.5\n"
    const result = decodeSpecText(text, "spec.yaml")
    expect(Result.isFailure(result) && result.failure.issues.map(formatSpecIssue)).toEqual([
      "spec.yaml:2:26: `2 * 1e11`: cannot be evaluated (Maximum call stack size exceeded); write a simpler value",
      "spec.yaml:3:19: `2^6`: cannot be evaluated (Maximum call stack size exceeded); write a simpler value",
      "spec.yaml:5:7: `2e-3 * (N / 1e5)^-0.5`: cannot be evaluated (Maximum call stack size exceeded); write a simpler value"
    ])
  })
})
