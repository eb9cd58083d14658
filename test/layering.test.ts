// The packages import one another only down the flow (docs/architecture.md), the CLI reaches the
// laws and the plots only through the library, and the modules and folders of each package's src/
// import one another without a loop: a loop makes the order in which modules initialise depend on
// which one is imported first, and it makes the folders stop meaning layers. The checks read the
// import and export statements of the sources, so they need no build.
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const packagesRoot = fileURLToPath(new URL("../packages", import.meta.url))

/** Module → the modules it imports. */
type ImportGraph = ReadonlyMap<string, ReadonlyArray<string>>

/** The relative specifiers a module imports or re-exports, statically or with import(). */
function relativeSpecifiers(source: string): Array<string> {
  const statement = /\bfrom\s+"(\.{1,2}\/[^"]+)"|\bimport\s+"(\.{1,2}\/[^"]+)"|\bimport\(\s*"(\.{1,2}\/[^"]+)"\s*\)/g
  return [...source.matchAll(statement)].map((match) => (match[1] ?? match[2] ?? match[3]) as string)
}

function typeScriptFiles(folder: string): Array<string> {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name)
    if (entry.isDirectory()) return typeScriptFiles(path)
    return entry.name.endsWith(".ts") ? [path] : []
  })
}

/** The graph of a src/ folder's modules, by path relative to it; imports from outside it are left out. */
function importGraph(src: string): ImportGraph {
  const files = typeScriptFiles(src)
  const known = new Set(files)
  return new Map(
    files.map((file) => {
      const targets = relativeSpecifiers(readFileSync(file, "utf8"))
        .map((specifier) => resolve(dirname(file), specifier))
        .filter((target) => known.has(target))
      return [relative(src, file), [...new Set(targets.map((target) => relative(src, target)))]]
    })
  )
}

/**
 * The import loops of a graph: its strongly connected components of more than one node, or of one
 * node that imports itself (Tarjan's algorithm). Each loop is sorted, and so is the list.
 */
function importLoops(graph: ImportGraph): Array<Array<string>> {
  const index = new Map<string, number>()
  const lowLink = new Map<string, number>()
  const stack: Array<string> = []
  const onStack = new Set<string>()
  const loops: Array<Array<string>> = []
  const visit = (node: string): void => {
    index.set(node, index.size)
    lowLink.set(node, index.get(node) as number)
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next)
        lowLink.set(node, Math.min(lowLink.get(node) as number, lowLink.get(next) as number))
      } else if (onStack.has(next)) {
        lowLink.set(node, Math.min(lowLink.get(node) as number, index.get(next) as number))
      }
    }
    if (lowLink.get(node) !== index.get(node)) return
    const component: Array<string> = []
    let member: string
    do {
      member = stack.pop() as string
      onStack.delete(member)
      component.push(member)
    } while (member !== node)
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) loops.push(component.sort())
  }
  for (const node of graph.keys()) if (!index.has(node)) visit(node)
  return loops.sort((a, b) => (a[0] as string).localeCompare(b[0] as string))
}

/**
 * The graph of a src/ folder's top-level folders: one imports another when any module in it does.
 * Modules directly in src/ are left out: the entry points import every folder by design.
 */
function folderGraph(modules: ImportGraph): ImportGraph {
  const folderOf = (module: string): string | undefined => (module.includes(sep) ? module.split(sep)[0] : undefined)
  const edges = new Map<string, Set<string>>()
  for (const [module, targets] of modules) {
    const from = folderOf(module)
    if (from === undefined) continue
    const into = edges.get(from) ?? new Set<string>()
    edges.set(from, into)
    for (const target of targets) {
      const to = folderOf(target)
      if (to !== undefined && to !== from) into.add(to)
    }
  }
  return new Map([...edges].map(([folder, targets]) => [folder, [...targets]]))
}

