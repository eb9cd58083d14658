import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { MAX_ALIAS_EXPANSION, parseYaml } from "../src/yamlValue.ts"

const valueOf = (text: string): unknown => {
  const parsed = parseYaml(text)
  if (Result.isFailure(parsed)) throw new Error(parsed.failure.map((problem) => problem.message).join("\n"))
  return parsed.success.value
}

const problemsOf = (text: string) => {
  const parsed = parseYaml(text)
  if (Result.isSuccess(parsed)) throw new Error("expected the text to be rejected")
  return parsed.failure
}

/** `levels` anchors, each a list of `width` aliases of the one before: width^levels values once expanded. */
const aliasBomb = (levels: number, width: number): string =>
  [
    `a0: &a0 [${Array(width).fill("lol").join(", ")}]`,
    ...Array.from({ length: levels - 1 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(width).fill(`*a${i}`).join(", ")}]`)
  ].join("\n")

describe("parseYaml", () => {
  it("expands aliases that repeat a value a few times", () => {
    expect(valueOf("base: &base { lr: 0.01, warmup: 0.1 }\ncopy: *base\nlist: [*base, *base]")).toEqual({
      base: { lr: 0.01, warmup: 0.1 },
      copy: { lr: 0.01, warmup: 0.1 },
      list: [{ lr: 0.01, warmup: 0.1 }, { lr: 0.01, warmup: 0.1 }]
    })
  })

  it("stops a nested alias bomb at the alias where it outgrows the bound, without expanding it", () => {
    // 40^40 values once expanded: only a walk that never expands them returns at all.
    const problems = problemsOf(aliasBomb(40, 40))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ line: 3, message: expect.stringContaining("aliases expand too far: with `*a1`") })
  })

  it("takes many aliases of one short value: the bound counts the values they repeat", () => {
    const aliases = Array(MAX_ALIAS_EXPANSION).fill("*x").join(", ")
    expect(valueOf(`one: &x 1\nmany: [${aliases}]`)).toMatchObject({ many: Array(MAX_ALIAS_EXPANSION).fill(1) })
    expect(problemsOf(`one: &x 1\nmany: [${aliases}, *x]`)[0]?.message).toContain("aliases expand too far")
  })

  it("reports an alias that refers to itself or to no anchor above it", () => {
    expect(problemsOf("a: &loop [1, *loop]").map((problem) => [problem.line, problem.column])).toEqual([[1, 14]])
    expect(problemsOf("a: *later\nb: &later 1")[0]?.message).toBe("alias `*later` repeats nothing: mark the value to repeat with `&later` above it")
  })

  it("reports a number too large for a double, and keeps `.inf` as the way to write infinity", () => {
    expect(problemsOf("a: 1e400\nb: [-1e999]").map(({ line, column, message }) => `${line}:${column} ${message.split(":")[0]}`)).toEqual([
      "1:4 `1e400` overflows",
      "2:5 `-1e999` overflows"
    ])
    expect(valueOf("bounds: [-.inf, .Inf]")).toEqual({ bounds: [-Infinity, Infinity] })
  })

  it("hints to quote a value that holds a colon, with the line's own key and value", () => {
    expect(problemsOf('name: say "hi": now  # a comment\n')[0]?.message).toBe(
      "YAML syntax error: Nested mappings are not allowed in compact mappings; " +
        'a value that holds `: ` must be quoted, e.g. `name: "say \\"hi\\": now"`'
    )
  })

  it("reports a flow list or map left open at its opening bracket, wherever the parser gave up", () => {
    const lines = ["name: x", "sweep:", "  budgets: [1e11,", ...Array.from({ length: 10 }, (_, i) => `    ${i + 2}e11,`), "  sizes_per_budget: 3"]
    expect(problemsOf(lines.join("\n"))).toEqual([{
      line: 3,
      column: 12,
      message: "YAML syntax error: this `[` is never closed; end the list with `]` (the parser gave up looking for it at line 14, column 3)"
    }])
    expect(problemsOf("{ name: x, sweep: { budgets: 1e12 }\n").map(({ line, column, message }) => `${line}:${column} ${message}`)).toEqual([
      "1:1 YAML syntax error: this `{` is never closed; end the map with `}` (the parser gave up looking for it at line 2, column 1)"
    ])
  })
})
