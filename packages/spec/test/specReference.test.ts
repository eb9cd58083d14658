import { readFileSync } from "node:fs"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { decodeSpecText, experimentJsonSchema, formatSpecIssue, sectionKey, specReferenceMarkdown, specSections } from "../src/index.ts"
import { FULL_EXAMPLE, SECTION_EXAMPLES } from "../src/specExamples.ts"

type JsonSchemaNode = {
  readonly properties?: Record<string, JsonSchemaNode>
  readonly anyOf?: ReadonlyArray<JsonSchemaNode>
}

const REGENERATE = "docs/spec.md is out of date with the spec's schema: run `pnpm scalelab schema --markdown > docs/spec.md`"

/** Every field path in the JSON Schema that `scalelab schema` prints, sections' fields included. */
const fieldPaths = (node: JsonSchemaNode, prefix: string): ReadonlyArray<string> => {
  const objects = node.properties !== undefined ? [node] : (node.anyOf ?? []).filter((member) => member.properties !== undefined)
  return objects.flatMap((object) =>
    Object.entries(object.properties ?? {}).flatMap(([name, field]) => {
      const path = `${prefix}${name}`
      const isPureSection = field.properties !== undefined ||
        (field.anyOf !== undefined && field.anyOf.every((member) => member.properties !== undefined))
      return [...(isPureSection ? [] : [path]), ...fieldPaths(field, `${path}.`)]
    })
  )
}

const decodes = (text: string, label: string): void => {
  const decoded = decodeSpecText(text, `${label}.yaml`)
  const problems = Result.isFailure(decoded) ? decoded.failure.issues.map(formatSpecIssue) : []
  expect(problems, `the example of ${label} is a valid spec`).toEqual([])
}

describe("the spec reference (docs/spec.md)", () => {
  const markdown = specReferenceMarkdown()

  it("is what `scalelab schema --markdown` writes", () => {
    const committed = readFileSync(new URL("../../../docs/spec.md", import.meta.url), "utf8")
    expect(committed === markdown, REGENERATE).toBe(true)
  })

  it("has a row for every field of the JSON Schema", () => {
    const paths = fieldPaths(experimentJsonSchema() as JsonSchemaNode, "")
    expect(paths).toContain("training.optimizer.beta1")
    expect(paths).toContain("data.corpus.alphabet")
    for (const path of paths) expect(markdown, `a row for ${path}`).toContain(`| \`${path}\` |`)
  })

  it("reads units and list defaults out of the descriptions", () => {
    const fields = specSections().flatMap((section) => section.fields)
    const budgets = fields.find((field) => field.path === "sweep.budgets")
    expect(budgets?.unit).toBe("FLOPs")
    expect(budgets?.defaultValue).toBe("`logspace(1e11, 1e12, 3)`")
    expect(budgets?.description).not.toMatch(/Unit:|Default:/u)
    expect(fields.find((field) => field.path === "execution.hang_timeout")?.unit).toBe("seconds")
    expect(fields.find((field) => field.path === "name")?.defaultValue).toBe("required")
  })

  it("gives examples that are valid specs, each for a section that exists", () => {
    decodes(FULL_EXAMPLE, "the full example")
    const keys = specSections().map(sectionKey)
    for (const [key, example] of Object.entries(SECTION_EXAMPLES)) {
      expect(keys, `a section for the example keyed "${key}"`).toContain(key)
      decodes(key === "" ? example : `name: example\n${example}`, key === "" ? "the top level" : key)
    }
  })
})
