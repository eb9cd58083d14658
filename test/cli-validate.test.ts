// `scalelab validate` and `scalelab run` on malformed specs, through the real command: every problem
// as FILE:LINE:COL: message on stderr, exit code 2, and nothing written.
import { cp, mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CliOutcome, listFiles, runCli } from "./support/cli.ts"
import { expectationsOfFile, invalidSpecFiles, invalidSpecsFolder } from "./support/specExpectations.ts"

let dir: string
let before: ReadonlyArray<string>
let validateAll: CliOutcome

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-validate-"))
  await cp(invalidSpecsFolder, dir, { recursive: true })
  await cp(new URL("./specs/valid/minimal.yaml", import.meta.url), join(dir, "minimal.yaml"))
  before = await listFiles(dir)
  // One process for all fixtures: validate takes many specs and reports every problem of each.
  validateAll = await runCli(["validate", ...invalidSpecFiles, "minimal.yaml"], dir)
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("scalelab validate on malformed specs", () => {
  it("exits 2 and still confirms the valid spec among them", () => {
    expect(validateAll.code).toBe(2)
    expect(validateAll.stdout).toContain('minimal.yaml: valid — experiment "minimal"')
  })

  it("never prints a stack trace", () => {
    expect(validateAll.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?$/m)
  })

  it.each(invalidSpecFiles)("%s: one FILE:LINE:COL line per expected issue", (name) => {
    const lines = validateAll.stderr.split("\n").filter((line) => line.startsWith(`${name}:`))
    const positions = lines.map((line) => line.slice(name.length + 1).match(/^(\d+:\d+): /)?.[1])
    const expectations = expectationsOfFile(name)
    expect(new Set(positions), lines.join("\n")).toEqual(new Set(expectations.map((e) => e.position)))
    for (const { position, fragment } of expectations) {
      expect(lines.some((line) => line.startsWith(`${name}:${position}: `) && line.includes(fragment)), `${position}: ${fragment}`).toBe(true)
    }
  })

  it("writes nothing", async () => {
    expect(await listFiles(dir)).toEqual(before)
  })

  it("a missing file is reported with its name, exit 2", async () => {
    const outcome = await runCli(["validate", "no-such-spec.yaml"], dir)
    expect(outcome.code).toBe(2)
    expect(outcome.stderr).toContain("no-such-spec.yaml:1:1: file not found")
  })

  it("`run` on a malformed spec exits 2 before creating a store", async () => {
    const outcome = await runCli(["run", "negative-budget.yaml"], dir)
    expect(outcome.code).toBe(2)
    expect(outcome.stderr).toMatch(/^negative-budget\.yaml:\d+:\d+: /m)
    expect(await listFiles(dir)).toEqual(before)
  })

  it("an unknown flag is a usage error, exit 2", async () => {
    const outcome = await runCli(["validate", "minimal.yaml", "--no-such-flag"], dir)
    expect(outcome.code).toBe(2)
  })
})
