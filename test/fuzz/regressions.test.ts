// Every input the fuzz suite has found to break a property, as a plain case with the concrete input,
// so that a fix stays fixed whatever the generators draw next.
import { Result } from "effect"
import { rmSync } from "node:fs"
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest"
import { parseResultsTable } from "@scalelab/analysis"
import { decodeSpecText, evaluateNumberList, ExpressionError, SpecError } from "../../packages/spec/src/index.ts"
import { stackTraceLine } from "./support/property.ts"
import { filesIn, makeWorkspace, resetWorkspace, runInProcess } from "./support/workspace.ts"

const specIssues = (text: string): string => {
  const result = decodeSpecText(text, "fuzz.yaml")
  if (Result.isSuccess(result)) throw new Error("expected the spec to be refused")
  expect(result.failure).toBeInstanceOf(SpecError)
  return result.failure.message
}

const tableError = (text: string, format: "csv" | "jsonl" = "csv"): string => {
  try {
    parseResultsTable(text, { file: "runs.csv", format })
  } catch (error) {
    expect((error as { _tag?: string })._tag).toBe("LawInputError")
    return (error as Error).message
  }
  throw new Error("expected the table to be refused")
}

describe("spec loader", () => {
  it("an alias without its anchor (`name: *a`) is a located issue, not a ReferenceError", () => {
    expect(specIssues("name: *a\n")).toMatch(/^fuzz\.yaml:1:7: .*alias/)
  })

  it("a YAML alias bomb is a located issue, not a ReferenceError", () => {
    const bomb = Array.from({ length: 9 }, (_, level) =>
      `l${level}: &l${level} [${Array(9).fill(level === 0 ? "lol" : `*l${level - 1}`).join(", ")}]`).join("\n")
    expect(specIssues(`name: bomb\n${bomb}\n`)).toMatch(/^fuzz\.yaml:\d+:\d+: /)
  })

  it("a long complex key is refused at the key, on one line", () => {
    const message = specIssues(`? [${Array(20).fill("abcdef").join(", ")}]\n: 1\nname: x\n`)
    expect(message).toMatch(/^fuzz\.yaml:1:3: a key must be a name, not a list or map/)
    expect(message).not.toContain("\n")
  })

  it("a complex key prints no Node warning", () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined)
    try {
      specIssues("? [a, b]\n: 1\nname: x\n")
      expect(warn).not.toHaveBeenCalled()
    } finally {
      warn.mockRestore()
    }
  })

  it("1e400 is called too large, not `expected a positive number`", () => {
    expect(specIssues("name: x\nsweep: { budgets: [1e400], sizes_per_budget: 3 }\n")).toMatch(/^fuzz\.yaml:2:20: .*(finite|too large|out of range)/)
  })
})

describe("expression sandbox", () => {
  const longSum = Array(3_400).fill("N").join(" + ")

  it("an expression written over several lines is quoted on one line, so its issue is one line", () => {
    const message = specIssues("name: x\ntraining:\n  lr: 1 / (N - 1e6)\n\n   - [1]\n")
    expect(message).toMatch(/^fuzz\.yaml:3:\d+: /)
    expect(message).not.toContain("\n")
  })

  it("a 3,400-term sum is an ExpressionError, not a stack overflow", () => {
    const result = evaluateNumberList(longSum, { N: 1 })
    expect(Result.isFailure(result) ? result.failure : result.success).toBeInstanceOf(ExpressionError)
  })

  it("a 12,000-term learning rate in a spec is a located issue, not a defect", () => {
    const lr = Array(12_000).fill("N").join(" + ")
    expect(specIssues(`name: x\nsweep: { budgets: [1e10], sizes_per_budget: 3 }\ntraining: { lr: ${lr} }\n`)).toMatch(/^fuzz\.yaml:3:\d+: /)
  })
})

describe("results-table reader", () => {
  it("an unclosed quote names the file and line", () => {
    expect(tableError('"')).toBe('runs.csv:1: a quoted cell is never closed; add the closing "')
  })

  it("lines ending in a lone CR (old Mac spreadsheets) are lines", () => {
    const table = parseResultsTable("params,tokens,loss\r1000,1000,0.5\r2000,1000,0.4", { file: "runs.csv", format: "csv" })
    expect(table.rows.map(({ line, params, loss }) => ({ line, params, loss }))).toEqual([
      { line: 2, params: 1000, loss: 0.5 },
      { line: 3, params: 2000, loss: 0.4 }
    ])
  })

  it("a byte-order mark is not part of the first column's name", () => {
    const csv = parseResultsTable("\uFEFFparams,tokens,loss\n1000,1000,0.5\n", { file: "runs.csv", format: "csv" })
    expect(csv.columns).toEqual(["params", "tokens", "loss"])
    const jsonl = parseResultsTable('\uFEFF{"params": 1000, "tokens": 1000, "loss": 0.5}\n', { file: "runs.jsonl", format: "jsonl" })
    expect(jsonl.rows[0]?.params).toBe(1000)
  })

  it("a derived size that underflows to 0 is refused, naming the row and the size", () => {
    expect(tableError("run,loss,flops,params\n0,0.001,5e-324,1")).toMatch(/^runs\.csv:2: tokens derived by C = 6·N·D is 0, /)
  })

  it("a derived size that overflows to Infinity is refused, naming the row and the size", () => {
    expect(tableError("params,tokens,loss\n1e300,1e300,3\n")).toMatch(/^runs\.csv:2: flops derived by C = 6·N·D is Infinity, /)
  })

  it("1e400 is called out of range, not `not a number`", () => {
    const message = tableError("params,tokens,loss\n1e400,1e9,3\n")
    expect(message).toMatch(/^runs\.csv:2: column "params": "1e400" is out of range/)
    expect(message).not.toContain("not a number")
  })
})

describe("command-line flags", () => {
  const dir = makeWorkspace()
  const original = filesIn(dir)
  beforeEach(() => resetWorkspace(dir))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const refused = async (args: ReadonlyArray<string>) => {
    const outcome = await runInProcess(args, dir)
    expect(outcome.output).not.toMatch(stackTraceLine)
    expect(filesIn(dir)).toEqual(original)
    expect(outcome.code, outcome.output).toBe(2)
    return outcome.output
  }

  it("fit --bootstrap -1 is refused", async () => {
    await refused(["fit", "runs.csv", "--method", "isoflop", "--bootstrap", "-1"])
  })

  it("forecast --seed -1 is refused", async () => {
    await refused(["forecast", "--from", "runs.csv", "--params", "1e9", "--json", "--seed", "-1"])
  })

  it("fit --compute 0 is refused", async () => {
    await refused(["fit", "runs.csv", "--method", "isoflop", "--compute", "0"])
  })

  it("forecast --compute 5e-324 is refused rather than printing params 0 and NaN", async () => {
    expect(await refused(["forecast", "--law", "chinchilla", "--compute", "5e-324"])).not.toMatch(/\bNaN\b/)
  })

  // Before the fix it exited 1 after the whole fit.
  it("report --out naming an existing file is refused as bad input", async () => {
    await refused(["report", "runs.csv", "--out", "runs.csv"])
  })

  // Before the fix it exits 0 and writes cache/throughput.json into the working folder.
  it("plan --store '' is refused and writes nothing", async () => {
    await refused(["plan", "spec.yaml", "--store", ""])
  })

  // Before the fix it ran for hours (a hundred million parametric refits).
  it("fit --bootstrap 100000000 is refused rather than running for hours", async () => {
    await refused(["fit", "runs.csv", "--method", "parametric", "--bootstrap", "100000000"])
  })
})
