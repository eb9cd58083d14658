// Every command that takes a store checks it before touching it: a file given as the store, or a
// folder the user may not write in, is one message naming the store and saying what to do, exit 2,
// no stack trace, nothing written.
import { spawn } from "node:child_process"
import { chmod, cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CliOutcome, cliEntry, CliBatch, listFiles } from "./support/cli.ts"

let dir: string
let before: ReadonlyArray<string>

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-store-location-"))
  await cp(new URL("./specs/valid/text-files.yaml", import.meta.url), join(dir, "bpe.yaml"))
  await cp(new URL("./specs/valid/texts/", import.meta.url), join(dir, "texts"), { recursive: true })
  await writeFile(join(dir, "store-file"), "not a folder\n")
  await mkdir(join(dir, "read-only"))
  await chmod(join(dir, "read-only"), 0o555)
  // Another user runs the read-only case when the tests run as root, whom no permission stops.
  await chmod(dir, 0o755)
  before = await listFiles(dir)
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const noStack = (outcome: CliOutcome) => expect(outcome.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?$/m)

describe("a store that is a file", () => {
  let batch: CliBatch
  beforeAll(async () => {
    batch = await CliBatch.run({
      plan: ["plan", "bpe.yaml", "--store", "store-file"],
      run: ["run", "bpe.yaml", "--store", "store-file"],
      report: ["report", "bpe.yaml", "--store", "store-file"],
      runs: ["runs", "--store", "store-file"],
      ui: ["ui", "bpe.yaml", "--store", "store-file/inside"]
    }, dir)
  }, 120_000)

  it.each(["plan", "run", "report", "runs"])("%s says the store is not a folder, exit 2", (command) => {
    const outcome = batch.outcome(command)
    expect(outcome.stderr.trim()).toBe(
      "store store-file: not a folder (it is a file); a store is a folder that holds the runs, caches and reports: pass --store a folder (it is created if missing)"
    )
    expect(outcome.code).toBe(2)
    noStack(outcome)
  })

  it("a store below a file names the file", () => {
    const outcome = batch.outcome("ui")
    expect(outcome.stderr).toContain(`store store-file/inside: cannot be created, because ${join(dir, "store-file")} is a file, not a folder`)
    expect(outcome.code).toBe(2)
  })

  it("writes nothing", async () => {
    expect(await listFiles(dir)).toEqual(before)
  })
})

describe("a store the user may not write in", () => {
  const runAsUser = (args: ReadonlyArray<string>): Promise<CliOutcome> =>
    new Promise((resolve, reject) => {
      const asRoot = process.getuid?.() === 0
      const child = spawn(process.execPath, [cliEntry, ...args], {
        cwd: dir,
        env: { ...process.env, npm_lifecycle_event: "", NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
        ...(asRoot ? { uid: 65534, gid: 65534 } : {})
      })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
      child.on("error", reject)
      child.on("close", (code) => resolve({ code, stdout, stderr }))
    })

  it("plan of a BPE spec says there is no permission to write there, exit 2, nothing written", async () => {
    const outcome = await runAsUser(["plan", "bpe.yaml", "--store", "read-only"])
    expect(outcome.stderr.trim()).toBe(
      "store read-only: no permission to write there (the store holds the runs, caches and reports); " +
        "make the folder writable, or pass --store a folder you can write in"
    )
    expect(outcome.code).toBe(2)
    noStack(outcome)
    expect(await listFiles(dir)).toEqual(before)
  }, 60_000)
})
