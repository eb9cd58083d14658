// A custom law is a mathjs expression in declared variables (N, D, ...) and fitted parameters.
// Its tree is checked against a whitelist, differentiated symbolically once per parameter, and
// every tree is then turned into plain closures over a slot array: a fit evaluates the law and its
// gradient millions of times, and nothing but arithmetic and elementary functions can ever run.
import {
  derivative,
  isConstantNode,
  isFunctionNode,
  isOperatorNode,
  isParenthesisNode,
  isSymbolNode,
  parse,
  type MathNode
} from "mathjs"
import { LawInputError } from "../lawInputError.ts"

/** Evaluates a compiled tree at the values in `slots` (variables first, then parameters). */
export type SlotFunction = (slots: Float64Array) => number

export interface CompiledLaw {
  readonly variables: ReadonlyArray<string>
  readonly parameters: ReadonlyArray<string>
  readonly value: SlotFunction
  /** ∂law/∂parameter, in the order of `parameters`. */
  readonly gradient: ReadonlyArray<SlotFunction>
}

const constants: ReadonlyMap<string, number> = new Map([["pi", Math.PI], ["e", Math.E]])

const binaryOperators: ReadonlyMap<string, (x: number, y: number) => number> = new Map([
  ["add", (x: number, y: number) => x + y],
  ["subtract", (x: number, y: number) => x - y],
  ["multiply", (x: number, y: number) => x * y],
  ["divide", (x: number, y: number) => x / y],
  ["pow", (x: number, y: number) => x ** y]
])

const unaryOperators: ReadonlyMap<string, (x: number) => number> = new Map([
  ["unaryMinus", (x: number) => -x],
  ["unaryPlus", (x: number) => x]
])

/** An elementary function by the number of its arguments (log takes an optional base). */
interface Elementary {
  readonly unary?: (x: number) => number
  readonly binary?: (x: number, y: number) => number
}

/** The elementary functions a law may call: smooth ones whose derivatives mathjs knows. */
const userFunctions: ReadonlyMap<string, Elementary> = new Map<string, Elementary>([
  ["exp", { unary: Math.exp }],
  ["log", { unary: Math.log, binary: (x, base) => Math.log(x) / Math.log(base) }],
  ["log10", { unary: Math.log10 }],
  ["sqrt", { unary: Math.sqrt }],
  ["pow", { binary: (x, y) => x ** y }],
  ["tanh", { unary: Math.tanh }]
])

/** Functions that only appear in mathjs's derivatives of the ones above (d tanh = sech²). */
const derivativeFunctions: ReadonlyMap<string, Elementary> = new Map<string, Elementary>([
  ["sech", { unary: (x) => 1 / Math.cosh(x) }]
])

const arityOf = (elementary: Elementary): ReadonlyArray<number> =>
  [elementary.unary === undefined ? [] : [1], elementary.binary === undefined ? [] : [2]].flat()

const quote = (text: string): string => `\`${text}\``

const describeForbidden = (node: MathNode, names: ReadonlySet<string>): string | undefined => {
  if (isConstantNode(node)) return typeof node.value === "number" ? undefined : `${quote(node.toString())} is not a number`
  if (isSymbolNode(node)) {
    if (names.has(node.name) || constants.has(node.name)) return undefined
    return `unknown name ${quote(node.name)} (declared: ${[...names].join(", ")}; constants: pi, e)`
  }
  if (isParenthesisNode(node)) return describeForbidden(node.content, names)
  if (isOperatorNode(node)) {
    const known = node.args.length === 1 ? unaryOperators.has(node.fn) : binaryOperators.has(node.fn)
    if (!known) return `operator ${quote(node.op)} is not allowed (allowed: + - * / ^)`
    return firstForbidden(node.args, names)
  }
  if (isFunctionNode(node)) {
    const name = isSymbolNode(node.fn) ? node.fn.name : undefined
    const known = name === undefined ? undefined : userFunctions.get(name)
    if (known === undefined) {
      return `function ${quote(name ?? node.fn.toString())} is not allowed (allowed: ${[...userFunctions.keys()].join(", ")})`
    }
    const arity = arityOf(known)
    if (!arity.includes(node.args.length)) {
      return `${quote(node.toString())} gives ${name} ${node.args.length} arguments, it takes ${arity.join(" or ")}`
    }
    return firstForbidden(node.args, names)
  }
  return `${quote(node.toString())} (${node.type}) is not allowed: use numbers, the declared names, + - * / ^ and elementary functions`
}

