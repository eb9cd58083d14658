// Every file in specs/invalid states the issues it must produce in its header, one comment line
// each: `# expect: LINE:COL: <part of the message>`. The positions must match exactly, as a set.
import { Result } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { decodeExperimentText, formatSpecIssue } from "../src/index.ts"

const folder = fileURLToPath(new URL("./specs/invalid/", import.meta.url))
const files = readdirSync(folder).filter((name) => name.endsWith(".yaml")).sort()

interface Expectation {
  readonly position: string
  readonly fragment: string
}

const expectationsOf = (text: string): ReadonlyArray<Expectation> =>
  [...text.matchAll(/^# expect: (\d+:\d+): (.+)$/gm)].map(([, position, fragment]) => ({
    position: position!,
    fragment: fragment!
  }))

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
