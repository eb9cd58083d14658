// The expression language of specs: a restricted mathjs. Every expression is parsed once and its
// tree checked against a whitelist before anything is evaluated, so a spec can compute numbers
// but can never reach the parser, the JavaScript objects behind mathjs, or the file system.
import { Data, Result, Runtime } from "effect"
import {
  all,
  create,
  isConstantNode,
  isFunctionNode,
  isMatrix,
  isOperatorNode,
  isParenthesisNode,
  isSymbolNode,
  type MathNode
} from "mathjs"
import { abbreviate } from "./abbreviate.ts"
import { messageNumber } from "@scalelab/laws"
import { BEYOND_LARGEST_NUMBER } from "./beyondLargestNumber.ts"
import { linspace, logspace } from "./spacing.ts"

export class ExpressionError extends Data.TaggedError("ExpressionError")<{
  readonly source: string
  readonly message: string
}> {
  override readonly [Runtime.errorExitCode] = 2
}

export const ALLOWED_FUNCTIONS: ReadonlyArray<string> = [
  "logspace", "linspace", "exp", "log", "log10", "log2", "sqrt", "pow", "min", "max", "round", "floor", "ceil", "abs"
]
export const ALLOWED_CONSTANTS: ReadonlyArray<string> = ["pi", "e"]

/** mathjs operator functions and the symbol a user writes for each. */
const ALLOWED_OPERATORS: ReadonlyMap<string, string> = new Map([
  ["add", "+"], ["subtract", "-"], ["multiply", "*"], ["divide", "/"], ["pow", "^"], ["unaryMinus", "-"], ["unaryPlus", "+"]
])

/** Everything in the mathjs namespace that reaches the parser, the type system or host objects. */
const DISABLED_FUNCTIONS = [
  "import", "createUnit", "evaluate", "parse", "compile", "parser", "simplify", "simplifyConstant", "simplifyCore",
  "derivative", "resolve", "rationalize", "reviver", "replacer", "chain", "help", "symbolicEqual", "leafCount"
]

// `all` is typed as possibly undefined only because mathjs declares its bundles as a record.
// predictable: sqrt(-1) is NaN rather than a complex number, so it fails the finiteness check.
const math = create(all!, { predictable: true })
math.import({ logspace, linspace }, { override: true })
const parseTree = math.parse
math.import(
  Object.fromEntries(DISABLED_FUNCTIONS.map((name) => [
    name,
    () => {
      throw new Error(`\`${name}\` is disabled in spec expressions`)
    }
  ])),
  { override: true }
)

const NODE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  AccessorNode: "property access",
  ArrayNode: "an array literal",
  AssignmentNode: "assignment",
  BlockNode: "several statements",
  ConditionalNode: "a conditional",
  FunctionAssignmentNode: "a function definition",
  IndexNode: "indexing",
  ObjectNode: "an object literal",
  RangeNode: "a range",
  RelationalNode: "a comparison"
}

const quote = (text: string): string => `\`${text}\``

/**
 * Bounds on an expression, checked before mathjs parses it: its parser and evaluator recurse once
 * per nested bracket and per operand, so a long or deeply nested expression would exhaust the stack.
 * A spec's expressions are a few dozen characters with two or three levels of brackets.
 */
export const MAX_EXPRESSION_LENGTH = 500
export const MAX_EXPRESSION_NESTING = 20

/** How deep brackets nest in `source`, counting `(`, `[` and `{` alike. */
const nestingDepth = (source: string): number => {
  let depth = 0
  let deepest = 0
  for (const character of source) {
    if (character === "(" || character === "[" || character === "{") deepest = Math.max(deepest, ++depth)
    else if (character === ")" || character === "]" || character === "}") depth = Math.max(0, depth - 1)
  }
  return deepest
}

/** A number written in `source` that is too large for a double; mathjs would read it as Infinity. */
const overflowingNumber = (source: string): string | undefined =>
  source.match(/(?<![\w.])(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?/gi)?.find((literal) => !Number.isFinite(Number(literal)))

/** Why `source` cannot be parsed safely or as written; undefined when nothing stands in the way. */
const unparsable = (source: string): string | undefined => {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    return `${source.length.toLocaleString("en")} characters, more than the ${MAX_EXPRESSION_LENGTH} an expression may have; ` +
      "write the number it stands for, or a shorter expression"
  }
  const depth = nestingDepth(source)
  if (depth > MAX_EXPRESSION_NESTING) {
    return `brackets nest ${depth} deep, more than the ${MAX_EXPRESSION_NESTING} an expression may have; write it with fewer brackets`
  }
  const overflowing = overflowingNumber(source)
  return overflowing === undefined ? undefined : `${quote(abbreviate(overflowing))} overflows: its magnitude is ${BEYOND_LARGEST_NUMBER}`
}