const firstForbidden = (nodes: ReadonlyArray<MathNode>, names: ReadonlySet<string>): string | undefined => {
  for (const node of nodes) {
    const problem = describeForbidden(node, names)
    if (problem !== undefined) return problem
  }
  return undefined
}

const usedSymbols = (node: MathNode): Set<string> => {
  const names = new Set<string>()
  node.traverse((child) => {
    if (isSymbolNode(child)) names.add(child.name)
  })
  return names
}

/** Closures for a checked tree (or a derivative of one); anything outside the tables is a bug here. */
const compileNode = (node: MathNode, slotOf: ReadonlyMap<string, number>): SlotFunction => {
  if (isConstantNode(node)) {
    const value = Number(node.value)
    return () => value
  }
  if (isSymbolNode(node)) {
    const slot = slotOf.get(node.name)
    if (slot !== undefined) return (slots) => slots[slot] as number
    const value = constants.get(node.name)
    if (value !== undefined) return () => value
  }
  if (isParenthesisNode(node)) return compileNode(node.content, slotOf)
  if (isOperatorNode(node)) {
    const args = node.args.map((arg) => compileNode(arg, slotOf))
    const [first, second] = args
    const unary = unaryOperators.get(node.fn)
    if (args.length === 1 && first !== undefined && unary !== undefined) return (slots) => unary(first(slots))
    const binary = binaryOperators.get(node.fn)
    if (args.length === 2 && first !== undefined && second !== undefined && binary !== undefined) {
      return (slots) => binary(first(slots), second(slots))
    }
  }
  if (isFunctionNode(node) && isSymbolNode(node.fn)) {
    const elementary = userFunctions.get(node.fn.name) ?? derivativeFunctions.get(node.fn.name)
    const [first, second] = node.args.map((arg) => compileNode(arg, slotOf))
    const { unary, binary } = elementary ?? {}
    if (node.args.length === 1 && first !== undefined && unary !== undefined) return (slots) => unary(first(slots))
    if (node.args.length === 2 && first !== undefined && second !== undefined && binary !== undefined) {
      return (slots) => binary(first(slots), second(slots))
    }
  }
  throw new Error(`cannot compile ${node.type} \`${node.toString()}\` of a law or its derivative`)
}

const requireIdentifiers = (names: ReadonlyArray<string>, role: string, expression: string): void => {
  const seen = new Set<string>()
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new LawInputError(`law ${quote(expression)}: ${role} name ${quote(name)} is not an identifier (letters, digits, _)`)
    }
    if (constants.has(name) || userFunctions.has(name)) {
      throw new LawInputError(`law ${quote(expression)}: ${role} name ${quote(name)} is reserved; rename it`)
    }
    if (seen.has(name)) throw new LawInputError(`law ${quote(expression)}: ${role} ${quote(name)} is declared twice`)
    seen.add(name)
  }
}

/**
 * Parses `expression`, checks that it uses only numbers, `variables`, `parameters`, pi, e,
 * + - * / ^ and elementary functions, and compiles it with one symbolic derivative per parameter.
 */
export const compileLaw = (expression: string, variables: ReadonlyArray<string>, parameters: ReadonlyArray<string>): CompiledLaw => {
  requireIdentifiers(variables, "variable", expression)
  requireIdentifiers(parameters, "parameter", expression)
  const clash = variables.find((name) => parameters.includes(name))
  if (clash !== undefined) {
    throw new LawInputError(`law ${quote(expression)}: ${quote(clash)} is declared both as a variable and as a parameter`)
  }
  if (parameters.length === 0) throw new LawInputError(`law ${quote(expression)} declares no parameters to fit`)
  let tree: MathNode
  try {
    tree = parse(expression)
  } catch (error) {
    throw new LawInputError(`law ${quote(expression)} cannot be parsed: ${error instanceof Error ? error.message : String(error)}`)
  }
  const names = [...variables, ...parameters]
  const forbidden = describeForbidden(tree, new Set(names))
  if (forbidden !== undefined) throw new LawInputError(`law ${quote(expression)}: ${forbidden}`)
  const used = usedSymbols(tree)
  const unused = parameters.find((name) => !used.has(name))
  if (unused !== undefined) {
    throw new LawInputError(`law ${quote(expression)}: parameter ${quote(unused)} does not appear in it, so no data can fit it; remove it`)
  }
  const slotOf = new Map(names.map((name, slot) => [name, slot]))
  return {
    variables,
    parameters,
    value: compileNode(tree, slotOf),
    gradient: parameters.map((name) => compileNode(derivative(tree, name), slotOf))
  }
}
