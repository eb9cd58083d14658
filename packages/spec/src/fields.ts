// Building blocks for spec fields: numbers that may be written as expressions, lists of them,
// run-dependent expressions, choices, flags and text, each optional with a default. Every field
// carries the `expected` wording that error messages show, so a message speaks in the field's
// own terms, and its description and default sit on the YAML side so the JSON Schema shows them.
import { Array as Arr, Effect, Result, Schema, SchemaAST, SchemaIssue, SchemaTransformation } from "effect"
import { abbreviate } from "./abbreviate.ts"
import { evaluateExpression, evaluateNumberList, type ExpressionError } from "./expression.ts"
import { messageNumber, publishedLaws } from "@scalelab/laws"

/** The key may be left out of the YAML; `value`, in YAML form, then stands in for it. */
export const withDefault = <S extends Schema.Top>(schema: S, value: S["Encoded"]) =>
  schema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value)))

interface Documented<Default> {
  readonly description: string
  readonly default: Default
}

export type NumberChecks = readonly [SchemaAST.Filter<number>, ...Array<SchemaAST.Filter<number>>]

/**
 * The JSON Schema bounds of `checks` (minimum, integer, ...), for a number as written in YAML, so
 * that editors flag a literal out of bounds as decoding does. They never fail: the checks
 * themselves run on the decoded number (an expression's value too), whose messages name the
 * field's own expectation.
 */
const jsonSchemaBounds = (checks: NumberChecks): NumberChecks =>
  Arr.map(checks, (check) => Schema.makeFilter((_: number) => undefined, { toJsonSchema: check.annotations?.toJsonSchema }))

/**
 * How a number is written in YAML: a finite number, or an expression string that evaluates to one.
 * The JSON Schema states `checks` for the number; an expression it cannot evaluate.
 */
const numberOrExpression = (expected: string, description: string, checks: NumberChecks) =>
  Schema.Union([Schema.Finite.check(...jsonSchemaBounds(checks)), Schema.String]).annotate({ expected, description })

/** Every check reports the field's own expectation, whichever bound is broken. */
const worded = (expected: string, checks: NumberChecks): NumberChecks =>
  Arr.map(checks, (check) => check.annotate({ expected }))

const expressionIssue = (message: string, input: unknown, options: SchemaAST.ParseOptions) =>
  new SchemaIssue.InvalidValue({ message }, input, options)

type FieldDecode<I, T> = (input: I, options: SchemaAST.ParseOptions) => Effect.Effect<T, SchemaIssue.Issue>

/**
 * A field's decoding that ends in a schema issue whatever happens inside it. A throw (a stack
 * exhausted by an input no bound foresaw, or a bug) would otherwise escape the schema as a defect
 * with no line, no field and a stack trace; as an issue it is reported at the field like any other.
 */
const neverThrows = <I, T>(decode: FieldDecode<I, T>): FieldDecode<I, T> => (input, options) => {
  try {
    return decode(input, options)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return Effect.fail(expressionIssue(`\`${abbreviate(String(input))}\`: cannot be evaluated (${reason}); write a simpler value`, input, options))
  }
}

/** Decodes a number as it is and an expression with `evaluate`; a failed expression becomes the issue. */
const numberOrEvaluated = <T>(
  fromNumber: (value: number) => T,
  evaluate: (source: string) => Result.Result<T, ExpressionError>
): FieldDecode<number | string, T> =>
  neverThrows((input, options) =>
    typeof input === "number"
      ? Effect.succeed(fromNumber(input))
      : Result.match(evaluate(input), {
        onSuccess: Effect.succeed,
        onFailure: (error) => Effect.fail(expressionIssue(error.message, input, options))
      })
  )

export interface NumberFieldOptions<Default> extends Documented<Default> {
  /** What the field wants, completing "expected ...", e.g. "a positive integer". */
  readonly expected: string
  readonly checks: NumberChecks
}

/** A number as written in YAML (or an expression), decoded and checked. */
const numberValue = (options: Omit<NumberFieldOptions<number>, "default">, annotations: { readonly default?: number } = {}) =>
  numberOrExpression(`${options.expected} (a number or an expression such as \`2^14\`)`, options.description, options.checks)
    .annotate(annotations)
    .pipe(Schema.decodeTo(
      Schema.Number.check(...worded(options.expected, options.checks)),
      SchemaTransformation.transformEffect<number, number | string>({
        decode: numberOrEvaluated((value) => value, (source) => evaluateExpression(source)),
        encode: (value: number) => Effect.succeed(value)
      })
    ))

