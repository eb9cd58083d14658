// Hostile values shared by the fuzz properties: numbers at and past the edges of a double,
// strange strings, and YAML that nests, aliases and breaks in the ways users' files do.
import fc from "fast-check"

/** Numbers as a user might type them, valid or not: huge, tiny, negative, non-finite, malformed. */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "0", "-0", "1", "-1", "0.5", "-5", "1e400", "-1e400", "1e-400", "1e308", "1.8e308", "5e-324", "9007199254740993",
    "NaN", "nan", "-NaN", "Infinity", "-Infinity", "inf", ".inf", "-.inf", ".nan", "0x10", "0o17", "0b101", "1_000",
    "1e", "e5", "--1", "+1", ".", "-", "1.2.3", "1e10.5", "１２", "9".repeat(400), `0.${"0".repeat(400)}1`
  ),
  fc.double().map(String),
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String)
)

/** Strings that stress printing and matching: long, empty, control characters, every plane of Unicode. */
export const oddText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("", " ", "\t", "\u0000", "\uFEFF", "\u202E", "é", "名前", "😀", "\ud800", "a".repeat(10_000), "../../etc/passwd", "~", "-", "--"),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 })
)

/** YAML scalars and small structures that a value position might receive. */
export const yamlValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: numberText },
  { weight: 2, arbitrary: oddText.map((text) => JSON.stringify(text)) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "true", "false", "yes", "null", "~", "[]", "{}", "[1, 2, 3]", "{a: 1}", "[[[[[[[[1]]]]]]]]", "{a: {b: {c: [1, {d: 2}]}}}",
      "&anchor [1, 2]", "*anchor", "*missing", "!!binary aGVsbG8=", "!!js/function 'return 1'", "!custom 3", "!!int 3.5",
      "!!float x", "|\n  block", ">-\n  folded", "[1, 2", "{a: 1", "'unclosed", "\"unclosed", "- - -", "? complex\n: key",
      "logspace(1e10, 1e11, 3)", "1e-2 * (N / 1e4)^-0.25", "D / 400", "import('fs')", "evaluate(\"1\")", "f(x) = x",
      "x = 1", "2 ^ 2 ^ 2 ^ 2 ^ 2 ^ 2", "1/0", "sqrt(-1)", "logspace(1, 400, 3)", "linspace(0, 1, 100000)", "6N", "auto"
    )
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 200 }).map((depth) => `${"[".repeat(depth)}1${"]".repeat(depth)}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 200 }).map((depth) => `${"{a: ".repeat(depth)}1${"}".repeat(depth)}`) }
)

/** Billion-laughs YAML: each level a list of `width` aliases to the level before. */
const aliasBomb: fc.Arbitrary<string> = fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 12 })).map(([levels, width]) =>
  Array.from({ length: levels }, (_, level) =>
    `bomb${level}: &l${level} [${Array(width).fill(level === 0 ? "lol" : `*l${level - 1}`).join(", ")}]`).join("\n"))

/** Lines that break a YAML document's structure. */
const brokenLine: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "\t", "\tname: x", "  - ", ": no key", "key:value", "key: [unclosed", "key: {unclosed", "---", "...", "%YAML 1.2", "%TAG ! x",
    "&a", "*a", "? ", "- item", "  nested: 1", "      deeper: 2", "name: dup", "<<: *a", "<<: {a: 1}", "# comment", "\uFEFF",
    "a: &x [1]\nb: *x", "\r", "key: 'it''s'", "key: \"\\u00\""
  ),
  aliasBomb,
  fc.tuple(fc.nat({ max: 8 }), fc.stringMatching(/^[a-z_]{1,12}$/), yamlValue).map(
    ([indent, key, value]) => `${" ".repeat(indent)}${key}: ${value}`
  )
)

/** One way to damage a spec's text; each keeps the rest of the file as it was. */
type Mutation =
  | { readonly kind: "delete"; readonly at: number }
  | { readonly kind: "duplicate"; readonly at: number }
  | { readonly kind: "swap"; readonly at: number; readonly with: number }
  | { readonly kind: "value"; readonly at: number; readonly value: string }
  | { readonly kind: "insert"; readonly at: number; readonly line: string }
  | { readonly kind: "indent"; readonly at: number; readonly by: number }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "character"; readonly at: number; readonly text: string }
  | { readonly kind: "bom" }
  | { readonly kind: "crlf" }
  | { readonly kind: "tabs" }

const position = fc.nat({ max: 10_000 })

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  position.map((at) => ({ kind: "delete" as const, at })),
  position.map((at) => ({ kind: "duplicate" as const, at })),
  fc.tuple(position, position).map(([at, other]) => ({ kind: "swap" as const, at, with: other })),
  { weight: 4, arbitrary: fc.tuple(position, yamlValue).map(([at, value]) => ({ kind: "value" as const, at, value })) },
  { weight: 2, arbitrary: fc.tuple(position, brokenLine).map(([at, line]) => ({ kind: "insert" as const, at, line })) },
  fc.tuple(position, fc.integer({ min: -4, max: 4 })).map(([at, by]) => ({ kind: "indent" as const, at, by })),
  position.map((at) => ({ kind: "truncate" as const, at })),
  fc.tuple(position, fc.constantFrom("[", "]", "{", "}", ":", "-", "\"", "'", "&", "*", "!", "|", ">", "#", "\t", "\u0000", "%", "@", "`"))
    .map(([at, text]) => ({ kind: "character" as const, at, text })),
  fc.constant({ kind: "bom" as const }),
  fc.constant({ kind: "crlf" as const }),
  fc.constant({ kind: "tabs" as const })
)

