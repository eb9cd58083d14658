import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import { experimentJsonSchema } from "../src/index.ts"

type JsonSchemaNode = {
  readonly properties?: Record<string, JsonSchemaNode>
  readonly anyOf?: ReadonlyArray<JsonSchemaNode>
  readonly additionalProperties?: boolean
  readonly required?: ReadonlyArray<string>
  readonly description?: string
  readonly default?: unknown
  readonly pattern?: string
}

const schema = experimentJsonSchema() as JsonSchemaNode
const properties = (node: JsonSchemaNode | undefined): Record<string, JsonSchemaNode> =>
  node?.properties ?? node?.anyOf?.find((member) => member.properties !== undefined)?.properties ?? {}

describe("experimentJsonSchema", () => {
  it("matches the committed docs/scalelab.schema.json (regenerate with scripts/write-json-schema.ts)", () => {
    const committed: unknown = JSON.parse(readFileSync(new URL("../../../docs/scalelab.schema.json", import.meta.url), "utf8"))
    expect(committed).toEqual(schema)
  })

  it("requires only the name, and rejects unknown keys at every level", () => {
    expect(schema.required).toEqual(["name"])
    expect(schema.additionalProperties).toBe(false)
    expect(properties(schema)["name"]?.pattern).toBe("^[a-z0-9][a-z0-9_-]*$")
    for (const section of ["data", "model", "sweep", "training", "eval", "fit", "forecast", "execution"]) {
      const node = properties(schema)[section]
      const object = node?.anyOf?.[0] ?? node
      expect(object?.additionalProperties, section).toBe(false)
    }
  })

  it("describes every field written in the full example, with defaults for editors", () => {
    const full = parse(readFileSync(new URL("../../../test/specs/valid/full.yaml", import.meta.url), "utf8")) as Record<string, unknown>
    const visit = (value: Record<string, unknown>, node: JsonSchemaNode | undefined, path: string): void => {
      for (const [key, inner] of Object.entries(value)) {
        const field = properties(node)[key]
        expect(field, `${path}${key} is in the JSON Schema`).toBeDefined()
        if (inner !== null && typeof inner === "object" && !Array.isArray(inner)) {
          visit(inner as Record<string, unknown>, field, `${path}${key}.`)
        } else {
          expect(field?.description, `${path}${key} has a description`).toBeTruthy()
        }
      }
    }
    visit(full, schema, "")
    expect(properties(properties(schema)["training"])["warmup"]?.default).toBe(0.05)
    expect(properties(properties(schema)["training"])["lr"]?.default).toBe("3e-3 * (N / 1e5)^-0.25")
  })
})
