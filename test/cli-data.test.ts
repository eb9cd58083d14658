// `scalelab data` and fetch on first use, through the real command, against a real HTTP server on
// 127.0.0.1 standing in for the dataset's source (SCALELAB_DATA_URL_BASE points the download at it).
// The cases that need the pinned bytes serve them from the mirror SCALELAB_DATA_MIRROR names.
import { createHash } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type FileServer, startFileServer } from "./support/fileServer.ts"
import { runCli } from "./support/cli.ts"
import { mirrorFileOf, runDataTests, skippedDataNote } from "./support/datasets.ts"

const pinned = "193478df4e90f040016431996c45682659306840ecdadf83cfb9cd5ca0aa1b30"
const fileName = "svg_extracted_data.csv"

let files: FileServer
let scratch: string

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "scalelab-data-"))
  files = await startFileServer()
})

afterAll(async () => {
  await files.close()
  await rm(scratch, { recursive: true, force: true })
})

/** The command with its own cache folder, downloading from the local server, with no mirror unless given. */
const data = (args: ReadonlyArray<string>, cacheHome: string, env: Readonly<Record<string, string>> = {}) =>
  runCli(args, scratch, { XDG_CACHE_HOME: cacheHome, SCALELAB_DATA_URL_BASE: files.urlBase, SCALELAB_DATA_MIRROR: "", ...env })

const freshCache = () => mkdtemp(join(scratch, "cache-"))

