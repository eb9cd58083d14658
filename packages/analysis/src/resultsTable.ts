import { flopsPerParamToken, LawInputError, sixNDFlops } from "@scalelab/laws"

export type ResultsTableFormat = "csv" | "jsonl"

/** One run of a results table; params, tokens and flops are all present (the missing one derived by C = 6·N·D). */
export interface ResultsRow {
  /** The line of the file the row starts on (1-based), for messages. */
  readonly line: number
  /** N: for a mixture of experts, its active parameters. */
  readonly params: number
  /** Every parameter of a mixture of experts (column `params_total`, optional: dense runs' is params). */
  readonly params_total?: number
  readonly tokens: number
  readonly flops: number
  readonly loss: number
  readonly budget?: number
  readonly seed?: number
  /** The run the row belongs to (column `run`, else `id`): several rows of one run form its training curve. */
  readonly run?: string
  /** Downstream scores from the `task.<name>.nll` and `task.<name>.acc` columns, by task name. */
  readonly tasks?: Readonly<Record<string, TaskScores>>
}

export interface TaskScores {
  readonly nll?: number
  readonly acc?: number
}

export interface ResultsTable {
  readonly rows: ReadonlyArray<ResultsRow>
  /** The columns of the file, as written there (before renaming). */
  readonly columns: ReadonlyArray<string>
  /** The one of params, tokens, flops the file lacked and C = 6·N·D supplied, if any. */
  readonly derived: "params" | "tokens" | "flops" | undefined
  readonly has_budget: boolean
  /** The tasks named by `task.<name>.nll` / `task.<name>.acc` columns, in column order. */
  readonly tasks: ReadonlyArray<string>
}

export interface ResultsTableOptions {
  /** Names the file in every message. */
  readonly file: string
  readonly format: ResultsTableFormat
  /** Our column name → the file's column name (`params: "Model Size"`). */
  readonly rename?: Readonly<Record<string, string>>
}

type Field = "params" | "tokens" | "flops" | "loss" | "budget" | "seed" | "params_total"
const sizeFields = ["params", "tokens", "flops"] as const
const knownFields: ReadonlyArray<Field> = [...sizeFields, "loss", "budget", "seed", "params_total"]
// Columns a row may leave empty ("not recorded").
const optionalCells: ReadonlySet<Field> = new Set(["seed", "params_total"])


interface RawRecord {
  readonly line: number
  readonly cell: (column: string) => string | undefined
}

/**
 * RFC 4180 records: quoted cells may hold commas, doubled quotes and line breaks, so a record's
 * line is where it starts, not its index. A line ends at LF, CRLF or a lone CR (spreadsheets on
 * old Macs write CR alone).
 */
const csvRecords = (text: string, file: string): Array<{ readonly line: number; readonly cells: string[] }> => {
  const records: Array<{ line: number; cells: string[] }> = []
  let cells: string[] = []
  let cell = ""
  let quoted = false
  let line = 1
  let recordLine = 1
  const endRecord = () => {
    cells.push(cell)
    if (cells.length > 1 || cells[0]?.trim() !== "") records.push({ line: recordLine, cells })
    cells = []
    cell = ""
  }
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (char === '"') {
        quoted = false
      } else {
        if (char === "\n" || (char === "\r" && text[i + 1] !== "\n")) line++
        cell += char
      }
    } else if (char === '"') {
      quoted = true
    } else if (char === ",") {
      cells.push(cell)
      cell = ""
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[i + 1] === "\n") i++
      endRecord()
      line++
      recordLine = line
    } else {
      cell += char
    }
  }
  if (quoted) throw new LawInputError(`${file}:${recordLine}: a quoted cell is never closed; add the closing "`)
  endRecord()
  return records
}

// Separators of other spreadsheet exports: a header with no comma that holds one of these was written with it.
const otherSeparators = [{ char: ";", name: "semicolon" }, { char: "\t", name: "tab" }] as const

const parseCsv = (text: string, file: string): { columns: string[]; records: RawRecord[] } => {
  const [header, ...body] = csvRecords(text, file)
  if (header === undefined) throw new LawInputError(`${file}: the file is empty; a results table needs a header line and one row per run`)
  const columns = header.cells.map((name) => name.trim())
  const [only] = columns
  const separator = columns.length === 1 && only !== undefined ? otherSeparators.find(({ char }) => only.includes(char)) : undefined
  if (separator !== undefined) {
    throw new LawInputError(
      `${file}:${header.line}: the header is one column, "${only}", that splits on ${separator.name}s: scalelab reads comma-separated ` +
        `tables; save the file with commas between cells (and points, not commas, as decimal marks)`
    )
  }
  const records = body.map(({ line, cells }): RawRecord => {
    if (cells.length !== columns.length) {
      throw new LawInputError(`${file}:${line}: the row has ${cells.length} cells but the header has ${columns.length} columns; fix the row`)
    }
    return { line, cell: (column) => cells[columns.indexOf(column)] }
  })
  return { columns, records }
}

