// Property: whatever text a spec file holds, decoding it either succeeds or fails with a SpecError
// (exit 2) whose every issue is located as FILE:LINE:COL inside the file; it never throws, never
// prints a stack trace and never takes long.
import { NodeServices } from "@effect/platform-node"
import { Cause, Effect, Exit, Result } from "effect"
import fc from "fast-check"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { decodeExperimentText, decodeSpecText, formatSpecIssue, loadExperimentSpec, SpecError } from "../../packages/spec/src/index.ts"
import { mutatedText, yamlishText } from "./support/generators.ts"
import { checkProperty, stackTraceLine, timed } from "./support/property.ts"

const THIS_FILE = "test/fuzz/spec-loader.test.ts"
const FILE = "fuzz.yaml"
const CASE_MS = 2_000

const specsIn = (folder: string): ReadonlyArray<string> => {
  const path = fileURLToPath(new URL(folder, import.meta.url))
  return readdirSync(path).filter((name) => name.endsWith(".yaml")).map((name) => readFileSync(join(path, name), "utf8"))
}

const realSpecs = [...specsIn("../../experiments/"), ...specsIn("../specs/valid/"), ...specsIn("../specs/invalid/")]

const nonFiniteNumbers = (value: unknown, path = ""): ReadonlyArray<string> =>
  typeof value === "number"
    ? Number.isFinite(value) ? [] : [`${path} = ${value}`]
    : typeof value === "object" && value !== null
    ? Object.entries(value).flatMap(([key, item]) => nonFiniteNumbers(item, `${path}.${key}`))
    : []

/** The spec-loader property for one text: a decoded spec, or located issues and nothing else. */
export const expectDecodedOrLocated = (text: string): void => {
  const lineCount = text.split("\n").length
  // The trained-experiment decoder adds one check to the decoded spec: worth running only past decoding.
  for (const decode of [decodeSpecText, decodeExperimentText]) {
    const { value: result, ms } = timed(() => decode(text, FILE))
    expect(ms, "decoding time (ms)").toBeLessThan(CASE_MS)
    if (Result.isSuccess(result)) {
      expect(typeof result.success.name).toBe("string")
      // A decoded spec holds no Infinity or NaN: YAML's .inf and 1e400 must not pass as budgets or rates.
      expect(nonFiniteNumbers(result.success)).toEqual([])
      continue
    }
    const error = result.failure
    expect(error).toBeInstanceOf(SpecError)
    expect(error.issues.length).toBeGreaterThan(0)
    for (const issue of error.issues) {
      expect(issue.file).toBe(FILE)
      expect(issue.line).toBeGreaterThanOrEqual(1)
      expect(issue.line).toBeLessThanOrEqual(lineCount)
      expect(issue.column).toBeGreaterThanOrEqual(1)
      expect(issue.message.trim()).not.toBe("")
      // One issue, one line: a line of its own makes the rest of the message lose its FILE:LINE.
      expect(issue.message).not.toContain("\n")
    }
    for (const issue of error.issues) expect(formatSpecIssue(issue)).toMatch(/^fuzz\.yaml:\d+:\d+: \S/)
    expect(error.message).not.toMatch(stackTraceLine)
    return
  }
}

describe("the spec loader on generated specs", () => {
  it("decodes or locates every problem of a mutated real spec", async () => {
    await checkProperty(THIS_FILE, mutatedText(realSpecs), expectDecodedOrLocated, 1_500)
  })

  it("decodes or locates every problem of random YAML-like text", async () => {
    await checkProperty(THIS_FILE, yamlishText, expectDecodedOrLocated, 1_000)
  })

  it("decodes or locates every problem of arbitrary text", async () => {
    await checkProperty(THIS_FILE, fc.string({ unit: "binary", maxLength: 200 }), expectDecodedOrLocated, 300)
  })

  describe("loading from a file, with corpus and table paths resolved", () => {
    const dir = mkdtempSync(join(tmpdir(), "scalelab-fuzz-spec-"))
    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    it("loads a mutated spec or fails with its located issues", async () => {
      const file = join(dir, "spec.yaml")
      await checkProperty(THIS_FILE, mutatedText(realSpecs), async (text) => {
        writeFileSync(file, text)
        const started = performance.now()
        const exit = await Effect.runPromiseExit(loadExperimentSpec(file).pipe(Effect.provide(NodeServices.layer)))
        expect(performance.now() - started, "loading time (ms)").toBeLessThan(CASE_MS)
        if (Exit.isSuccess(exit)) return
        const error = Cause.squash(exit.cause)
        expect(error, String(error)).toBeInstanceOf(SpecError)
        expect((error as SpecError).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+: `))
      }, 200)
      expect(readdirSync(dir)).toEqual(["spec.yaml"])
    })
  })
})
