import { JsonSchema, Schema } from "effect"
import { ExperimentSchema } from "./experiment.ts"
import { MetricLine, RunResult, RunSpec } from "./runContract.ts"

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

/** The files of the worker contract that a trainer in another language reads or writes. */
const contractSchemas = { RunSpec, MetricLine, RunResult } as const

/**
 * The JSON Schema of the worker contract (run.json, metric lines, result.json), one definition per
 * file, for trainers in other languages: the Python worker library commits it and checks what it
 * writes against it. Excess keys are allowed, as the runner's decoding ignores them (task metrics).
 */
export const runContractJsonSchema = (): JsonSchema.JsonSchema => {
  const definitions = Object.fromEntries(Object.entries(contractSchemas).flatMap(([name, schema]) => {
    const document = JsonSchema.toDocumentDraft07(Schema.toJsonSchemaDocument(schema))
    return [[name, document.schema], ...Object.entries(document.definitions)]
  }))
  return { $schema: JsonSchema.META_SCHEMA_URI_DRAFT_07, definitions }
}
