// Fetch on first use: a dataset is downloaded once, at its pinned commit, checked against its
// sha256 and kept in the user's cache; later uses read the cache without the network. Where there
// is no network, a mirror folder holding the files by name stands in for the download.
import { createHash } from "node:crypto"
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises"
import { homedir } from "node:os"
import { dirname, isAbsolute, join, resolve } from "node:path"
import { Data, Effect, Runtime } from "effect"
import { FetchHttpClient, HttpClient, type HttpClientError, HttpClientResponse } from "effect/http"
import { DATASET_NAMES, type Dataset, datasetByName } from "./registry.ts"

/** The environment variable naming a mirror folder, read in place of the network. */
export const MIRROR_VARIABLE = "SCALELAB_DATA_MIRROR"
/** The environment variable naming a server that holds the files by name, in place of each dataset's own URL. */
export const URL_BASE_VARIABLE = "SCALELAB_DATA_URL_BASE"

/** Where datasets are kept and where they come from. */
export interface DatasetLocations {
  /** The cache: one folder per dataset, holding its file. */
  readonly cacheDir: string
  /** A folder holding the files by their file names, read instead of downloading; its files are copied into the cache. */
  readonly mirror: string | undefined
  /** A server holding the files by their file names (`BASE/FILE`), downloaded from instead of each dataset's own URL. */
  readonly urlBase: string | undefined
}

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value === "" ? undefined : value)

/**
 * The locations an environment gives: the cache under $XDG_CACHE_HOME (or ~/.cache), the mirror
 * from SCALELAB_DATA_MIRROR unless `mirror` is given (resolved against the working folder), the URL
 * base from SCALELAB_DATA_URL_BASE.
 */
export const datasetLocations = (
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: { readonly mirror?: string | undefined } = {}
): DatasetLocations => {
  // The XDG base-directory rules say a relative path there is invalid and must be ignored.
  const xdgCache = nonEmpty(env["XDG_CACHE_HOME"])
  const cacheHome = xdgCache !== undefined && isAbsolute(xdgCache) ? xdgCache : join(homedir(), ".cache")
  const mirrorFolder = nonEmpty(overrides.mirror) ?? nonEmpty(env[MIRROR_VARIABLE])
  return {
    cacheDir: join(cacheHome, "scalelab", "datasets"),
    mirror: mirrorFolder === undefined ? undefined : resolve(mirrorFolder),
    urlBase: nonEmpty(env[URL_BASE_VARIABLE])
  }
}

/** A name that is not in the registry: bad input. */
export class UnknownDatasetError extends Data.TaggedError("UnknownDatasetError")<{ readonly name: string }> {
  override readonly [Runtime.errorExitCode] = 2
  override get message() {
    return `unknown dataset \`${this.name}\`; the datasets are: ${DATASET_NAMES.join(", ")} (see \`scalelab data list\`)`
  }
}

/** The download failed: no network, a server error, a timeout. */
export class DatasetDownloadError extends Data.TaggedError("DatasetDownloadError")<{
  readonly dataset: string
  readonly fileName: string
  readonly url: string
  readonly reason: string
}> {
  override get message() {
    return `could not download dataset ${this.dataset} from ${this.url}: ${this.reason}. Without network access, set ` +
      `${MIRROR_VARIABLE} to a folder holding ${this.fileName}`
  }
}

/** The mirror folder has no file for the dataset: the mirror is the user's setting, so bad input. */
export class DatasetMirrorError extends Data.TaggedError("DatasetMirrorError")<{
  readonly dataset: string
  readonly file: string
  readonly reason: string
}> {
  override readonly [Runtime.errorExitCode] = 2
  override get message() {
    return `dataset ${this.dataset}: cannot read ${this.file} from the mirror (${this.reason}); put the file there, ` +
      `or unset ${MIRROR_VARIABLE} to download it`
  }
}

/** The bytes are not the pinned ones; nothing is cached. */
export class DatasetChecksumError extends Data.TaggedError("DatasetChecksumError")<{
  readonly dataset: string
  /** Where the bytes came from: a URL or a mirror file. */
  readonly source: string
  readonly expected: string
  readonly got: string
}> {
  override get message() {
    return `dataset ${this.dataset}: ${this.source} has sha256 ${this.got}, expected ${this.expected}; ` +
      "nothing was cached (the file at the source is not the pinned one)"
  }
}

/** The cache folder cannot be written. */
export class DatasetCacheError extends Data.TaggedError("DatasetCacheError")<{ readonly file: string; readonly reason: string }> {
  override get message() {
    return `cannot write the dataset cache at ${this.file} (${this.reason}); check that the folder is writable, or set ` +
      "XDG_CACHE_HOME to one that is"
  }
}

export type DatasetError = UnknownDatasetError | DatasetDownloadError | DatasetMirrorError | DatasetChecksumError | DatasetCacheError

/** Where a dataset's file is kept once fetched. */
export const cachedDatasetFile = (dataset: Dataset, locations: DatasetLocations): string =>
  join(locations.cacheDir, dataset.name, dataset.fileName)

/** The URL a dataset is downloaded from under these locations. */
export const datasetUrl = (dataset: Dataset, locations: DatasetLocations): string =>
  locations.urlBase === undefined ? dataset.url : `${locations.urlBase.replace(/\/+$/, "")}/${dataset.fileName}`

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")

