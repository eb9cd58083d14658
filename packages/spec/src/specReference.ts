// The spec reference (docs/spec.md), generated from the spec's schema so that it cannot drift from
// it: the JSON Schema document of ExperimentSchema (the one `scalelab schema` prints, plus each
// field's `expected` wording) is walked section by section into one table per section.
import { Schema } from "effect"
import { ExperimentSchema } from "./experiment.ts"
import { MAX_EXPRESSION_LENGTH, MAX_EXPRESSION_NESTING } from "./expression.ts"
import { FULL_EXAMPLE, SECTION_EXAMPLES } from "./specExamples.ts"
import { MAX_ALIAS_EXPANSION } from "./yamlValue.ts"

/** The parts of a JSON Schema node that the reference reads. */
interface SchemaNode {
  readonly type?: string
  readonly properties?: Readonly<Record<string, SchemaNode>>
  readonly required?: ReadonlyArray<string>
  readonly anyOf?: ReadonlyArray<SchemaNode>
  readonly enum?: ReadonlyArray<unknown>
  readonly items?: SchemaNode
  readonly description?: string
  readonly default?: unknown
  readonly expected?: string
  readonly $ref?: string
}

/** One row of a section's table. */
export interface FieldReference {
  /** The field's path as written in YAML, e.g. `training.optimizer.beta1`. */
  readonly path: string
  readonly allowed: string
  readonly defaultValue: string
  readonly unit: string
  readonly description: string
}

/** A table of fields: a top-level section, a section inside one, or one variant of a union. */
export interface SectionReference {
  /** The section's path in YAML; "" for the top level. */
  readonly path: string
  /** The variant's discriminating field, e.g. `kind: table`, where the section is a union. */
  readonly variant: string | undefined
  readonly description: string
  readonly fields: ReadonlyArray<FieldReference>
}

/** The JSON Schema document of the spec format, with each field's `expected` wording kept. */
const specSchemaDocument = () =>
  Schema.toJsonSchemaDocument(ExperimentSchema, {
    onExcessProperty: "error",
    includeAnnotationKey: (key) => key === "expected"
  })

/** A `Unit: FLOPs.` sentence in a description names the field's unit. */
const UNIT_SENTENCE = /\s*Unit: ([^.]+)\.(?=\s|$)/u
/** Lists state their default in the description (`Default: \`...\`.`), as YAML writes it. */
const DEFAULT_SENTENCE = /\s*Default: `([^`]*)`\.(?=\s|$)/u
/** Every number may be an expression; the reference says so once rather than on every row. */
const EXPRESSION_NOTE = /\s*\(a number or an expression such as `[^`]*`\)$/u

const isObjectNode = (node: SchemaNode): boolean => node.properties !== undefined

/** The object forms a node takes: itself, or those members of its union that are objects. */
const objectVariants = (node: SchemaNode): ReadonlyArray<SchemaNode> =>
  isObjectNode(node) ? [node] : (node.anyOf ?? []).filter(isObjectNode)

/** A section holds fields and nothing else: an object, or a union of objects (one per kind). */
const isSection = (node: SchemaNode): boolean =>
  isObjectNode(node) || (node.anyOf !== undefined && node.anyOf.length > 0 && node.anyOf.every(isObjectNode))

const choicesOf = (node: SchemaNode): ReadonlyArray<unknown> | undefined => {
  if (node.enum !== undefined) return node.enum
  const [only, ...rest] = node.anyOf ?? []
  return only !== undefined && rest.length === 0 ? only.enum : undefined
}

const code = (text: string): string => `\`${text}\``

const yamlValue = (value: unknown): string => {
  if (typeof value === "string") return value === "" ? '""' : value
  if (Array.isArray(value)) return `[${value.map(yamlValue).join(", ")}]`
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
    return `{${entries.map(([key, inner]) => ` ${key}: ${yamlValue(inner)}`).join(",")}${entries.length > 0 ? " " : ""}}`
  }
  return String(value)
}