const parseJsonl = (text: string, file: string): { columns: string[]; records: RawRecord[] } => {
  const records: RawRecord[] = []
  let columns: string[] | undefined
  text.split("\n").forEach((source, index) => {
    const line = index + 1
    if (source.trim() === "") return
    let value: unknown
    try {
      value = JSON.parse(source)
    } catch (error) {
      throw new LawInputError(`${file}:${line}: not valid JSON (${(error as Error).message}); each line must be one JSON object`)
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new LawInputError(`${file}:${line}: each line must be one JSON object like {"params": 1e8, "tokens": 2e9, "loss": 3.1}`)
    }
    const object = value as Record<string, unknown>
    columns ??= Object.keys(object)
    records.push({
      line,
      cell: (column) => {
        const cell = object[column]
        return cell === undefined || cell === null ? undefined : typeof cell === "object" ? JSON.stringify(cell) : String(cell)
      }
    })
  })
  if (columns === undefined) throw new LawInputError(`${file}: the file is empty; a results table needs one JSON object per run`)
  return { columns, records }
}

const cellText = (record: RawRecord, column: string): string | undefined => {
  return record.cell(column)?.trim()
}

const numberIn = (record: RawRecord, column: string, field: Field, file: string): number => {
  const text = cellText(record, column)
  const where = `${file}:${record.line}: column "${column}"${column === field ? "" : ` (${field})`}`
  if (text === undefined || text === "") {
    throw new LawInputError(`${where} is empty; every run needs a value there: fill it in or remove the row`)
  }
  const value = Number(text)
  if (Number.isNaN(value)) throw new LawInputError(`${where}: "${text}" is not a number; write a plain number like 1.5e9`)
  if (!Number.isFinite(value)) {
    throw new LawInputError(`${where}: "${text}" is out of range: numbers run to about 1.8e308; check the cell (its unit) or remove the row`)
  }
  if (field === "seed" ? !Number.isInteger(value) || value < 0 : value <= 0) {
    const wanted = field === "seed" ? "a whole number of at least 0" : "above 0"
    throw new LawInputError(`${where}: ${field} must be ${wanted}, got ${text}; fix or remove the row`)
  }
  return value
}

/** The two of N, D, C the table gives, completed by C = 6·N·D. */
const deriveSizes = (
  params: number | undefined,
  tokens: number | undefined,
  flops: number | undefined
): { params: number; tokens: number; flops: number } => {
  if (params !== undefined && tokens !== undefined) return { params, tokens, flops: flops ?? sixNDFlops(params, tokens) }
  if (params !== undefined && flops !== undefined) return { params, tokens: flops / (flopsPerParamToken * params), flops }
  if (tokens !== undefined && flops !== undefined) return { params: flops / (flopsPerParamToken * tokens), tokens, flops }
  // resolveColumns has already required two of the three columns.
  throw new Error("deriveSizes needs two of params, tokens, flops")
}

/**
 * deriveSizes, where the derived size must be a number a fit can use: C = 6·N·D past 1.8e308 or
 * below 5e-324 would otherwise read as Infinity or 0.
 */
const completeSizes = (
  record: RawRecord,
  file: string,
  given: { params: number | undefined; tokens: number | undefined; flops: number | undefined }
): { params: number; tokens: number; flops: number } => {
  const sizes = deriveSizes(given.params, given.tokens, given.flops)
  for (const field of sizeFields) {
    if (given[field] === undefined && !(Number.isFinite(sizes[field]) && sizes[field] > 0)) {
      throw new LawInputError(
        `${file}:${record.line}: ${field} derived by C = 6·N·D is ${sizes[field]}, outside the range of numbers scalelab computes with; ` +
          "check the row's other sizes (their units) or give the column"
      )
    }
  }
  return sizes
}

const resolveColumns = (
  columns: ReadonlyArray<string>,
  rename: Readonly<Record<string, string>>,
  file: string
): Map<Field, string> => {
  const present = (name: string) => columns.includes(name)
  const listed = columns.map((name) => `"${name}"`).join(", ")
  for (const [field, source] of Object.entries(rename)) {
    if (!(knownFields as ReadonlyArray<string>).includes(field)) {
      throw new LawInputError(`column map: "${field}" is not a column scalelab reads; map onto ${knownFields.join(", ")}`)
    }
    if (!present(source)) {
      throw new LawInputError(`${file}: column map ${field}="${source}", but the file has no column "${source}"; its columns are ${listed}`)
    }
  }
  const resolved = new Map<Field, string>()
  for (const field of knownFields) {
    const source = rename[field] ?? field
    if (present(source)) resolved.set(field, source)
  }
  const missing = [
    ...(resolved.has("loss") ? [] : ["loss"]),
    ...(sizeFields.filter((field) => resolved.has(field)).length >= 2 ? [] : sizeFields.filter((field) => !resolved.has(field)))
  ]
  if (missing.length > 0) {
    throw new LawInputError(
      `${file}: no column ${missing.map((name) => `"${name}"`).join(" or ")}; a results table needs loss and two of params, tokens, flops. ` +
        `The file's columns are ${listed}: map yours onto these names with --map, e.g. --map params="Model Size",flops="Training FLOP"`
    )
  }
  return resolved
}

