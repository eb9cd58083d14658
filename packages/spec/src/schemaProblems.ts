// Flattens an Effect Schema issue tree into one problem per thing the user must fix, each with
// the path of the value at fault. Locating the path in the YAML text and wording the "got ..."
// part happen later, where the source text is known.
import { SchemaAST, type SchemaIssue } from "effect"

export type SchemaProblem =
  | {
    readonly _tag: "InvalidValue"
    readonly path: ReadonlyArray<PropertyKey>
    /** A complete message (from an expression or an explicit annotation), used as it is. */
    readonly message?: string
    /** Otherwise what was expected, completing "expected ...". */
    readonly expected?: string
    /** Words the value may be, for a "did you mean" suggestion. */
    readonly choices?: ReadonlyArray<string>
    /** The value the schema saw, which differs from the YAML text when an expression was evaluated. */
    readonly input?: unknown
  }
  | { readonly _tag: "UnexpectedKey"; readonly path: ReadonlyArray<PropertyKey>; readonly knownKeys: ReadonlyArray<string> }
  | { readonly _tag: "MissingKey"; readonly path: ReadonlyArray<PropertyKey> }

const stringAnnotation = (annotations: SchemaAST.AST["annotations"], key: string): string | undefined => {
  const value = annotations?.[key]
  return typeof value === "string" ? value : undefined
}

/** The literal words a union of literals accepts, or undefined when the union holds anything else. */
const literalChoices = (ast: SchemaAST.AST): ReadonlyArray<string> | undefined => {
  if (SchemaAST.isLiteral(ast)) return [String(ast.literal)]
  if (!SchemaAST.isUnion(ast)) return undefined
  const choices = ast.types.map(literalChoices)
  return choices.every((choice) => choice !== undefined) ? choices.flat() : undefined
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  String: "text",
  Number: "a number",
  Boolean: "`true` or `false`",
  Objects: "a map of keys to values",
  Arrays: "a list"
}