const applyMutation = (text: string, change: Mutation): string => {
  const lines = text.split("\n")
  const line = (at: number) => at % Math.max(1, lines.length)
  switch (change.kind) {
    case "delete":
      return lines.toSpliced(line(change.at), 1).join("\n")
    case "duplicate":
      return lines.toSpliced(line(change.at), 0, lines[line(change.at)] ?? "").join("\n")
    case "swap": {
      const [a, b] = [line(change.at), line(change.with)]
      return lines.with(a, lines[b] ?? "").with(b, lines[a] ?? "").join("\n")
    }
    case "value": {
      // The value after the first `key: ` of a line; lines without one get the value as a list item.
      const at = line(change.at)
      const source = lines[at] ?? ""
      const replaced = /^(\s*(?:- )?[^:#]+:\s)/.exec(source)
      return lines.with(at, replaced === null ? `${source.match(/^\s*/)?.[0] ?? ""}- ${change.value}` : `${replaced[1]}${change.value}`).join("\n")
    }
    case "insert":
      return lines.toSpliced(line(change.at), 0, change.line).join("\n")
    case "indent": {
      const at = line(change.at)
      const source = lines[at] ?? ""
      return lines.with(at, change.by >= 0 ? `${" ".repeat(change.by)}${source}` : source.slice(Math.min(-change.by, source.search(/\S|$/)))).join("\n")
    }
    case "truncate":
      return text.slice(0, change.at % (text.length + 1))
    case "character": {
      const at = change.at % (text.length + 1)
      return `${text.slice(0, at)}${change.text}${text.slice(at)}`
    }
    case "bom":
      return `\uFEFF${text}`
    case "crlf":
      return text.replaceAll("\n", "\r\n")
    case "tabs":
      return text.replace(/^( {2})+/gm, (indent) => "\t".repeat(indent.length / 2))
  }
}

/** `texts` (real specs) damaged by one to six mutations. */
export const mutatedText = (texts: ReadonlyArray<string>): fc.Arbitrary<string> =>
  fc.tuple(fc.constantFrom(...texts), fc.array(mutation, { minLength: 1, maxLength: 6 }))
    .map(([text, changes]) => changes.reduce(applyMutation, text))

const yamlToken: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "\n", "\n  ", "\n    ", "\n- ", ": ", "- ", "[", "]", "{", "}", ", ", "&a ", "*a", "? ", "|", ">", "#", "'", "\"", "!!str ", "---", "\t", "<<: "
  ),
  fc.constantFrom("name", "sweep", "kind", "budgets", "training", "lr", "model", "data", "isoflop", "table", "file", "fit", "forecast"),
  numberText,
  fc.stringMatching(/^[a-z]{1,6}$/)
)

/** YAML-looking text from scratch: keys, indentation, flow brackets, anchors and values in any order. */
export const yamlishText: fc.Arbitrary<string> = fc.array(yamlToken, { maxLength: 80 }).map((tokens) => tokens.join(""))
