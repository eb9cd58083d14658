import { Console } from "effect"
import { Command, Flag } from "effect/cli"
import { experimentJsonSchema, specReferenceMarkdown } from "@scalelab/spec"

const markdownFlag = Flag.Boolean("markdown").pipe(
  Flag.withDescription("the spec reference as Markdown instead (every field, its default and unit; docs/spec.md)"),
  Flag.withDefault(false)
)

export const schemaCommand = Command.make("schema", { markdown: markdownFlag }, ({ markdown }) =>
  markdown
    ? Console.log(specReferenceMarkdown().trimEnd())
    : Console.log(JSON.stringify(experimentJsonSchema(), null, 2))
).pipe(Command.withDescription(
  "Print the JSON Schema of the spec format (for editor completion), or with --markdown the spec reference"
))