const expectedOf = (ast: SchemaAST.AST): string => {
  const annotated = stringAnnotation(ast.annotations, "expected")
  if (annotated !== undefined) return annotated
  const choices = literalChoices(ast)
  if (choices !== undefined) return choices.length === 1 ? `\`${choices[0]}\`` : `one of ${choices.map((c) => `\`${c}\``).join(", ")}`
  return TYPE_WORDS[ast._tag] ?? ast._tag
}

const knownKeysOf = (ast: SchemaAST.AST): ReadonlyArray<string> =>
  SchemaAST.isObjects(ast) ? ast.propertySignatures.map((signature) => String(signature.name)) : []

const inputOf = (issue: SchemaIssue.Issue): { readonly input?: unknown } => ("input" in issue ? { input: issue.input } : {})

const hasMessage = (problem: SchemaProblem): boolean =>
  problem._tag !== "InvalidValue" || problem.message !== undefined

const samePath = (a: ReadonlyArray<PropertyKey>, b: ReadonlyArray<PropertyKey>): boolean =>
  a.length === b.length && a.every((segment, i) => segment === b[i])

/** The value has the wrong type (or is none of a union's members): say what was expected. */
const typeMismatch = (issue: SchemaIssue.Issue & { readonly ast: SchemaAST.AST }, path: ReadonlyArray<PropertyKey>): SchemaProblem => ({
  _tag: "InvalidValue",
  path,
  ...inputOf(issue),
  expected: expectedOf(issue.ast),
  choices: literalChoices(issue.ast)
})

/** The key that tells the members of a union of maps apart (`sweep.kind`). */
const DISCRIMINATOR = "kind"

const isDiscriminatorProblem = (problem: SchemaProblem, path: ReadonlyArray<PropertyKey>): boolean =>
  problem._tag !== "UnexpectedKey" && samePath(problem.path, [...path, DISCRIMINATOR])

/**
 * A union of maps told apart by `kind` reports the problems of the member the value names: what
 * the other members would have wanted is noise. A `kind` no member takes is the one problem.
 */
/** The `kind`s a union of maps takes, from its members' `kind` literals. */
const discriminatorChoices = (union: SchemaAST.AST): ReadonlyArray<string> =>
  SchemaAST.isUnion(union)
    ? union.types.flatMap((member) => {
      const kind = SchemaAST.isObjects(member)
        ? member.propertySignatures.find((signature) => signature.name === DISCRIMINATOR)
        : undefined
      return kind === undefined ? [] : literalChoices(kind.type) ?? []
    })
    : []

const discriminated = (
  union: SchemaAST.AST,
  members: ReadonlyArray<ReadonlyArray<SchemaProblem>>,
  path: ReadonlyArray<PropertyKey>
): ReadonlyArray<SchemaProblem> => {
  const named = members.filter((problems) => !problems.some((problem) => isDiscriminatorProblem(problem, path)))
  if (named.length > 0) return named.flat()
  const kindProblems = members.flatMap((problems) => problems.filter((problem) => isDiscriminatorProblem(problem, path)))
  if (kindProblems.length === 0 || kindProblems.length < members.length) return members.flat()
  const choices = discriminatorChoices(union)
  const given = kindProblems.find((problem) => problem._tag === "InvalidValue" && "input" in problem)
  if (choices.length === 0 || given === undefined) return members.flat()
  return [{
    ...given,
    _tag: "InvalidValue",
    path: [...path, DISCRIMINATOR],
    expected: `one of ${choices.map((choice) => `\`${choice}\``).join(", ")}`,
    choices
  }]
}

export const collectProblems = (
  issue: SchemaIssue.Issue,
  path: ReadonlyArray<PropertyKey> = []
): ReadonlyArray<SchemaProblem> => {
  switch (issue._tag) {
    case "Pointer":
      return collectProblems(issue.issue, [...path, ...issue.path])
    case "Encoding":
      return collectProblems(issue.issue, path)
    case "Composite":
      return issue.issues.flatMap((inner) => collectProblems(inner, path))
    case "Filter": {
      // A check on a whole struct reports each problem at the field it concerns (a Pointer inside).
      if (issue.issue._tag === "Pointer" || issue.issue._tag === "Composite") return collectProblems(issue.issue, path)
      const inner = issue.issue._tag === "InvalidValue" ? issue.issue.annotations : undefined
      return [{
        _tag: "InvalidValue",
        path,
        ...inputOf(issue),
        message: stringAnnotation(issue.filter.annotations, "message") ?? stringAnnotation(inner, "message"),
        expected: stringAnnotation(issue.filter.annotations, "expected") ?? stringAnnotation(inner, "expected") ?? "a valid value"
      }]
    }
    case "AnyOf": {
      // Every member of the union failed. Report what went wrong inside a member when it is
      // specific (deeper in the value, or a message of its own, such as a bad expression);
      // when members merely disagree about the value's type, the union's own wording says it best.
      const inner = discriminated(issue.ast, issue.issues.map((member) => collectProblems(member, path)), path)
      if (inner.some((problem) => hasMessage(problem) || !samePath(problem.path, path))) return inner
      return [typeMismatch(issue, path)]
    }
    case "OneOf":
      return [{ _tag: "InvalidValue", path, ...inputOf(issue), expected: expectedOf(issue.ast) }]
    case "InvalidType":
      return [typeMismatch(issue, path)]
    case "InvalidValue":
    case "Forbidden":
      return [{
        _tag: "InvalidValue",
        path,
        ...inputOf(issue),
        message: stringAnnotation(issue.annotations, "message"),
        expected: stringAnnotation(issue.annotations, "expected") ?? "a valid value"
      }]
    case "MissingKey":
      return [{ _tag: "MissingKey", path }]
    case "UnexpectedKey":
      return [{ _tag: "UnexpectedKey", path, knownKeys: knownKeysOf(issue.ast) }]
  }
}