/** A number field; an expression such as `2^14` is evaluated when the spec is decoded. */
export const numberField = (options: NumberFieldOptions<number>) =>
  withDefault(numberValue(options, { default: options.default }), options.default)

/**
 * A number field with no decoding default: absent stays absent, so that a rule can tell a field
 * left out from one written (a field that only some choices of another field allow).
 */
export const optionalNumberField = (options: Omit<NumberFieldOptions<number>, "default">) =>
  Schema.optionalKey(numberValue(options))

export interface NumberListFieldOptions extends NumberFieldOptions<string | ReadonlyArray<number>> {
  /** Whether an empty list is meaningful for this field (it then means "use the default rule"). */
  readonly allowEmpty: boolean
}

/**
 * A list of numbers, written as one number, a YAML list of numbers and expressions, or one
 * expression that yields several values (`logspace(1e11, 1e12, 3)`). Decodes sorted and distinct,
 * because the values are compute budgets: their order in the file carries no meaning.
 */
export const numberListField = (options: NumberListFieldOptions) => {
  const { expected, allowEmpty } = options
  const listExpected = `${expected}, a list of them, or an expression such as \`logspace(1e11, 1e12, 3)\``
  const item = numberOrExpression(expected, options.description, options.checks).pipe(
    Schema.decodeTo(
      Schema.Array(Schema.Number.check(...worded(expected, options.checks))),
      SchemaTransformation.transformEffect<ReadonlyArray<number>, number | string>({
        decode: numberOrEvaluated((value): ReadonlyArray<number> => [value], (source) => evaluateNumberList(source)),
        // The enclosing list encodes each value on its own, so an item only ever encodes one value.
        encode: (values: ReadonlyArray<number>, parseOptions) => {
          const [only, ...rest] = values
          return only !== undefined && rest.length === 0
            ? Effect.succeed(only)
            : Effect.fail(new SchemaIssue.Forbidden({ message: "several values encode as a list" }, values, parseOptions))
        }
      })
    )
  )
  const decoded = allowEmpty
    ? Schema.Array(Schema.Number)
    : Schema.Array(Schema.Number).check(Schema.isMinLength(1, { expected: `at least one value: ${listExpected}` }))
  // The default is stated in the description: a `default` annotation here would have to be in
  // decoded form (a list), while editors should show what to write (possibly an expression).
  const description = `${options.description} Default: \`${JSON.stringify(options.default).replaceAll('"', "")}\`.`
  return withDefault(
    Schema.Union([item, Schema.Array(item)]).annotate({ expected: listExpected, description }).pipe(
      Schema.decodeTo(
        decoded,
        SchemaTransformation.transform<ReadonlyArray<number>, ReadonlyArray<number> | ReadonlyArray<ReadonlyArray<number>>>({
          decode: (input) => [...new Set(input.flat())].sort((a, b) => a - b),
          encode: (values) => values.map((value) => [value])
        })
      )
    ),
    options.default
  )
}

/** Where run-dependent expressions are checked when a spec is decoded: a run of about a million parameters. */
export const REPRESENTATIVE_RUN = { N: 1e6, D: 2e7, C: 1.2e14 } as const

const representativeRun = Object.entries(REPRESENTATIVE_RUN)
  .map(([name, value]) => `${name}=${messageNumber(value)}`)
  .join(", ")

/** The published laws that give `hyperparameter` as a power law of compute. */
const lawsWith = (hyperparameter: "learning_rate" | "batch_tokens"): ReadonlyArray<string> =>
  publishedLaws.flatMap((law) => law.kind === "compute_power" && law[hyperparameter] !== undefined ? [law.name] : [])

/**
 * A positive quantity that may depend on the run, as written in YAML: an expression in N
 * (parameters), D (tokens) and C (FLOPs). It stays an expression after decoding, since only the
 * planner knows each run's N, D and C; decoding evaluates it once at a representative run to catch
 * mistakes early. The published laws named in `laws` pass as they are (the planner evaluates them).
 */
