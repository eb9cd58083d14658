// `scalelab data`: the public results tables a spec can name by `sweep.dataset`, fetched once at
// their pinned commit, checked against their sha256 and kept in the user's cache.
import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import {
  cachedDatasetFile,
  type Dataset,
  DATASETS,
  datasetLocations,
  fetchDataset,
  findDataset,
  isCached,
  MIRROR_VARIABLE
} from "@scalelab/datasets"
import { jsonFlag } from "../commonFlags.ts"

const nameArgument = Argument.String("name").pipe(Argument.withDescription("a dataset's name (see `scalelab data list`)"))

const mirrorFlag = Flag.String("mirror").pipe(
  Flag.withDescription(`a folder holding the datasets' files by name, read instead of the network (default: $${MIRROR_VARIABLE})`),
  Flag.optional
)

const locationsWith = (mirror: Option.Option<string>) => datasetLocations(process.env, { mirror: Option.getOrUndefined(mirror) })

const describeDataset = (dataset: Dataset, cached: boolean, cachedFile: string): string =>
  [
    `${dataset.name} (${cached ? `cached: ${cachedFile}` : "not cached"})`,
    `  ${dataset.description}`,
    `  source: ${dataset.repository}, ${dataset.path} at commit ${dataset.commit}`,
    `  sha256: ${dataset.sha256}`,
    `  licence: ${dataset.licence}`,
    `  cite: ${dataset.citation}`,
    ""
  ].join("\n")

const listCommand = Command.make("list", { json: jsonFlag }, ({ json }) =>
  Effect.gen(function*() {
    const locations = datasetLocations()
    const listed = yield* Effect.forEach(DATASETS, (dataset) =>
      Effect.map(isCached(dataset, locations), (cached) => ({ dataset, cached, file: cachedDatasetFile(dataset, locations) })))
    if (json) {
      return yield* Console.log(JSON.stringify(listed.map(({ dataset, cached, file }) => ({ ...dataset, cached, cached_file: file })), null, 2))
    }
    yield* Effect.forEach(listed, ({ dataset, cached, file }) => Console.log(describeDataset(dataset, cached, file)), { discard: true })
  })).pipe(Command.withDescription("The datasets a spec can name (sweep.dataset), their sources, and whether they are cached"))

const fetchCommand = Command.make("fetch", { name: nameArgument, mirror: mirrorFlag }, ({ name, mirror }) =>
  Effect.gen(function*() {
    const dataset = yield* findDataset(name)
    const locations = locationsWith(mirror)
    const fetched = yield* fetchDataset(dataset, locations)
    yield* Console.log(
      fetched.from === "cache"
        ? `${dataset.name}: already cached at ${fetched.file}`
        : `${dataset.name}: fetched from ${fetched.source} (sha256 ${dataset.sha256}, as pinned), cached at ${fetched.file}`
    )
  })).pipe(
    Command.withDescription(
      "Download a dataset at its pinned commit (or copy it from --mirror / $SCALELAB_DATA_MIRROR), check its sha256 and " +
        "cache it under $XDG_CACHE_HOME/scalelab/datasets (default ~/.cache/scalelab/datasets)"
    )
  )

const pathCommand = Command.make("path", { name: nameArgument, mirror: mirrorFlag }, ({ name, mirror }) =>
  Effect.gen(function*() {
    const dataset = yield* findDataset(name)
    const fetched = yield* fetchDataset(dataset, locationsWith(mirror))
    yield* Console.log(fetched.file)
  })).pipe(Command.withDescription("Print a dataset's cached file, fetching it first if it is not cached"))

export const dataCommand = Command.make("data").pipe(
  Command.withDescription("Public results tables by name: list them, fetch them into the cache, print their cached path"),
  Command.withSubcommands([listCommand, fetchCommand, pathCommand])
)
