// User YAML (a spec, a law file) to a plain value without ever throwing: every problem the text has
// before its meaning is checked comes back located at a line and column, worded for its usual cause.
import { Result } from "effect"
import { type Document, isAlias, isCollection, isNode, isPair, isScalar, LineCounter, type Node, parseDocument, type Scalar, visit, type YAMLError } from "yaml"
import { abbreviate } from "./abbreviate.ts"
import { BEYOND_LARGEST_NUMBER } from "./beyondLargestNumber.ts"
import { type LinePosition, positionOf } from "./yamlLocation.ts"

export interface YamlProblem extends LinePosition {
  readonly message: string
}

export interface ParsedYaml {
  /** The document's top node; null when the text holds nothing. */
  readonly root: Node | null
  /** The plain value, aliases expanded. */
  readonly value: unknown
  readonly lineCounter: LineCounter
}

/**
 * How many values aliases may repeat in one document. A spec repeats a handful; anchors that alias
 * each other nest into exponential growth ("billion laughs") and cross this long before it costs time.
 */
export const MAX_ALIAS_EXPANSION = 10_000

const CLOSERS: Readonly<Record<string, { readonly closer: string; readonly what: string }>> = {
  "[": { closer: "]", what: "list" },
  "{": { closer: "}", what: "map" }
}

/**
 * The flow collection (`[...]`, `{...}`) left open where the parser gave up at `offset`: the parser
 * reports the end of the text it took in, but the fix belongs at the bracket that never closed.
 */
const unclosedFlowAt = (document: Document, text: string, offset: number) => {
  let found: { readonly node: Node; readonly opener: string; readonly closer: string; readonly what: string } | undefined
  visit(document, {
    Collection: (_key, node) => {
      const [start, end] = node.range ?? [-1, -1]
      const opener = text[start] ?? ""
      const brackets = CLOSERS[opener]
      if (node.flow === true && end === offset && brackets !== undefined && text[end - 1] !== brackets.closer) {
        found = { node, opener, ...brackets }
        return visit.BREAK
      }
      return undefined
    }
  })
  return found
}

/**
 * `key: a: b` reads as a map inside a one-line value, always by mistake: the value holds a colon and
 * needs quotes. The hint, with the line's own key and value; undefined when the value has no `: `.
 */
const quoteHint = (text: string, offset: number): string | undefined => {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1
  const lineEnd = text.indexOf("\n", offset)
  const value = text.slice(offset, lineEnd === -1 ? text.length : lineEnd).replace(/\s+#.*$/, "").trim()
  if (!/:(\s|$)/.test(value)) return undefined
  const key = text.slice(lineStart, offset).trim()
  return `a value that holds \`: \` must be quoted, e.g. \`${abbreviate(`${key} "${value.replaceAll('"', '\\"')}"`)}\``
}

const syntaxProblem = (error: YAMLError, document: Document, text: string, lineCounter: LineCounter): YamlProblem => {
  const offset = error.pos[0]
  const at = (position: LinePosition, message: string): YamlProblem => ({ ...position, message })
  const { line, col } = lineCounter.linePos(offset)
  const here = { line, column: col }
  switch (error.code) {
    case "DUPLICATE_KEY":
      return at(here, "duplicate key: each key may appear only once in a map; remove or rename one of them")
    case "BLOCK_AS_IMPLICIT_KEY": {
      const hint = quoteHint(text, offset)
      return at(here, `YAML syntax error: ${error.message}${hint === undefined ? "" : `; ${hint}`}`)
    }
    case "BAD_INDENT":
    case "MISSING_CHAR": {
      const unclosed = unclosedFlowAt(document, text, offset)
      if (unclosed === undefined) return at(here, `YAML syntax error: ${error.message}`)
      return at(
        positionOf(unclosed.node, lineCounter),
        `YAML syntax error: this \`${unclosed.opener}\` is never closed; end the ${unclosed.what} with \`${unclosed.closer}\` ` +
          `(the parser gave up looking for it at line ${line}, column ${col})`
      )
    }
    default:
      return at(here, `YAML syntax error: ${error.message}`)
  }
}

/** A plain number too large for a double reads as infinity; `.inf` is the one way to mean it. */
const overflows = (node: Scalar): boolean =>
  typeof node.value === "number" && Math.abs(node.value) === Infinity && !/^[-+]?\.(inf|Inf|INF)$/.test(node.source ?? "")

/**
 * What the text means but cannot be turned into a value: an alias with no anchor before it, aliases
 * that repeat too much, a number that overflows. Walks the document once, in document order, sizing
 * each anchored value with its aliases expanded, so a bomb is caught without being expanded.
 */
const valueProblems = (root: Node, lineCounter: LineCounter): ReadonlyArray<YamlProblem> => {
  const problems: Array<YamlProblem> = []
  const at = (node: Node, message: string) => problems.push({ ...positionOf(node, lineCounter), message })
  const anchorSizes = new Map<string, number>()
  let repeated = 0
  const sizeOf = (node: unknown): number => {
    if (repeated > MAX_ALIAS_EXPANSION) return 0
    if (isPair(node)) {
      // `? [a, b]` makes a list or map a key; no spec field is named so, and turning it into a
      // name would print it over several lines (and the yaml package warns on the console).
      if (isCollection(node.key)) at(node.key, "a key must be a name, not a list or map (`? [...]` or `? {...}`); write the field's name")
      return sizeOf(node.key) + sizeOf(node.value)
    }
    if (isAlias(node)) {
      const size = anchorSizes.get(node.source)
      if (size === undefined) {
        at(node, `alias \`*${node.source}\` repeats nothing: mark the value to repeat with \`&${node.source}\` above it`)
        return 1
      }
      repeated += size
      if (repeated > MAX_ALIAS_EXPANSION) {
        at(node, `aliases expand too far: with \`*${node.source}\` they repeat more than ${MAX_ALIAS_EXPANSION.toLocaleString("en")} ` +
          "values (aliases of anchors that hold aliases multiply); write the values out or nest fewer aliases")
      }
      return size
    }
    let size = 1
    if (isCollection(node)) for (const item of node.items) size += sizeOf(item)
    if (isScalar(node) && overflows(node)) {
      at(node, `\`${abbreviate(node.source ?? "")}\` overflows: its magnitude is ${BEYOND_LARGEST_NUMBER}; write a smaller number`)
    }
    if (isNode(node) && node.anchor !== undefined) anchorSizes.set(node.anchor, size)
    return size
  }
  sizeOf(root)
  return problems
}

/** Parses one YAML document (keys unique) to a plain value, or every problem found, located. */
export const parseYaml = (text: string): Result.Result<ParsedYaml, ReadonlyArray<YamlProblem>> => {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  if (document.errors.length > 0) {
    return Result.fail(document.errors.map((error) => syntaxProblem(error, document, text, lineCounter)))
  }
  const root = document.contents
  if (root === null) return Result.succeed({ root, value: null, lineCounter })
  const problems = valueProblems(root, lineCounter)
  if (problems.length > 0) return Result.fail(problems)
  // Aliases are bounded above, by what they expand to rather than by how many there are.
  return Result.succeed({ root, value: document.toJS({ maxAliasCount: -1 }), lineCounter })
}
