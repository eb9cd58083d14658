import { Effect } from "effect"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { loadLawFile } from "../src/lawFile.ts"

let dir: string
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), "scalelab-law-file-"))))
afterAll(() => rm(dir, { recursive: true, force: true }))

const errorOf = async (text: string): Promise<string> => {
  const file = join(dir, "law.yaml")
  await writeFile(file, text)
  const error = await Effect.runPromise(Effect.flip(loadLawFile(file, ["params", "tokens"])))
  return error.message.replace(file, "law.yaml")
}

describe("loadLawFile", () => {
  it("reports YAML problems at their line and column, as a spec's are", async () => {
    const bomb = ["x0: &x0 [1, 1, 1, 1, 1, 1, 1, 1]", ...Array.from({ length: 9 }, (_, i) => `x${i + 1}: &x${i + 1} [${Array(8).fill(`*x${i}`).join(", ")}]`)]
    expect(await errorOf(`expression: E\n${bomb.join("\n")}\n`)).toMatch(/^law\.yaml:6:\d+: aliases expand too far/)
    expect(await errorOf("expression: E + A: B\n")).toContain('law.yaml:1:13: YAML syntax error: Nested mappings are not allowed in compact mappings; a value that holds `: ` must be quoted, e.g. `expression: "E + A: B"`')
  })
})
