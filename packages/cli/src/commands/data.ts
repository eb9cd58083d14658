// `scalelab data`: the public results tables a spec can name by `sweep.dataset`, fetched once at
// their pinned commit, checked against their sha256 and kept in the user's cache; and `data export`,
// the token streams a spec's runs train on, as files for a trainer outside scalelab.
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
import { exportData, type ExportSource, UserInputError } from "@scalelab/sweep"
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

const exportUsage = "name the data to export: `scalelab data export SPEC --out DIR` or `scalelab data export --run RUN.json --out DIR`"

const exportCommand = Command.make(
  "export",
  {
    spec: Argument.String("spec").pipe(Argument.withDescription("experiment spec (YAML): export its data section"), Argument.optional),
    run: Flag.String("run").pipe(
      Flag.withDescription("a planned run's run.json: export its data, with its validation settings (instead of SPEC)"),
      Flag.optional
    ),
    out: Flag.String("out").pipe(Flag.withDescription("folder to write train.bin, val.bin, their .docs.bin and meta.json into (created if missing)")),
    json: jsonFlag
  },
  ({ spec, run, out, json }) =>
    Effect.gen(function*() {
      if (Option.isSome(spec) === Option.isSome(run)) {
        return yield* new UserInputError({ message: `${Option.isSome(spec) ? "both a spec and --run given" : "nothing to export"}; ${exportUsage}` })
      }
      const source: ExportSource = Option.isSome(spec) ? { _tag: "Spec", file: spec.value } : { _tag: "Run", file: Option.getOrThrow(run) }
      const meta = yield* exportData(source, out)
      if (json) return yield* Console.log(JSON.stringify(meta, null, 2))
      yield* Console.log(
        `${out}: ${meta.train.token_count} training tokens in ${meta.train.document_count} documents, ` +
          `${meta.val.token_count} validation tokens in ${meta.val.document_count} documents (${meta.tokenizer}, vocab ${meta.vocab}, ${meta.dtype})`
      )
    })
).pipe(
  Command.withDescription(
    "Write the tokenized training and validation streams the built-in trainer uses (same corpus, split, tokenizer, " +
      "document order and packing) as little-endian uint16 (uint32 above 65536 tokens) train.bin/val.bin, the documents' " +
      "start offsets as uint32 train.docs.bin/val.docs.bin, and meta.json (BPE: merges.json); see docs/training.md"
  )
)

export const dataCommand = Command.make("data").pipe(
  Command.withDescription(
    "Public results tables by name: list them, fetch them into the cache, print their cached path; export a spec's training tokens"
  ),
  Command.withSubcommands([listCommand, fetchCommand, pathCommand, exportCommand])
)