const reasonOf = (cause: unknown): string => {
  const error = cause instanceof Error ? cause : undefined
  // Node's fetch says only "fetch failed"; what failed (ECONNREFUSED, ENOTFOUND) is its cause.
  const inner = error?.cause instanceof Error ? `: ${error.cause.message}` : ""
  return error === undefined ? String(cause) : `${error.message}${inner}`
}

/** Whether the cache holds the dataset's pinned bytes (a file with other bytes is not a hit, and gets replaced). */
export const isCached = (dataset: Dataset, locations: DatasetLocations): Effect.Effect<boolean> =>
  Effect.tryPromise(() => readFile(cachedDatasetFile(dataset, locations))).pipe(
    Effect.map((bytes) => sha256(bytes) === dataset.sha256),
    Effect.orElseSucceed(() => false)
  )

const describeHttpError = (error: HttpClientError.HttpClientError): string => {
  const { reason } = error
  if (reason._tag === "StatusCodeError") return `the server answered HTTP ${reason.response.status}`
  return reason.cause === undefined ? reason.message : reasonOf(reason.cause)
}

/** A download gives up after this long: a stalled connection is a failure the user should see. */
const downloadTimeout = "2 minutes"

const download = (dataset: Dataset, url: string): Effect.Effect<Uint8Array, DatasetDownloadError> =>
  HttpClient.get(url).pipe(
    Effect.flatMap(HttpClientResponse.filterStatusOk),
    Effect.flatMap((response) => response.arrayBuffer),
    Effect.map((buffer) => new Uint8Array(buffer)),
    Effect.mapError(describeHttpError),
    Effect.timeoutOrElse({ duration: downloadTimeout, orElse: () => Effect.fail(`no answer within ${downloadTimeout}`) }),
    Effect.mapError((reason) => new DatasetDownloadError({ dataset: dataset.name, fileName: dataset.fileName, url, reason })),
    Effect.provide(FetchHttpClient.layer)
  )

const readMirror = (dataset: Dataset, mirror: string): Effect.Effect<Uint8Array, DatasetMirrorError> => {
  const file = join(mirror, dataset.fileName)
  return Effect.tryPromise({
    try: () => readFile(file),
    catch: (cause) =>
      new DatasetMirrorError({
        dataset: dataset.name,
        file,
        reason: (cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : reasonOf(cause)
      })
  })
}

/** Writes beside the target, then renames: an interrupted fetch never leaves a partial file under the cached name. */
const writeCache = (file: string, bytes: Uint8Array): Effect.Effect<void, DatasetCacheError> => {
  const partial = `${file}.${process.pid}.partial`
  return Effect.tryPromise({
    try: async () => {
      await mkdir(dirname(file), { recursive: true })
      await writeFile(partial, bytes)
      await rename(partial, file)
    },
    catch: (cause) => new DatasetCacheError({ file, reason: reasonOf(cause) })
  }).pipe(Effect.tapError(() => Effect.promise(() => rm(partial, { force: true }))))
}

/** Where a fetched dataset's file is, and where it came from this time. */
export interface FetchedDataset {
  readonly file: string
  readonly from: "cache" | "mirror" | "network"
  /** The mirror file or URL it came from; the cached file for a cache hit. */
  readonly source: string
}

/**
 * The dataset's file in the cache: there already with the pinned bytes, or fetched now from the
 * mirror (when one is set) or the network, checked against the pinned sha256 and then cached.
 */
export const fetchDataset = (
  dataset: Dataset,
  locations: DatasetLocations
): Effect.Effect<FetchedDataset, Exclude<DatasetError, UnknownDatasetError>> =>
  Effect.gen(function*() {
    const file = cachedDatasetFile(dataset, locations)
    if (yield* isCached(dataset, locations)) return { file, from: "cache", source: file } as const
    const { mirror } = locations
    const fetched = mirror === undefined
      ? { from: "network" as const, source: datasetUrl(dataset, locations) }
      : { from: "mirror" as const, source: join(mirror, dataset.fileName) }
    const bytes = yield* (mirror === undefined ? download(dataset, fetched.source) : readMirror(dataset, mirror))
    const got = sha256(bytes)
    if (got !== dataset.sha256) {
      return yield* new DatasetChecksumError({ dataset: dataset.name, source: fetched.source, expected: dataset.sha256, got })
    }
    yield* writeCache(file, bytes)
    return { file, ...fetched }
  })

/** The registry's dataset of that name, or an UnknownDatasetError listing the known ones. */
export const findDataset = (name: string): Effect.Effect<Dataset, UnknownDatasetError> => {
  const dataset = datasetByName(name)
  return dataset === undefined ? Effect.fail(new UnknownDatasetError({ name })) : Effect.succeed(dataset)
}

/** The cached file of the dataset called `name`, fetched first if it is not cached yet. */
export const datasetPath = (name: string, locations: DatasetLocations = datasetLocations()): Effect.Effect<string, DatasetError> =>
  findDataset(name).pipe(
    Effect.flatMap((dataset) => fetchDataset(dataset, locations)),
    Effect.map(({ file }) => file)
  )

/**
 * datasetPath as a promise, for scripts, benchmarks, tests and notebooks; the locations come from
 * the environment (SCALELAB_DATA_MIRROR, XDG_CACHE_HOME) unless given.
 */
export const datasetFile = (name: string, locations: DatasetLocations = datasetLocations()): Promise<string> =>
  Effect.runPromise(datasetPath(name, locations))
