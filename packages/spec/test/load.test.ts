import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Exit } from "effect"
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { loadExperiment, SpecError } from "../src/index.ts"

const run = (file: string) => Effect.runPromiseExit(loadExperiment(file).pipe(Effect.provide(NodeFileSystem.layer)))

const failureOf = async (file: string): Promise<SpecError> => {
  const exit = await run(file)
  if (Exit.isSuccess(exit)) throw new Error(`expected ${file} to fail`)
  const error = exit.cause.reasons.map((reason) => (reason._tag === "Fail" ? reason.error : undefined)).find(Boolean)
  if (!(error instanceof SpecError)) throw new Error(`expected a SpecError, got ${String(exit.cause)}`)
  return error
}

const scratch = mkdtempSync(join(tmpdir(), "scalelab-spec-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe("loadExperiment", () => {
  it("reads and decodes a spec file", async () => {
    const exit = await run(fileURLToPath(new URL("../../../test/specs/valid/full.yaml", import.meta.url)))
    expect(Exit.isSuccess(exit) && exit.value.name).toBe("full-example_1")
  })

  it("loads every valid example", async () => {
    const folder = fileURLToPath(new URL("../../../test/specs/valid/", import.meta.url))
    const names = readdirSync(folder).filter((name) => name.endsWith(".yaml"))
    expect(names.length).toBeGreaterThanOrEqual(4)
    for (const name of names) expect(Exit.isSuccess(await run(join(folder, name))), name).toBe(true)
  })

  it("expands a file corpus's globs relative to the spec's folder into sorted absolute paths", async () => {
    const folder = join(scratch, "globs")
    mkdirSync(join(folder, "texts", "more"), { recursive: true })
    for (const name of ["b.txt", "a.txt", "notes.md", "more/c.txt"]) writeFileSync(join(folder, "texts", name), name)
    const spec = join(folder, "spec.yaml")
    writeFileSync(spec, "name: globs\ndata:\n  corpus: [\"texts/**/*.txt\", texts/a.txt, texts/notes.md]\n")
    const exit = await run(spec)
    if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
    expect(exit.value.data.corpus).toEqual({
      kind: "files",
      paths: ["a.txt", "b.txt", "more/c.txt", "notes.md"].map((name) => join(folder, "texts", name))
    })
  })

  it("reports a path that matches no file at the path, naming the field", async () => {
    const spec = join(scratch, "unmatched.yaml")
    writeFileSync(spec, "name: unmatched\ndata: { corpus: \"nowhere/*.txt\" }\n")
    const error = await failureOf(spec)
    expect(error.issues).toEqual([{ file: spec, line: 2, column: 17, message: expect.stringMatching(/^data\.corpus: `nowhere\/\*\.txt` matches no file;/) }])
  })

  it("reports a missing file as a located issue that says to check the path", async () => {
    const file = join(scratch, "absent.yaml")
    const error = await failureOf(file)
    expect(error.issues).toEqual([{ file, line: 1, column: 1, message: "file not found; check the path" }])
  })

  it("reports a path that is not a readable file", async () => {
    const error = await failureOf(scratch)
    expect(error.issues).toHaveLength(1)
    expect(error.issues[0]?.message).toMatch(/^cannot read the file/)
  })

  it("reports decoding problems with the file's name", async () => {
    const file = fileURLToPath(new URL("../../../test/specs/invalid/negative-budget.yaml", import.meta.url))
    const error = await failureOf(file)
    expect(error.issues.map((issue) => issue.file)).toEqual([file])
  })
})
