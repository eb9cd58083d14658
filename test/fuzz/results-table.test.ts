// Property: whatever a results table holds, reading it gives runs with finite, positive sizes and
// losses, or a LawInputError (exit 2) naming the file; it never throws anything else. And how a
// table is written (BOM, CRLF, quoting, trailing newline) never changes what is read from it.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { parseResultsTable, type ResultsTable } from "@scalelab/analysis"
import { numberText, oddText } from "./support/generators.ts"
import { checkProperty, stackTraceLine, timed } from "./support/property.ts"

const THIS_FILE = "test/fuzz/results-table.test.ts"
const FILE = "runs.csv"
const CASE_MS = 2_000

const columnName: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("params", "tokens", "flops", "loss", "budget", "seed", "run", "id", "task.cloze.nll", "task.cloze.acc") },
  { weight: 1, arbitrary: fc.constantFrom("Model Size", "Training FLOP", " params ", "PARAMS", "loss\"", "task..nll", "task.a.b.acc", "") },
  { weight: 1, arbitrary: oddText }
)

const cellValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: 1e-3, max: 1e25, noNaN: true }).map(String) },
  { weight: 3, arbitrary: numberText },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "\"\"", "a,b", "line\nbreak", "\"quoted\"", "1e400", "-1", "0", "1e300", "1e-320", "run-1") },
  { weight: 1, arbitrary: oddText }
)

interface Layout {
  readonly delimiter: string
  readonly newline: string
  readonly bom: boolean
  readonly trailingNewline: boolean
  readonly quoteAll: boolean
}

const layout: fc.Arbitrary<Layout> = fc.record({
  delimiter: fc.constantFrom(",", ",", ",", ";", "\t", "|"),
  newline: fc.constantFrom("\n", "\r\n", "\r"),
  bom: fc.boolean(),
  trailingNewline: fc.boolean(),
  quoteAll: fc.boolean()
})

const quoteCell = (cell: string): string => `"${cell.replaceAll("\"", "\"\"")}"`

/** RFC 4180 text of a table: cells quoted where they must be (or always), in the given layout. */
const writeTable = (rows: ReadonlyArray<ReadonlyArray<string>>, { delimiter, newline, bom, trailingNewline, quoteAll }: Layout): string => {
  const cell = (text: string) => quoteAll || /[",\r\n]/.test(text) || text.includes(delimiter) ? quoteCell(text) : text
  const body = rows.map((row) => row.map(cell).join(delimiter)).join(newline)
  return `${bom ? "\uFEFF" : ""}${body}${trailingNewline ? newline : ""}`
}

/** Headers a reader accepts (loss and two sizes, in any order, with extras), so that rows get read. */
const readableHeader: fc.Arbitrary<ReadonlyArray<string>> = fc.tuple(
  fc.subarray(["params", "tokens", "flops"], { minLength: 2 }),
  fc.array(columnName, { maxLength: 3 })
).chain(([sizes, extras]) => fc.shuffledSubarray(["loss", ...sizes, ...extras], { minLength: 3 + extras.length }))

/** Tables of any shape: random headers (duplicates included), ragged rows, odd cells. */
const anyTable: fc.Arbitrary<string> = fc.tuple(
  fc.oneof(fc.array(columnName, { minLength: 0, maxLength: 8 }), readableHeader),
  fc.array(fc.array(cellValue, { minLength: 0, maxLength: 9 }), { maxLength: 12 }),
  layout
).map(([header, rows, format]) => writeTable([header, ...rows], format))

const rawText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.constantFrom(..."params,tokens,flops,loss\n\r\"\uFEFF 0123456789.e-+".split("")), maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 100 })
)

