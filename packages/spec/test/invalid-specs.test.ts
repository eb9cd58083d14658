import { Result } from "effect"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { expectationsOf, invalidSpecFiles as files, invalidSpecsFolder as folder } from "../../../test/support/specExpectations.ts"
import { decodeExperimentText, formatSpecIssue } from "../src/index.ts"

describe("invalid specs", () => {
  it("has a fixture for each kind of problem", () => {
    expect(files.length).toBeGreaterThanOrEqual(24)
  })

  it.each(files)("%s reports exactly the issues in its header", (name) => {
    const text = readFileSync(`${folder}${name}`, "utf8")
    const expectations = expectationsOf(text)
    expect(expectations.length, "the fixture states at least one expected issue").toBeGreaterThan(0)

    const result = decodeExperimentText(text, name)
    if (Result.isSuccess(result)) throw new Error(`${name} decoded without issues`)
    const issues = result.failure.issues
    const shown = issues.map(formatSpecIssue).join("\n")

    expect(new Set(issues.map((issue) => `${issue.line}:${issue.column}`)), shown)
      .toEqual(new Set(expectations.map((e) => e.position)))
    for (const { position, fragment } of expectations) {
      const messages = issues.filter((issue) => `${issue.line}:${issue.column}` === position).map((issue) => issue.message)
      expect(messages.some((message) => message.includes(fragment)), `${position}: ${fragment}\n--- got:\n${shown}`).toBe(true)
    }
    for (const issue of issues) expect(issue.file).toBe(name)
  })
})
