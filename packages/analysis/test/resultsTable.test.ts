import { describe, expect, it } from "vitest"
import { LawInputError } from "@scalelab/laws"
import { parseResultsTable } from "../src/index.ts"

const csv = (text: string, rename?: Record<string, string>) =>
  parseResultsTable(text, { file: "runs.csv", format: "csv", ...(rename === undefined ? {} : { rename }) })

const failure = (parse: () => unknown): string => {
  try {
    parse()
  } catch (error) {
    expect(error).toBeInstanceOf(LawInputError)
    return (error as Error).message
  }
  throw new Error("expected a LawInputError")
}

describe("parseResultsTable", () => {
  it("reads an optional params_total column (a mixture of experts' every parameter beside params, its active ones)", () => {
    const table = csv("params,params_total,tokens,loss\n1e8,4e8,2e9,3.1\n2e8,,1e9,3.2\n")
    expect(table.rows[0]).toMatchObject({ params: 1e8, params_total: 4e8 })
    expect(table.rows[1]?.params_total).toBeUndefined()
    expect(csv("params,tokens,loss\n1e8,2e9,3.1\n").rows[0]?.params_total).toBeUndefined()
    expect(failure(() => csv("params,params_total,tokens,loss\n1e8,5e7,2e9,3.1\n"))).toMatch(/runs\.csv:2: column "params_total".*below params/)
    expect(failure(() => csv("params,params_total,tokens,loss\n1e8,many,2e9,3.1\n"))).toMatch(/runs\.csv:2: column "params_total": "many" is not a number/)
  })

  it("derives the missing one of params, tokens, flops by C = 6ND", () => {
    const fromFlops = csv("params,flops,loss\n1e8,1.2e18,3.5\n")
    expect(fromFlops.derived).toBe("tokens")
    expect(fromFlops.rows[0]?.tokens).toBeCloseTo(2e9, 0)
    const fromParamsTokens = csv("params,tokens,loss,seed\n2e8,4e9,3.1,7\n")
    expect(fromParamsTokens.rows[0]).toEqual({ line: 2, params: 2e8, tokens: 4e9, flops: 4.8e18, loss: 3.1, seed: 7 })
    expect(csv("tokens,flops,loss\n5e9,6e18,3\n").rows[0]?.params).toBeCloseTo(2e8, 0)
  })

  it("completes the missing column by C = 6·N·D at Chinchilla's scale, whichever two are given", () => {
    for (const text of ["params,tokens,loss\n1e9,2e10,3\n", "params,flops,loss\n1e9,1.2e20,3\n", "tokens,flops,loss\n2e10,1.2e20,3\n"]) {
      const [row] = csv(text).rows
      expect(row?.params).toBeCloseTo(1e9, -1)
      expect((row?.tokens ?? 0) / 2e10).toBeCloseTo(1, 12)
      expect((row?.flops ?? 0) / 1.2e20).toBeCloseTo(1, 12)
    }
  })

  it("keeps all three when given, reads budget, and numbers rows by their line", () => {
    const table = csv("params,tokens,flops,loss,budget\n\n1e8,2e9,1.3e18,3.2,1e18\n\n2e8,1e9,1.3e18,3.3,1e18\n")
    expect(table.rows.map((row) => row.line)).toEqual([3, 5])
    expect(table.rows[0]?.flops).toBe(1.3e18)
    expect(table.has_budget).toBe(true)
    expect(table.derived).toBeUndefined()
  })

  it("renames columns (ours = theirs), including quoted headers with commas and spaces", () => {
    const table = csv('"Model Size","Training FLOP, total",loss\n"1e8",6e17,2.9\n', {
      params: "Model Size",
      flops: "Training FLOP, total"
    })
    expect(table.rows[0]).toMatchObject({ params: 1e8, tokens: 1e9, loss: 2.9 })
    expect(table.columns).toEqual(["Model Size", "Training FLOP, total", "loss"])
  })

  it("a quoted cell spanning lines keeps later rows on their own line numbers", () => {
    const text = 'note,params,tokens,loss\n"two\nlines",1e8,2e9,3\nok,-1,2e9,3\n'
    expect(failure(() => csv(text))).toContain('runs.csv:4: column "params"')
  })

  it("reads JSONL, numbers as numbers or strings", () => {
    const table = parseResultsTable('{"params": 1e8, "tokens": "2e9", "loss": 3}\n\n{"params": 2e8, "tokens": 1e9, "loss": 3.1}\n', {
      file: "runs.jsonl",
      format: "jsonl"
    })
    expect(table.rows.map((row) => [row.line, row.flops])).toEqual([[1, 1.2e18], [3, 1.2e18]])
  })

  it("names the file, the line and the column of a bad cell", () => {
    expect(failure(() => csv("params,tokens,loss\n1e8,2e9,3\n1e8,abc,3\n"))).toMatch(/^runs\.csv:3: column "tokens": "abc" is not a number/)
    expect(failure(() => csv("params,tokens,loss\n1e8,2e9,-3\n"))).toMatch(/^runs\.csv:2: column "loss": loss must be above 0, got -3/)
    expect(failure(() => csv("params,tokens,loss\n1e8,,3\n"))).toMatch(/^runs\.csv:2: column "tokens" is empty/)
    expect(failure(() => csv("N,tokens,loss\n0,2e9,3\n", { params: "N" }))).toMatch(/^runs\.csv:2: column "N" \(params\)/)
    expect(failure(() => csv("params,tokens,loss\n1e8,2e9\n"))).toMatch(/^runs\.csv:2: the row has 2 cells but the header has 3/)
    expect(failure(() => parseResultsTable('{"params": 1e8,\n', { file: "r.jsonl", format: "jsonl" }))).toMatch(/^r\.jsonl:1: not valid JSON/)
  })

  it("a missing column lists the columns present and suggests --map", () => {
    const message = failure(() => csv("Model Size,Training FLOP,loss\n1e8,1e18,3\n"))
    expect(message).toContain('no column "params" or "tokens" or "flops"')
    expect(message).toContain('"Model Size", "Training FLOP", "loss"')
    expect(message).toContain("--map")
    expect(failure(() => csv("params,tokens,loss\n1,2,3\n", { flops: "C" }))).toContain('no column "C"')
  })

  it("a table separated by semicolons or tabs is named as such, not as one odd column", () => {
    const semicolons = failure(() => csv("params;flops;loss\n1e8;1e18;3,1\n"))
    expect(semicolons).toContain('runs.csv:1: the header is one column, "params;flops;loss", that splits on semicolons')
    expect(semicolons).toContain("save the file with commas")
    expect(failure(() => csv("params\tflops\tloss\n1e8\t1e18\t3\n"))).toContain("splits on tabs")
  })
})