const packages = readdirSync(packagesRoot, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort()

describe("reading imports", () => {
  it("finds relative imports, type imports, re-exports and dynamic imports, and nothing from packages", () => {
    const source = [
      `import { a } from "./a.ts"`,
      `import type { B } from "../b/b.ts"`,
      `import {\n  c,\n  type C\n} from "./c.ts"`,
      `export { d } from "./d.ts"`,
      `export * from "./e.ts"`,
      `import "./f.ts"`,
      `const g = await import("./g.ts")`,
      `import * as tf from "@tensorflow/tfjs-core"`,
      `import { join } from "node:path"`
    ].join("\n")
    expect(relativeSpecifiers(source)).toEqual(["./a.ts", "../b/b.ts", "./c.ts", "./d.ts", "./e.ts", "./f.ts", "./g.ts"])
  })
})

describe("finding import loops", () => {
  it("finds each loop once, whatever module the search starts from", () => {
    const graph: ImportGraph = new Map([
      ["index.ts", ["corpus.ts", "model.ts"]],
      ["corpus.ts", ["fileCorpus.ts", "prng.ts"]],
      ["fileCorpus.ts", ["markov.ts"]],
      ["markov.ts", ["corpus.ts"]],
      ["model.ts", ["prng.ts", "model.ts"]],
      ["prng.ts", []]
    ])
    expect(importLoops(graph)).toEqual([["corpus.ts", "fileCorpus.ts", "markov.ts"], ["model.ts"]])
  })

  it("finds none in a graph where modules share imports without a loop", () => {
    const graph: ImportGraph = new Map([
      ["a.ts", ["b.ts", "c.ts"]],
      ["b.ts", ["d.ts"]],
      ["c.ts", ["d.ts"]],
      ["d.ts", []]
    ])
    expect(importLoops(graph)).toEqual([])
  })

  it("sees a loop between folders that no single pair of modules shows", () => {
    const modules: ImportGraph = new Map([
      ["index.ts", [join("data", "corpus.ts"), join("model", "model.ts")]],
      [join("data", "corpus.ts"), [join("model", "parameters.ts")]],
      [join("model", "parameters.ts"), []],
      [join("model", "model.ts"), [join("data", "batches.ts")]],
      [join("data", "batches.ts"), []]
    ])
    expect(importLoops(modules)).toEqual([])
    expect(importLoops(folderGraph(modules))).toEqual([["data", "model"]])
  })
})

describe.each(packages)("packages/%s/src", (name) => {
  const modules = importGraph(join(packagesRoot, name, "src"))

  it("has modules that import one another without a loop", () => {
    expect(modules.size).toBeGreaterThan(0)
    expect(importLoops(modules)).toEqual([])
  })

  it("has folders that import one another without a loop", () => {
    expect(importLoops(folderGraph(modules))).toEqual([])
  })
})

// The flow, lowest first (docs/architecture.md): a package may import only packages before it.
// The CLI is a shell over the library: what it needs of the laws or the plots comes through it.
const flow = ["datasets", "laws", "spec", "planner", "train", "runner", "plots", "sweep", "analysis", "dashboard", "cli"] as const
const shellMayNotImport = ["laws", "plots"]

/** The workspace packages (`@scalelab/NAME`) a source imports, statically or with import(). */
function workspaceImports(source: string): Array<string> {
  const statement = /\bfrom\s+"@scalelab\/([^"/]+)[^"]*"|\bimport\s+"@scalelab\/([^"/]+)[^"]*"|\bimport\(\s*"@scalelab\/([^"/]+)[^"]*"\s*\)/g
  return [...new Set([...source.matchAll(statement)].map((match) => (match[1] ?? match[2] ?? match[3]) as string))]
}

describe("the packages' layering", () => {
  it("reads which workspace packages a source imports", () => {
    const source = `import { a } from "@scalelab/laws"\nimport type { B } from "@scalelab/train/training-data"\nexport { c } from "@scalelab/spec"\nimport { d } from "effect"`
    expect(workspaceImports(source)).toEqual(["laws", "train", "spec"])
  })

  it("knows every package of the workspace", () => {
    expect([...flow].sort()).toEqual(packages)
  })

  it.each(packages)("packages/%s/src imports only packages before it in the flow", (name) => {
    const rank = flow.indexOf(name as (typeof flow)[number])
    const upward = typeScriptFiles(join(packagesRoot, name, "src")).flatMap((file) =>
      workspaceImports(readFileSync(file, "utf8"))
        .filter((imported) => flow.indexOf(imported as (typeof flow)[number]) >= rank)
        .map((imported) => `${relative(packagesRoot, file)} imports @scalelab/${imported}`))
    expect(upward).toEqual([])
  })

  it("packages/cli imports neither the laws nor the plots: the library stands between", () => {
    const cli = join(packagesRoot, "cli")
    const direct = typeScriptFiles(cli).flatMap((file) =>
      workspaceImports(readFileSync(file, "utf8"))
        .filter((imported) => shellMayNotImport.includes(imported))
        .map((imported) => `${relative(packagesRoot, file)} imports @scalelab/${imported}`))
    expect(direct).toEqual([])
  })
})