const allowedValues = (node: SchemaNode): string => {
  const choices = choicesOf(node)
  if (choices !== undefined) return choices.map((choice) => code(yamlValue(choice))).join(", ")
  if (node.expected !== undefined) return node.expected.replace(EXPRESSION_NOTE, "")
  if (node.type === "boolean") return "`true` or `false`"
  if (node.type === "array") return "a list"
  if (node.type === "object") return "a map"
  return node.type === "string" ? "text" : "a number"
}

/** Table cells are one line, and `|` would end the cell. */
const cell = (text: string): string => text.replaceAll("|", "\\|").replaceAll("\n", " ")

const fieldReference = (path: string, node: SchemaNode, required: boolean): FieldReference => {
  const description = node.description ?? ""
  const unit = UNIT_SENTENCE.exec(description)?.[1] ?? ""
  const statedDefault = DEFAULT_SENTENCE.exec(description)?.[1]
  const defaultValue = node.default !== undefined
    ? code(yamlValue(node.default))
    : statedDefault !== undefined
    ? code(statedDefault)
    : required
    ? "required"
    : ""
  return {
    path,
    allowed: allowedValues(node),
    defaultValue,
    unit,
    description: description.replace(UNIT_SENTENCE, "").replace(DEFAULT_SENTENCE, "").trim()
  }
}

/** The field that tells a union's objects apart: one allowing a single value, e.g. `kind: table`. */
const discriminator = (variant: SchemaNode): string | undefined => {
  for (const [name, field] of Object.entries(variant.properties ?? {})) {
    const choices = choicesOf(field)
    if (choices?.length === 1) return `${name}: ${yamlValue(choices[0])}`
  }
  return undefined
}

const joinPath = (parent: string, name: string): string => (parent === "" ? name : `${parent}.${name}`)

/**
 * The sections of an object, in the order a reader meets them: its own fields first, then the
 * objects inside it, each with its own table. A field that may also be written as a map (the
 * corpus: a name, or `{ kind: markov, ... }`) gets a row here and a table for the map's fields.
 */
const sectionsOf = (path: string, node: SchemaNode, description: string, variant?: string): ReadonlyArray<SectionReference> => {
  const fields: Array<FieldReference> = []
  const inner: Array<SectionReference> = []
  const required = new Set(node.required ?? [])
  for (const [name, field] of Object.entries(node.properties ?? {})) {
    const fieldPath = joinPath(path, name)
    if (isSection(field)) {
      inner.push(...unionSections(fieldPath, field))
    } else {
      fields.push(fieldReference(fieldPath, field, required.has(name)))
      for (const form of objectVariants(field)) inner.push(...sectionsOf(fieldPath, form, "", discriminator(form)))
    }
  }
  return [{ path, variant, description, fields }, ...inner]
}

/** A section, or one section per kind where it is a union of objects (the sweep). */
const unionSections = (path: string, node: SchemaNode): ReadonlyArray<SectionReference> => {
  const variants = objectVariants(node)
  const description = node.description ?? ""
  if (variants.length === 1 && isObjectNode(node)) return sectionsOf(path, node, description)
  return variants.flatMap((variant, index) =>
    sectionsOf(path, variant, index === 0 ? description : variant.description ?? "", discriminator(variant))
  )
}

/** Every table of the reference, in document order, from the schema. */
export const specSections = (): ReadonlyArray<SectionReference> => {
  const document = specSchemaDocument()
  const root = document.schema as SchemaNode
  return sectionsOf("", root, root.description ?? "")
}

const sectionTitle = (section: SectionReference): string => {
  const name = section.path === "" ? "Top level" : code(section.path)
  return section.variant === undefined ? name : `${name} with ${code(section.variant)}`
}

/** The key under which a section's example is kept: its path, and its variant where it has one. */
export const sectionKey = (section: Pick<SectionReference, "path" | "variant">): string =>
  section.variant === undefined ? section.path : `${section.path} (${section.variant})`

/** The anchor GitHub gives a heading. */
const anchor = (title: string): string =>
  title.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replaceAll(" ", "-")

const headingLevel = (section: SectionReference): string => (section.path.includes(".") ? "###" : "##")