const taskColumn = /^task\.(.+)\.(nll|acc)$/
const runColumns = ["run", "id"]

/** A task score: NLL a finite number of at least 0, accuracy a fraction in [0, 1]; empty means not evaluated. */
const scoreIn = (record: RawRecord, column: string, score: "nll" | "acc", file: string): number | undefined => {
  const text = cellText(record, column) ?? ""
  if (text === "") return undefined
  const value = Number(text)
  const valid = score === "nll" ? Number.isFinite(value) && value >= 0 : value >= 0 && value <= 1
  if (!valid) {
    const wanted = score === "nll" ? "a finite number of at least 0" : "a fraction between 0 and 1"
    throw new LawInputError(`${file}:${record.line}: column "${column}": must be ${wanted}, got "${text}"; fix the cell or leave it empty`)
  }
  return value
}

const tasksIn = (record: RawRecord, columns: ReadonlyArray<string>, file: string): Record<string, TaskScores> => {
  const tasks: Record<string, TaskScores> = {}
  for (const column of columns) {
    const match = taskColumn.exec(column)
    const [name, score] = [match?.[1], match?.[2] as "nll" | "acc" | undefined]
    if (name === undefined || score === undefined) continue
    const value = scoreIn(record, column, score, file)
    if (value !== undefined) tasks[name] = { ...tasks[name], [score]: value }
  }
  return tasks
}

/**
 * Parses a results table (CSV with a header line, or JSONL with one object per run) into runs.
 * Any two of params, tokens and flops give the third by C = 6·N·D; a bad cell throws a
 * LawInputError naming FILE:LINE and the column. A `run` (or `id`) column ties rows to runs, and
 * `task.<name>.nll` / `task.<name>.acc` columns carry downstream scores.
 */
export const parseResultsTable = (text: string, options: ResultsTableOptions): ResultsTable => {
  const { file } = options
  // A byte-order mark (spreadsheets on Windows write one) is not part of the first column's name.
  const content = text.startsWith("\uFEFF") ? text.slice(1) : text
  const { columns, records } = options.format === "csv" ? parseCsv(content, file) : parseJsonl(content, file)
  const resolved = resolveColumns(columns, options.rename ?? {}, file)
  const derived = sizeFields.find((field) => !resolved.has(field))
  const runColumn = runColumns.find((name) => columns.includes(name))
  const tasks = [...new Set(columns.flatMap((column) => taskColumn.exec(column)?.[1] ?? []))]
  const rows = records.map((record): ResultsRow => {
    const read = (field: Field): number | undefined => {
      const column = resolved.get(field)
      // A seed or a total is optional per row: an empty cell means "not recorded".
      if (column === undefined || (optionalCells.has(field) && (cellText(record, column) ?? "") === "")) return undefined
      return numberIn(record, column, field, file)
    }
    const budget = read("budget")
    const seed = read("seed")
    const sizes = completeSizes(record, file, { params: read("params"), tokens: read("tokens"), flops: read("flops") })
    const paramsTotal = read("params_total")
    if (paramsTotal !== undefined && paramsTotal < sizes.params) {
      throw new LawInputError(
        `${file}:${record.line}: column "${resolved.get("params_total")}" (params_total): ${paramsTotal} is below params (${sizes.params}); ` +
          "params_total counts every parameter, params the active ones (all of them for a dense model): fix the cell or leave it empty"
      )
    }
    const run = runColumn === undefined ? "" : cellText(record, runColumn) ?? ""
    const scores = tasksIn(record, columns, file)
    return {
      line: record.line,
      ...sizes,
      ...(paramsTotal === undefined ? {} : { params_total: paramsTotal }),
      loss: numberIn(record, resolved.get("loss") ?? "loss", "loss", file),
      ...(budget === undefined ? {} : { budget }),
      ...(seed === undefined ? {} : { seed }),
      ...(run === "" ? {} : { run }),
      ...(Object.keys(scores).length === 0 ? {} : { tasks: scores })
    }
  })
  if (rows.length === 0) throw new LawInputError(`${file}: the table has a header but no rows; add one row per finished run`)
  return { rows, columns, derived, has_budget: resolved.has("budget"), tasks }
}
