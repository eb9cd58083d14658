// Writes docs/scalelab.schema.json from the spec schema. Run after changing the format:
//   pnpm tsx packages/spec/scripts/write-json-schema.ts
// A test fails while the committed file differs from what this would write.
import { NodeFileSystem, NodeRuntime } from "@effect/platform-node"
import { Effect, FileSystem } from "effect"
import { fileURLToPath } from "node:url"
import { experimentJsonSchema } from "../src/index.ts"

const target = fileURLToPath(new URL("../../../docs/scalelab.schema.json", import.meta.url))

const writeJsonSchema = Effect.gen(function*() {
  const fileSystem = yield* FileSystem.FileSystem
  yield* fileSystem.writeFileString(target, `${JSON.stringify(experimentJsonSchema(), null, 2)}\n`)
  yield* Effect.logInfo(`wrote ${target}`)
})

NodeRuntime.runMain(writeJsonSchema.pipe(Effect.provide(NodeFileSystem.layer)))