describe("scalelab data", () => {
  it("list shows each dataset with its source, pin, licence and citation, and that it is not cached", async () => {
    const outcome = await data(["data", "list"], await freshCache())
    expect(outcome.stderr).toBe("")
    expect(outcome.code).toBe(0)
    expect(outcome.stdout).toContain("chinchilla-epoch (not cached)")
    expect(outcome.stdout).toContain(
      "source: https://github.com/epoch-research/analyzing-chinchilla, data/svg_extracted_data.csv at commit 92258837425e1b5f2851d624287f0120583a3d0e"
    )
    expect(outcome.stdout).toContain(`sha256: ${pinned}`)
    expect(outcome.stdout).toContain("licence: none stated")
    expect(outcome.stdout).toContain("arXiv:2404.10102")
  })

  it("an unknown name: exit 2, listing the datasets", async () => {
    const cache = await freshCache()
    const outcomes = await Promise.all(["fetch", "path"].map(async (command) => [command, await data(["data", command, "chinchila"], cache)] as const))
    for (const [command, outcome] of outcomes) {
      expect(outcome.code, command).toBe(2)
      expect(outcome.stderr, command).toBe("unknown dataset `chinchila`; the datasets are: chinchilla-epoch (see `scalelab data list`)\n")
    }
    expect(files.requests).toEqual([])
  })

  it("bytes that are not the pinned ones: exit 1, naming expected and got, and nothing cached", async () => {
    const cache = await freshCache()
    files.served = { [`/${fileName}`]: Buffer.from("Model Size,Training FLOP,loss\n1e8,1e18,3\n") }
    const got = createHash("sha256").update(files.served[`/${fileName}`] as Buffer).digest("hex")
    const outcome = await data(["data", "fetch", "chinchilla-epoch"], cache)
    expect(outcome.code).toBe(1)
    expect(outcome.stderr).toContain(`${files.urlBase}/${fileName} has sha256 ${got}, expected ${pinned}; nothing was cached`)
    expect(await readdir(cache)).toEqual([])
  })

  it("no network: exit 1 with the URL and the hint to set SCALELAB_DATA_MIRROR, for `data` and for a spec naming the dataset", async () => {
    files.served = {}
    await writeFile(join(scratch, "offline.yaml"), "name: offline\nsweep:\n  kind: table\n  dataset: chinchilla-epoch\n")
    const cache = await freshCache()
    // validate too: an unreachable source is not a problem of the spec (exit 2) but a failure (exit 1).
    const outcomes = await Promise.all([["data", "path", "chinchilla-epoch"], ["validate", "offline.yaml"], ["run", "offline.yaml"]].map((args) => data(args, cache)))
    for (const outcome of outcomes) {
      expect(outcome.code).toBe(1)
      expect(outcome.stdout).toBe("")
      expect(outcome.stderr).toBe(
        `could not download dataset chinchilla-epoch from ${files.urlBase}/${fileName}: the server answered HTTP 404. Without ` +
          `network access, set SCALELAB_DATA_MIRROR to a folder holding ${fileName}\n`
      )
    }
    expect(await readdir(cache)).toEqual([])
  })

  it("a mirror folder without the file: exit 2, naming the file", async () => {
    const outcome = await data(["data", "fetch", "chinchilla-epoch", "--mirror", scratch], await freshCache())
    expect(outcome.code).toBe(2)
    expect(outcome.stderr).toContain(`cannot read ${join(scratch, fileName)} from the mirror (no such file)`)
  })

  describe("with the pinned bytes", () => {
    it.skipIf(!runDataTests)("fetch downloads and caches; fetch again, path and list find the cache without the network", async () => {
      files.served = { [`/${fileName}`]: readFileSync(mirrorFileOf("chinchilla-epoch")) }
      files.requests.length = 0
      const cache = await freshCache()
      const cached = join(cache, "scalelab", "datasets", "chinchilla-epoch", fileName)
      const first = await data(["data", "fetch", "chinchilla-epoch"], cache)
      expect(first.stderr).toBe("")
      expect(first.code).toBe(0)
      expect(first.stdout).toBe(`chinchilla-epoch: fetched from ${files.urlBase}/${fileName} (sha256 ${pinned}, as pinned), cached at ${cached}\n`)
      expect(files.requests).toEqual([`/${fileName}`])

      files.served = {}
      const [again, path, list] = await Promise.all([
        data(["data", "fetch", "chinchilla-epoch"], cache),
        data(["data", "path", "chinchilla-epoch"], cache),
        data(["data", "list"], cache)
      ])
      expect(again.stdout).toBe(`chinchilla-epoch: already cached at ${cached}\n`)
      expect(path.stdout).toBe(`${cached}\n`)
      expect(list.stdout).toContain(`chinchilla-epoch (cached: ${cached})`)
      expect(files.requests).toEqual([`/${fileName}`])
    })

    it.skipIf(!runDataTests)("the mirror (flag or variable) is read instead of the network and copied into the cache", async () => {
      files.requests.length = 0
      const mirror = dirname(mirrorFileOf("chinchilla-epoch"))
      const [byFlag, byVariable] = [await freshCache(), await freshCache()]
      const [flagged, variable] = await Promise.all([
        data(["data", "path", "chinchilla-epoch", "--mirror", mirror], byFlag),
        data(["data", "fetch", "chinchilla-epoch"], byVariable, { SCALELAB_DATA_MIRROR: mirror })
      ])
      expect(flagged.code).toBe(0)
      expect(flagged.stdout).toBe(`${join(byFlag, "scalelab", "datasets", "chinchilla-epoch", fileName)}\n`)
      expect(variable.code).toBe(0)
      expect(variable.stdout).toContain(`fetched from ${join(mirror, fileName)}`)
      expect(files.requests).toEqual([])
    })

    it.skipIf(!runDataTests)("a spec naming the dataset fetches it on first use", async () => {
      files.served = { [`/${fileName}`]: readFileSync(mirrorFileOf("chinchilla-epoch")) }
      files.requests.length = 0
      const cache = await freshCache()
      await writeFile(
        join(scratch, "named.yaml"),
        "name: named\nsweep:\n  kind: table\n  dataset: chinchilla-epoch\n  map: { params: \"Model Size\", flops: \"Training FLOP\" }\n"
      )
      const outcome = await data(["plan", "named.yaml", "--json"], cache)
      expect(outcome.stderr).toBe("")
      expect(outcome.code).toBe(0)
      const plan = JSON.parse(outcome.stdout) as { readonly table: { readonly dataset: string; readonly rows: ReadonlyArray<unknown> } }
      expect(plan.table.dataset).toBe("chinchilla-epoch")
      expect(plan.table.rows).toHaveLength(245)
      expect(files.requests).toEqual([`/${fileName}`])
      expect(existsSync(join(cache, "scalelab", "datasets", "chinchilla-epoch", fileName))).toBe(true)
    })

    if (!runDataTests) it.skip(`is skipped: ${skippedDataNote}`, () => {})
  })
})

