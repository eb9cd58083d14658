// Tests that need a public dataset (Epoch AI's extraction of the Chinchilla runs) read it through
// the dataset registry from the mirror folder SCALELAB_DATA_MIRROR names, as a user without network
// access would: no test downloads from the dataset's source. Without a mirror those tests skip,
// unless SCALELAB_REQUIRE_DATA=1 makes the data's absence a failure.
import { join } from "node:path"
import { datasetByName, datasetFile, datasetLocations } from "../../packages/datasets/src/index.ts"

export const requireData = process.env["SCALELAB_REQUIRE_DATA"] === "1"

/** The mirror folder the environment names, resolved; undefined when none is set. */
export const dataMirror = datasetLocations().mirror

/** Whether the tests that need a dataset run: where a mirror is set, or where SCALELAB_REQUIRE_DATA=1 demands them. */
export const runDataTests = dataMirror !== undefined || requireData

/** Why the tests that need a dataset are skipped, for the skipped test's title. */
export const skippedDataNote = "SCALELAB_DATA_MIRROR is not set (SCALELAB_REQUIRE_DATA=1 makes that a failure)"

const mirrorOrFail = (name: string): string => {
  if (dataMirror === undefined) {
    throw new Error(`SCALELAB_DATA_MIRROR is not set: the tests that need dataset ${name} read it from a mirror folder ` +
      "(see docs/datasets.md)")
  }
  return dataMirror
}

/**
 * The dataset's file, fetched from the mirror (and checked against its sha256) into the cache under
 * `cacheHome`: a test's own folder, so that the user's cache is left alone.
 */
export const mirroredDataset = (name: string, cacheHome: string): Promise<string> => {
  mirrorOrFail(name)
  return datasetFile(name, datasetLocations({ ...process.env, XDG_CACHE_HOME: cacheHome }))
}

/** The dataset's file in the mirror itself, for serving it over HTTP. */
export const mirrorFileOf = (name: string): string => {
  const dataset = datasetByName(name)
  if (dataset === undefined) throw new Error(`no dataset ${name}`)
  return join(mirrorOrFail(name), dataset.fileName)
}
