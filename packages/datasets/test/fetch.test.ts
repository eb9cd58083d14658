// Fetching a dataset against a real HTTP server on 127.0.0.1 (standing in for the source's host)
// and a real mirror folder: what is downloaded, what is cached, and what is refused.
import { createHash } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { type FileServer, startFileServer } from "../../../test/support/fileServer.ts"
import {
  type Dataset,
  DatasetChecksumError,
  DatasetDownloadError,
  type DatasetLocations,
  datasetLocations,
  DatasetMirrorError,
  datasetPath,
  fetchDataset,
  isCached,
  UnknownDatasetError
} from "../src/index.ts"

const content = "params,flops,loss\n1e8,1e18,3.1\n2e8,1e18,3.0\n"
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

/** A dataset whose pinned bytes are `content`, served as runs.csv. */
const dataset: Dataset = {
  name: "test-runs",
  description: "three runs",
  repository: "https://example.invalid/runs",
  path: "runs.csv",
  commit: "0".repeat(40),
  fileName: "runs.csv",
  sha256: sha256(content),
  url: "https://example.invalid/runs.csv",
  licence: "made up for the test",
  citation: "none"
}

let files: FileServer
let scratch: string
let locations: DatasetLocations

beforeAll(async () => {
  files = await startFileServer()
})

afterAll(async () => {
  await files.close()
})

beforeEach(async () => {
  files.served = { "/runs.csv": content }
  files.requests.length = 0
  scratch = await mkdtemp(join(tmpdir(), "scalelab-datasets-"))
  locations = { cacheDir: join(scratch, "cache"), mirror: undefined, urlBase: files.urlBase }
  return () => rm(scratch, { recursive: true, force: true })
})

/** The typed failure of an effect expected to fail. */
const failureOf = <A, E>(effect: Effect.Effect<A, E>): Promise<E> => Effect.runPromise(Effect.flip(effect))

describe("fetchDataset", () => {
  it("downloads on first use and caches the file; the second use reads the cache without the network", async () => {
    const first = await Effect.runPromise(fetchDataset(dataset, locations))
    expect(first).toEqual({ file: join(scratch, "cache", "test-runs", "runs.csv"), from: "network", source: `${files.urlBase}/runs.csv` })
    expect(readFileSync(first.file, "utf8")).toBe(content)
    expect(files.requests).toEqual(["/runs.csv"])

    files.served = {}
    const second = await Effect.runPromise(fetchDataset(dataset, locations))
    expect(second).toEqual({ file: first.file, from: "cache", source: first.file })
    expect(files.requests).toEqual(["/runs.csv"])
    expect(await Effect.runPromise(isCached(dataset, locations))).toBe(true)
  })

  it("refuses bytes whose sha256 is not the pinned one, naming both, and caches nothing", async () => {
    files.served = { "/runs.csv": content.replace("3.1", "3.2") }
    const error = await failureOf(fetchDataset(dataset, locations))
    expect(error).toBeInstanceOf(DatasetChecksumError)
    expect(error.message).toContain(`has sha256 ${sha256(files.served["/runs.csv"] as string)}, expected ${dataset.sha256}`)
    expect(error.message).toContain(`${files.urlBase}/runs.csv`)
    expect(existsSync(join(scratch, "cache"))).toBe(false)
    expect(await Effect.runPromise(isCached(dataset, locations))).toBe(false)
  })

  it("replaces a cached file whose bytes are not the pinned ones", async () => {
    await mkdir(join(scratch, "cache", "test-runs"), { recursive: true })
    await writeFile(join(scratch, "cache", "test-runs", "runs.csv"), "truncated")
    const fetched = await Effect.runPromise(fetchDataset(dataset, locations))
    expect(fetched.from).toBe("network")
    expect(readFileSync(fetched.file, "utf8")).toBe(content)
  })

  it("reads the mirror instead of the network, checks it, and copies it into the cache", async () => {
    const mirror = join(scratch, "mirror")
    await mkdir(mirror)
    await writeFile(join(mirror, "runs.csv"), content)
    const fetched = await Effect.runPromise(fetchDataset(dataset, { ...locations, mirror }))
    expect(fetched).toEqual({ file: join(scratch, "cache", "test-runs", "runs.csv"), from: "mirror", source: join(mirror, "runs.csv") })
    expect(readFileSync(fetched.file, "utf8")).toBe(content)
    expect(files.requests).toEqual([])

    await writeFile(join(mirror, "runs.csv"), "other bytes")
    const error = await failureOf(fetchDataset(dataset, { ...locations, mirror, cacheDir: join(scratch, "other-cache") }))
    expect(error).toBeInstanceOf(DatasetChecksumError)
    expect(existsSync(join(scratch, "other-cache"))).toBe(false)
  })

  it("a mirror without the file is an input error naming the file and the variable", async () => {
    const error = await failureOf(fetchDataset(dataset, { ...locations, mirror: scratch }))
    expect(error).toBeInstanceOf(DatasetMirrorError)
    expect(error.message).toBe(
      `dataset test-runs: cannot read ${join(scratch, "runs.csv")} from the mirror (no such file); put the file there, ` +
        "or unset SCALELAB_DATA_MIRROR to download it"
    )
    expect(files.requests).toEqual([])
  })

  it("a server error or no server at all is a download error with the URL and the mirror hint", async () => {
    files.served = {}
    const notFound = await failureOf(fetchDataset(dataset, locations))
    expect(notFound).toBeInstanceOf(DatasetDownloadError)
    expect(notFound.message).toBe(
      `could not download dataset test-runs from ${files.urlBase}/runs.csv: the server answered HTTP 404. Without network ` +
        "access, set SCALELAB_DATA_MIRROR to a folder holding runs.csv"
    )
    // A port nothing listens on: the connection is refused.
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const refused = await failureOf(fetchDataset(dataset, { ...locations, urlBase: `http://127.0.0.1:${port}` }))
    expect(refused).toBeInstanceOf(DatasetDownloadError)
    expect(refused.message).toMatch(new RegExp(`from http://127\\.0\\.0\\.1:${port}/runs\\.csv: .*ECONNREFUSED`))
    expect(await readdir(scratch)).toEqual([])
  })
})

describe("datasetPath", () => {
  it("an unknown name fails listing the known ones", async () => {
    const error = await failureOf(datasetPath("chinchila", locations))
    expect(error).toBeInstanceOf(UnknownDatasetError)
    expect(error.message).toBe("unknown dataset `chinchila`; the datasets are: chinchilla-epoch (see `scalelab data list`)")
  })
})

describe("datasetLocations", () => {
  it("caches under XDG_CACHE_HOME when it is absolute, and takes the mirror from the flag before the variable", () => {
    expect(datasetLocations({ XDG_CACHE_HOME: "/var/cache/me", SCALELAB_DATA_MIRROR: "/data" })).toEqual({
      cacheDir: "/var/cache/me/scalelab/datasets",
      mirror: "/data",
      urlBase: undefined
    })
    expect(datasetLocations({ XDG_CACHE_HOME: "relative", SCALELAB_DATA_MIRROR: "/data" }, { mirror: "/flag" }).mirror).toBe("/flag")
    expect(datasetLocations({ XDG_CACHE_HOME: "relative" }).cacheDir).toMatch(/\.cache\/scalelab\/datasets$/)
  })
})
