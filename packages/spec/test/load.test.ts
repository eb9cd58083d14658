import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Exit } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
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
