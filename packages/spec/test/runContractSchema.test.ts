// The Python worker library checks run.json and what it writes against a committed copy of the
// contract's JSON Schema; this keeps that copy equal to what the TypeScript contract generates.
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { runContractJsonSchema } from "../src/index.ts"

const REGENERATE = "python/scalelab_worker/contract.schema.json is out of date with packages/spec/src/runContract.ts: " +
  "run `node --import tsx scripts/contract-schema.ts > python/scalelab_worker/contract.schema.json`"

describe("the worker contract's JSON Schema (python/scalelab_worker/contract.schema.json)", () => {
  it("is what the TypeScript contract generates", () => {
    const committed = readFileSync(new URL("../../../python/scalelab_worker/contract.schema.json", import.meta.url), "utf8")
    expect(committed === `${JSON.stringify(runContractJsonSchema(), null, 2)}\n`, REGENERATE).toBe(true)
  })

  it("defines run.json, a metric line and result.json with their required fields", () => {
    const { definitions } = runContractJsonSchema() as { definitions: Record<string, { required: ReadonlyArray<string> }> }
    expect(Object.keys(definitions)).toEqual(["RunSpec", "MetricLine", "RunResult"])
    expect(definitions.MetricLine?.required).toEqual(["step", "tokens", "flops"])
    expect(definitions.RunResult?.required).toContain("val_loss")
    expect(definitions.RunSpec?.required).toContain("training")
  })
})