/** The reader's property for one text read as `format`. */
const expectRunsOrLocatedError = (text: string, format: "csv" | "jsonl" = "csv"): ResultsTable | undefined => {
  const file = format === "csv" ? FILE : "runs.jsonl"
  const lineCount = text.split(/\r\n|\r|\n/).length
  const { value: outcome, ms } = timed(() => {
    try {
      return parseResultsTable(text, { file, format })
    } catch (error) {
      return error
    }
  })
  expect(ms, "reading time (ms)").toBeLessThan(CASE_MS)
  if (outcome instanceof Error) {
    expect((outcome as { _tag?: string })._tag, String(outcome.stack)).toBe("LawInputError")
    expect(outcome.message, "the message names the file").toContain(file)
    expect(outcome.message).not.toMatch(stackTraceLine)
    // "not a number" is for text that is none: 1e400 is a number, too large for a double.
    const [, called] = /: "(.*)" is not a number; write a plain number/s.exec(outcome.message) ?? []
    if (called !== undefined) expect(Number(called), `"${called}" is called not a number`).toBeNaN()
    return undefined
  }
  const table = outcome as ResultsTable
  for (const row of table.rows) {
    for (const field of ["params", "tokens", "flops", "loss"] as const) {
      expect(Number.isFinite(row[field]) && row[field] > 0, `${file}:${row.line} ${field} = ${row[field]} is finite and above 0`).toBe(true)
    }
    if (row.budget !== undefined) expect(Number.isFinite(row.budget) && row.budget > 0).toBe(true)
    if (row.seed !== undefined) expect(Number.isInteger(row.seed) && row.seed >= 0).toBe(true)
    expect(row.line).toBeGreaterThanOrEqual(format === "csv" ? 2 : 1)
    expect(row.line).toBeLessThanOrEqual(lineCount)
  }
  return table
}

const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.double(), fc.integer(), fc.constantFrom(null, true, false, "1e400", "", "3.5", [], {}, [1e8]), oddText, numberText
)

const anyJsonl: fc.Arbitrary<string> = fc.tuple(
  fc.array(fc.dictionary(columnName, jsonValue, { maxKeys: 7 }), { maxLength: 8 }),
  fc.constantFrom("\n", "\r\n"),
  fc.boolean()
).map(([objects, newline, bom]) => `${bom ? "\uFEFF" : ""}${objects.map((object) => JSON.stringify(object)).join(newline)}`)

/** A well-formed table: sizes and losses in realistic ranges, written plainly. */
const validRuns = fc.array(
  fc.record({
    params: fc.double({ min: 1e3, max: 1e12, noNaN: true }),
    tokens: fc.double({ min: 1e3, max: 1e13, noNaN: true }),
    loss: fc.double({ min: 0.5, max: 10, noNaN: true })
  }),
  { minLength: 1, maxLength: 10 }
)

const plainLayout: Layout = { delimiter: ",", newline: "\n", bom: false, trailingNewline: true, quoteAll: false }

describe("the results-table reader on generated tables", () => {
  it("reads runs or names the file for any CSV", async () => {
    await checkProperty(THIS_FILE, anyTable, (text) => void expectRunsOrLocatedError(text), 3_000)
  })

  it("reads runs or names the file for arbitrary text", async () => {
    await checkProperty(THIS_FILE, rawText, (text) => void expectRunsOrLocatedError(text), 1_500)
  })

  it("reads runs or names the file for any JSONL", async () => {
    await checkProperty(THIS_FILE, anyJsonl, (text) => void expectRunsOrLocatedError(text, "jsonl"), 1_500)
  })

  it("reads the same runs whatever the layout (BOM, CRLF, quoting, trailing newline)", async () => {
    const variant = layout.filter((format) => format.delimiter === ",")
    await checkProperty(THIS_FILE, fc.tuple(validRuns, variant), ([runs, format]) => {
      const rows = [["params", "tokens", "loss"], ...runs.map((run) => [run.params, run.tokens, run.loss].map(String))]
      const plain = expectRunsOrLocatedError(writeTable(rows, plainLayout))
      const varied = expectRunsOrLocatedError(writeTable(rows, format))
      expect(plain?.rows.map(({ params, tokens, loss }) => ({ params, tokens, loss }))).toEqual(runs)
      expect(varied?.rows.map(({ params, tokens, flops, loss }) => ({ params, tokens, flops, loss })))
        .toEqual(plain?.rows.map(({ params, tokens, flops, loss }) => ({ params, tokens, flops, loss })))
      expect(varied?.columns).toEqual(plain?.columns)
    }, 1_000)
  })
})