const runExpression = (options: Documented<string> & { readonly expected: string }, laws: ReadonlyArray<string>) => {
  const { expected } = options
  const lawWords = laws.length === 0 ? "" : `, or a law: ${laws.map((name) => `\`${name}\``).join(", ")}`
  const yamlForm = numberOrExpression(
    `${expected} (a number or an expression in N, D, C such as \`3e-3 * (N / 1e5)^-0.25\`${lawWords})`,
    options.description,
    [Schema.isGreaterThan(0)]
  ).annotate({ default: options.default })
  const otherLaws = publishedLaws.map((law) => law.name).filter((name) => !laws.includes(name))
  return yamlForm.pipe(Schema.decodeTo(
    Schema.String,
    SchemaTransformation.transformEffect<string, number | string>({
      decode: neverThrows((input, parseOptions) => {
        const source = typeof input === "number" ? String(input) : input
        if (laws.includes(source)) return Effect.succeed(source)
        if (otherLaws.includes(source)) {
          return Effect.fail(expressionIssue(
            `expected ${expected}: the published law \`${source}\` does not give one` +
              (laws.length === 0 ? "" : `; laws that do: ${laws.join(", ")}`),
            input,
            parseOptions
          ))
        }
        return Result.match(evaluateExpression(source, REPRESENTATIVE_RUN), {
          onSuccess: (value) =>
            value > 0
              ? Effect.succeed(source)
              : Effect.fail(expressionIssue(
                `expected ${expected}, got \`${source}\` = ${messageNumber(value)} at ${representativeRun}`,
                input,
                parseOptions
              )),
          onFailure: (error) => Effect.fail(expressionIssue(error.message, input, parseOptions))
        })
      }),
      encode: (source: string) => Effect.succeed(source)
    })
  ))
}

/** A hyperparameter law fitted by another spec: `{ from: <spec> }`, the path relative to this spec's folder. */
export const FittedLawReference = Schema.Struct({
  from: Schema.String.annotate({
    expected: "the path of a spec with `sweep.kind: hyperparameters`",
    description: "A spec whose hyperparameter sweep fitted the law, relative to this spec's folder; its fit is read " +
      "from that spec's default store (`scalelab run` of it writes it there)."
  })
})
export type FittedLawReference = typeof FittedLawReference.Type

/**
 * A run's hyperparameter: an expression in N, D, C (as runExpressionField), a published law that
 * gives it as a power law of compute (by name), or a law fitted by another spec (`{ from: <spec> }`,
 * read when the spec is loaded from its file). The planner evaluates a law at each run's C.
 */
export const lawOrExpressionField = (
  options: Documented<string> & { readonly expected: string; readonly hyperparameter: "learning_rate" | "batch_tokens" }
) =>
  withDefault(
    Schema.Union([runExpression(options, lawsWith(options.hyperparameter)), FittedLawReference]).annotate({
      expected: `${options.expected}: a number, an expression in N, D, C, a published law ` +
        `(${lawsWith(options.hyperparameter).join(", ")}), or \`{ from: <spec> }\``,
      description: options.description,
      default: options.default
    }),
    options.default
  )

/** One of a fixed set of words. */
export const choiceField = <const Choices extends ReadonlyArray<string>>(
  choices: Choices,
  documentation: Documented<Choices[number]>
) => {
  const choice = Schema.Literals(choices)
  return withDefault(choice.annotate({ description: documentation.description, default: documentation.default }), documentation.default)
}

/** A list of words from a fixed set, at least one. */
export const choiceListField = <const Choices extends ReadonlyArray<string>>(
  choices: Choices,
  documentation: Documented<ReadonlyArray<Choices[number]>>
) => {
  const list = Schema.Array(Schema.Literals(choices))
    .annotate({ expected: `a list of: ${choices.join(", ")}`, ...documentation })
    .check(Schema.isMinLength(1, { expected: `at least one of: ${choices.join(", ")}` }))
  return withDefault(list, documentation.default)
}

export const flagField = (documentation: Documented<boolean>) =>
  withDefault(Schema.Boolean.annotate({ expected: "`true` or `false`", ...documentation }), documentation.default)

export const textField = (documentation: Documented<string>) =>
  withDefault(
    Schema.String.annotate({ expected: "text", ...documentation }).check(Schema.isNonEmpty({ expected: "non-empty text" })),
    documentation.default
  )

/**
 * Makes a section optional; when absent, every field in it takes its default. The default
 * applies after the section decodes (rather than before, as for a field) so that one bad field
 * does not hide problems in the others.
 */
export const sectionWithDefaults = <S extends Schema.Top & Schema.Decoder<unknown>>(section: S) =>
  section.pipe(Schema.withDecodingDefaultTypeKey(Effect.succeed(Schema.decodeUnknownSync(section)({}))))
