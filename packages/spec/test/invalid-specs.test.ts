import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Exit } from "effect"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { expectationsOf, invalidSpecFiles as files, invalidSpecsFolder as folder } from "../../../test/support/specExpectations.ts"
import { formatSpecIssue, loadExperiment, SpecError } from "../src/index.ts"

/** Loads a fixture as the CLI does, so problems found only with the file's folder (corpus paths) count too. */
const issuesOf = async (file: string) => {
  const exit = await Effect.runPromiseExit(loadExperiment(file).pipe(Effect.provide(NodeFileSystem.layer)))
  if (Exit.isSuccess(exit)) throw new Error(`${file} loaded without issues`)
  const error = exit.cause.reasons.map((reason) => (reason._tag === "Fail" ? reason.error : undefined)).find(Boolean)
  if (!(error instanceof SpecError)) throw new Error(`expected a SpecError, got ${String(exit.cause)}`)
  return error.issues
}

describe("invalid specs", () => {
  it("has a fixture for each kind of problem", () => {
    expect(files.length).toBeGreaterThanOrEqual(24)
  })

  it.each(files)("%s reports exactly the issues in its header", async (name) => {
    const file = `${folder}${name}`
    const expectations = expectationsOf(readFileSync(file, "utf8"))
    expect(expectations.length, "the fixture states at least one expected issue").toBeGreaterThan(0)

    const issues = await issuesOf(file)
    const shown = issues.map(formatSpecIssue).join("\n")

    expect(new Set(issues.map((issue) => `${issue.line}:${issue.column}`)), shown)
      .toEqual(new Set(expectations.map((e) => e.position)))
    for (const { position, fragment } of expectations) {
      const messages = issues.filter((issue) => `${issue.line}:${issue.column}` === position).map((issue) => issue.message)
      expect(messages.some((message) => message.includes(fragment)), `${position}: ${fragment}\n--- got:\n${shown}`).toBe(true)
    }
    for (const issue of issues) expect(issue.file).toBe(file)
  })
})
