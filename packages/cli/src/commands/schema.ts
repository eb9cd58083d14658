import { Console } from "effect"
import { Command } from "effect/cli"
import { experimentJsonSchema } from "@scalelab/spec"

export const schemaCommand = Command.make("schema", {}, () =>
  Console.log(JSON.stringify(experimentJsonSchema(), null, 2))
).pipe(Command.withDescription("Print the JSON Schema of the spec format (for editor completion)"))
