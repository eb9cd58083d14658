// The `data.corpus` field: which text a sweep trains on. In YAML it is a built-in corpus's name, a
// path or glob of text files (or a list of them), or a map describing a synthetic source; decoded,
// it is one of the CorpusSource variants, whose kinds match the run contract's RunCorpus.
import { Effect, Schema, SchemaIssue, SchemaTransformation } from "effect"
import { numberField, type NumberChecks, withDefault } from "./fields.ts"
import { BuiltInCorpus, MARKOV_SYMBOLS, MarkovCorpus } from "./runContract.ts"

const { isGreaterThan, isGreaterThanOrEqualTo, isInt, isLessThanOrEqualTo } = Schema

/**
 * The entropy rate comes from power iteration over every context (alphabet^order of them); this
 * bound keeps it, and the chain's tables, small.
 */
export const MAX_MARKOV_CONTEXTS = 65536

const integerField = (expected: string, checks: NumberChecks, description: string, value: number) =>
  numberField({ expected, checks, description, default: value })

const markovRules = Schema.makeFilter((source: Omit<MarkovCorpus, "kind">) => {
  const problems: Array<Schema.FilterIssue> = []
  if (source.branching > source.alphabet) {
    problems.push({
      path: ["branching"],
      issue: `expected at most \`alphabet\` (${source.alphabet}) next symbols per context, got ${source.branching}`
    })
  }
  const contexts = source.alphabet ** source.order
  if (contexts > MAX_MARKOV_CONTEXTS) {
    problems.push({
      path: ["order"],
      issue: `alphabet^order = ${source.alphabet}^${source.order} = ${contexts} contexts; at most ${MAX_MARKOV_CONTEXTS} are ` +
        "allowed: lower `order` or `alphabet`"
    })
  }
  return problems
})

/** How a synthetic Markov source is written in YAML; every field but `kind` has a default. */
export const MarkovSourceSettings = Schema.Struct({
  kind: Schema.Literal("markov").annotate({
    description: "A synthetic source: a random sparse Markov chain of known entropy rate (the lowest loss any model can reach)."
  }),
  alphabet: integerField(
    `an integer in [2, ${MARKOV_SYMBOLS.length}]`,
    [isInt(), isGreaterThanOrEqualTo(2), isLessThanOrEqualTo(MARKOV_SYMBOLS.length)],
    "Number of symbols; written as the characters a-z, A-Z, 0-9, then ASCII punctuation, one byte each.",
    32
  ),
  order: integerField(
    "an integer >= 0",
    [isInt(), isGreaterThanOrEqualTo(0)],
    `How many preceding symbols the next one depends on (alphabet^order contexts, at most ${MAX_MARKOV_CONTEXTS}).`,
    2
  ),
  branching: integerField(
    "a positive integer",
    [isInt(), isGreaterThan(0)],
    "Possible next symbols after each context (at most `alphabet`), each with a random probability.",
    4
  ),
  documents: integerField("a positive integer", [isInt(), isGreaterThan(0)], "Documents to generate.", 200),
  length: integerField("a positive integer", [isInt(), isGreaterThan(0)], "Symbols per document.", 4000),
  seed: integerField("an integer >= 0", [isInt(), isGreaterThanOrEqualTo(0)], "Seed of the chain and of its documents.", 1)
}).check(markovRules)

/**
 * Text files named by the spec, one document each. `paths` are as written (globs included) when the
 * text is only decoded; loadExperiment expands them, relative to the spec's folder, to absolute paths.
 */
export const FilesCorpus = Schema.Struct({ kind: Schema.Literal("files"), paths: Schema.Array(Schema.String) })
export type FilesCorpus = typeof FilesCorpus.Type

/** What `data.corpus` decodes to: a built-in corpus's name, text files, or a synthetic source. */
export const CorpusSource = Schema.Union([BuiltInCorpus, FilesCorpus, MarkovCorpus])
export type CorpusSource = typeof CorpusSource.Type

const corpusPath = Schema.String.check(Schema.isNonEmpty({ expected: "a non-empty path or glob" }))

const yamlForm = Schema.Union([
  corpusPath,
  Schema.Array(corpusPath).check(Schema.isMinLength(1, { expected: "at least one path or glob" })),
  MarkovSourceSettings
]).annotate({
  expected: `a built-in corpus (${BuiltInCorpus.literals.map((name) => `\`${name}\``).join(", ")}), ` +
    "a path or glob of text files, a list of them, or a map `{ kind: markov, ... }`",
  description: `Training text. A built-in corpus: ${BuiltInCorpus.literals.map((name) => `\`${name}\``).join(", ")}. ` +
    "Or text files, one document each: a path or glob relative to the spec's folder (quote globs that start " +
    "with `*`), or a list of them; a built-in name wins over a file of that name (write `./name` for the file). " +
    "Or `{ kind: markov, ... }`: synthetic text from a random sparse Markov chain of known entropy rate.",
  default: "moby-dick"
})

const isBuiltIn = (name: string): name is BuiltInCorpus => (BuiltInCorpus.literals as ReadonlyArray<string>).includes(name)

// Array.isArray does not narrow a readonly array out of a union.
const isPathList = (input: ReadonlyArray<string> | MarkovCorpus): input is ReadonlyArray<string> => Array.isArray(input)

/** A corpus as written in YAML, decoded to a CorpusSource: `data.corpus`, or one domain of a mixture. */
export const corpusSourceField = yamlForm.pipe(Schema.decodeTo(
    CorpusSource,
    SchemaTransformation.transformEffect({
      decode: (input: string | ReadonlyArray<string> | MarkovCorpus) =>
        Effect.succeed<CorpusSource>(
          typeof input === "string"
            ? isBuiltIn(input) ? input : { kind: "files", paths: [input] }
            : isPathList(input)
            ? { kind: "files", paths: input }
            : input
        ),
      encode: (source: CorpusSource, options) =>
        typeof source === "string" || source.kind === "markov"
          ? Effect.succeed(source)
          : source.paths.length > 0
          ? Effect.succeed(source.paths)
          : Effect.fail(new SchemaIssue.Forbidden({ message: "a file corpus needs at least one path" }, source, options))
    })
  ))

/** The `data.corpus` field. */
export const corpusField = withDefault(corpusSourceField, "moby-dick")
