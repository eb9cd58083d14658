// Finds where in the YAML text a value at a schema path came from, so that a schema issue can be
// reported at the line and column the user has to edit.
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml"
import { abbreviate } from "./abbreviate.ts"

export interface YamlLocation {
  /** The node at the path, or its deepest existing ancestor when the path leaves the document. */
  readonly node: Node
  /** The key naming `node` in its parent map; absent for the root and for list items. */
  readonly key?: Node
  /** Whether `node` is at the full path (false when a key was missing or a value was not a collection). */
  readonly exact: boolean
}

const keyMatches = (key: unknown, segment: PropertyKey): boolean =>
  isScalar(key) && String(key.value) === String(segment)

/** Walks `path` from the document root through maps and lists as far as the document goes. */
export const locate = (root: Node, path: ReadonlyArray<PropertyKey>): YamlLocation => {
  let location: YamlLocation = { node: root, exact: true }
  for (const segment of path) {
    const { node } = location
    if (isMap(node)) {
      const pair = node.items.find((item) => keyMatches(item.key, segment))
      if (pair === undefined || !isScalar(pair.key)) return { ...location, exact: false }
      location = { node: (pair.value ?? pair.key) as Node, key: pair.key, exact: true }
    } else if (isSeq(node) && typeof segment !== "symbol") {
      const item: unknown = node.items[Number(segment)]
      if (item === undefined || item === null) return { ...location, exact: false }
      location = { node: item as Node, exact: true }
    } else {
      return { ...location, exact: false }
    }
  }
  return location
}

export interface LinePosition {
  readonly line: number
  readonly column: number
}

/** A key written with no value (`key:`) parses to an empty scalar placed after the colon. */
const isEmptyValue = (node: Node): boolean =>
  isScalar(node) && node.value === null && (node.source === "" || node.source === undefined)

/** 1-based line and column of the first character of `node`. */
export const positionOf = (node: Node, lineCounter: LineCounter): LinePosition => {
  const { line, col } = lineCounter.linePos(node.range?.[0] ?? 0)
  return { line, column: col }
}

/** Where to point for a problem with the value at `location`: the value, or its key when the value is empty. */
export const valuePosition = (location: YamlLocation, lineCounter: LineCounter): LinePosition =>
  positionOf(isEmptyValue(location.node) && location.key !== undefined ? location.key : location.node, lineCounter)

/** How a value looked in the file, for "got ..." in messages. */
export const describeSource = (node: Node, text: string): string => {
  if (isMap(node)) return "a map"
  if (isSeq(node)) return "a list"
  if (isEmptyValue(node)) return "nothing"
  const [start, end] = node.range ?? [0, 0]
  return `\`${abbreviate(text.slice(start, end).trim())}\``
}

/**
 * The 1-based line and column of the value at `path` in a YAML text (or of its deepest existing
 * ancestor), for files other than specs whose problems must point at a line too.
 */
export const yamlPosition = (text: string, path: ReadonlyArray<PropertyKey>): LinePosition => {
  const lineCounter = new LineCounter()
  const root = parseDocument(text, { lineCounter }).contents
  return root === null ? { line: 1, column: 1 } : valuePosition(locate(root as Node, path), lineCounter)
}

/**
 * The position of the first of `paths` written in a YAML text (the most specific first, e.g. a
 * budget's list entry, then the list, then another field that could fix the problem); when none
 * is, the position of the first path's deepest existing ancestor.
 */
export const firstWrittenPosition = (text: string, paths: ReadonlyArray<ReadonlyArray<PropertyKey>>): LinePosition => {
  const lineCounter = new LineCounter()
  const root = parseDocument(text, { lineCounter }).contents
  if (root === null) return { line: 1, column: 1 }
  const locations = paths.map((path) => locate(root as Node, path))
  const chosen = locations.find((location) => location.exact) ?? locations[0] ?? { node: root as Node, exact: true }
  return valuePosition(chosen, lineCounter)
}