const allowedNames = (variables: ReadonlyArray<string>): string =>
  variables.length === 0
    ? `no variables here; names allowed: ${ALLOWED_CONSTANTS.join(", ")}`
    : `names allowed: ${[...variables, ...ALLOWED_CONSTANTS].join(", ")}`

/** The first part of the tree outside the whitelist, described for the user; undefined when all is allowed. */
const findForbidden = (node: MathNode, variables: ReadonlyArray<string>): string | undefined => {
  if (isConstantNode(node)) {
    return typeof node.value === "number" ? undefined : `${quote(node.toString())} is not a number`
  }
  if (isSymbolNode(node)) {
    if (variables.includes(node.name) || ALLOWED_CONSTANTS.includes(node.name)) return undefined
    if (node.name === "Infinity" || node.name === "NaN") return `${quote(node.name)} is not a finite number`
    return `unknown name ${quote(node.name)} (${allowedNames(variables)})`
  }
  if (isParenthesisNode(node)) return findForbidden(node.content, variables)
  if (isOperatorNode(node)) {
    if (!ALLOWED_OPERATORS.has(node.fn)) {
      return `operator ${quote(node.op)} is not allowed (allowed: + - * / ^)`
    }
    return firstForbidden(node.args, variables)
  }
  if (isFunctionNode(node)) {
    if (!isSymbolNode(node.fn)) return `${quote(node.toString())} does not call a named function`
    if (!ALLOWED_FUNCTIONS.includes(node.fn.name)) {
      return `function ${quote(node.fn.name)} is not allowed (allowed: ${ALLOWED_FUNCTIONS.join(", ")})`
    }
    return firstForbidden(node.args, variables)
  }
  const description = NODE_DESCRIPTIONS[node.type] ?? node.type
  return `${description} ${quote(node.toString().replace(/\s*\n\s*/g, " "))} is not allowed`
}

const firstForbidden = (nodes: ReadonlyArray<MathNode>, variables: ReadonlyArray<string>): string | undefined => {
  for (const node of nodes) {
    const problem = findForbidden(node, variables)
    if (problem !== undefined) return problem
  }
  return undefined
}

/** A flat list of numbers from what mathjs returned, or undefined for anything else. */
const toNumbers = (value: unknown): ReadonlyArray<number> | undefined => {
  if (typeof value === "number") return [value]
  const items: unknown = isMatrix(value) ? value.toArray() : value
  if (Array.isArray(items) && items.every((item): item is number => typeof item === "number")) return items
  return undefined
}

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * Parses, checks and evaluates an expression; every value of the result is finite.
 * `variables` are the only names the expression may use besides the constants pi and e.
 */
export const evaluateNumberList = (
  source: string,
  variables: Readonly<Record<string, number>> = {}
): Result.Result<ReadonlyArray<number>, ExpressionError> => {
  const fail = (problem: string) => Result.fail(new ExpressionError({ source, message: `${quote(abbreviate(source))}: ${problem}` }))
  const unsafe = unparsable(source)
  if (unsafe !== undefined) return fail(unsafe)
  let tree: MathNode
  try {
    tree = parseTree(source)
  } catch (error) {
    return fail(`cannot parse: ${errorMessage(error)}`)
  }
  const forbidden = findForbidden(tree, Object.keys(variables))
  if (forbidden !== undefined) return fail(forbidden)
  let value: unknown
  try {
    value = tree.compile().evaluate(new Map(Object.entries(variables)))
  } catch (error) {
    return fail(errorMessage(error))
  }
  const numbers = toNumbers(value)
  if (numbers === undefined || numbers.length === 0) return fail("does not evaluate to a number or a list of numbers")
  const nonFinite = numbers.find((x) => !Number.isFinite(x))
  if (nonFinite !== undefined) return fail(`evaluates to ${messageNumber(nonFinite)}, not a finite number`)
  return Result.succeed(numbers)
}

/** Like {@link evaluateNumberList}, for expressions that must yield one number (a learning rate in N, D, C). */
export const evaluateExpression = (
  source: string,
  variables: Readonly<Record<string, number>> = {}
): Result.Result<number, ExpressionError> =>
  Result.flatMap(evaluateNumberList(source, variables), (numbers) =>
    numbers.length === 1 && numbers[0] !== undefined
      ? Result.succeed(numbers[0])
      : Result.fail(new ExpressionError({ source, message: `${quote(abbreviate(source))}: yields ${numbers.length} values, expected one number` })))
