import { JsonSchema, Schema } from "effect"
import { ExperimentSchema } from "./experiment.ts"

/**
 * The JSON Schema of the spec format, for editors (completion, hover text, early errors).
 * Draft-07, the draft YAML and JSON editors support most widely. Being JSON Schema it cannot
 * evaluate expressions or check cross-field rules: decoding remains the authority.
 */
export const experimentJsonSchema = (): JsonSchema.JsonSchema => {
  const document = JsonSchema.toDocumentDraft07(Schema.toJsonSchemaDocument(ExperimentSchema, { onExcessProperty: "error" }))
  const definitions = Object.keys(document.definitions).length > 0 ? { definitions: document.definitions } : {}
  return { $schema: JsonSchema.META_SCHEMA_URI_DRAFT_07, ...document.schema, ...definitions }
}