const table = (fields: ReadonlyArray<FieldReference>): ReadonlyArray<string> => [
  "| field | type / allowed values | default | unit | description |",
  "|---|---|---|---|---|",
  ...fields.map((field) =>
    `| ${code(field.path)} | ${cell(field.allowed)} | ${cell(field.defaultValue)} | ${cell(field.unit)} | ${cell(field.description)} |`
  )
]

const yamlBlock = (yaml: string): ReadonlyArray<string> => ["```yaml", yaml.trimEnd(), "```"]

const sectionMarkdown = (section: SectionReference): ReadonlyArray<string> => {
  const example = SECTION_EXAMPLES[sectionKey(section)]
  return [
    `${headingLevel(section)} ${sectionTitle(section)}`,
    "",
    ...(section.description === "" ? [] : [section.description, ""]),
    ...(section.fields.length === 0 ? [] : [...table(section.fields), ""]),
    ...(example === undefined ? [] : ["For example:", "", ...yamlBlock(example), ""])
  ]
}

const INTRODUCTION = [
  "# Spec reference",
  "",
  "<!-- Generated from the spec's schema (packages/spec/src/experiment.ts) by `pnpm scalelab schema --markdown`.",
  "     Do not edit by hand: change the schema, then run `pnpm scalelab schema --markdown > docs/spec.md`. -->",
  "",
  "A spec is one YAML file describing one experiment: the runs to train, how to train them, and how",
  "to fit and forecast. Only `name` is required; every other field has the default shown here, and",
  "`scalelab plan SPEC` prints a spec with every default filled in. `scalelab validate SPEC` reports",
  "every problem at once as `FILE:LINE:COL: message`, the plan's included: a budget whose runs cannot",
  "spend it to within 5% on whole sequences, or that is shorter than one batch, is an error; a size",
  "planned other than asked (moved to the nearest shape, or merged with another size's shape) gets a",
  "`FILE:LINE:COL: note:` line. Editors that use the YAML language server",
  "complete and check fields from the JSON Schema (`scalelab schema`, also `docs/scalelab.schema.json`)",
  "when the spec starts with `# yaml-language-server: $schema=../docs/scalelab.schema.json`.",
  "",
  "Any number may be written as an expression, evaluated when the spec is read: `2^14`, `8 / 3`,",
  "`1e11 * 10^0.5`. Lists of budgets may also be one expression that gives several values:",
  "`logspace(1e10, 1e11, 3)` (3 values evenly spaced in log scale) or `linspace(a, b, n)`. The",
  "learning rate and the batch size may depend on the run: they are expressions in `N` (parameters),",
  "`D` (training tokens) and `C` (training FLOPs), evaluated for each run when it is planned.",
  `An expression may be up to ${MAX_EXPRESSION_LENGTH} characters long, with brackets nested up to ${MAX_EXPRESSION_NESTING} deep.`,
  `YAML anchors and aliases (\`&base\`, \`*base\`) may repeat up to ${MAX_ALIAS_EXPANSION.toLocaleString("en")} values in all.`,
  "",
  "Units: FLOPs are the floating-point operations of training a run, counted as the `flops` field",
  "says; tokens are the tokenizer's tokens (bytes with `tokenizer: bytes`); parameters count every",
  "weight of the model, embeddings included; a fraction is a number from 0 to 1; losses are in nats",
  "per token.",
  ""
]

/** The spec reference as Markdown: a full example, then a table and an example per section. */
export const specReferenceMarkdown = (): string => {
  const sections = specSections()
  const contents = sections.map((section) => {
    const title = sectionTitle(section)
    const indent = headingLevel(section) === "###" ? "  " : ""
    return `${indent}- [${title.replaceAll("`", "")}](#${anchor(title)})`
  })
  return [
    ...INTRODUCTION,
    "## A full example",
    "",
    ...yamlBlock(FULL_EXAMPLE),
    "",
    "## Sections",
    "",
    ...contents,
    "",
    ...sections.flatMap(sectionMarkdown)
  ].join("\n").trimEnd() + "\n"
}
