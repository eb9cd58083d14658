// Writes the worker contract's JSON Schema to stdout; python/scalelab_worker/contract.schema.json
// is its output, and packages/spec/test/runContractSchema.test.ts fails when the two differ.
import { runContractJsonSchema } from "../packages/spec/src/index.ts"

process.stdout.write(`${JSON.stringify(runContractJsonSchema(), null, 2)}\n`)
