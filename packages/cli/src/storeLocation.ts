import * as path from "node:path"

/** DESIGN.md: a spec's runs live in `.scalelab/` beside the spec unless `--store` says otherwise. */
export const storeDirFor = (specFile: string, storeFlag: string | undefined): string =>
  storeFlag ?? path.join(path.dirname(specFile), ".scalelab")
