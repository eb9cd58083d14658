import { createRequire } from "node:module"
import { dirname, join } from "node:path"

export interface VendorScript {
  /** File name in the report's vendor folder, referenced relatively from index.html. */
  readonly fileName: string
  /** The browser build shipped in the installed package. */
  readonly sourcePath: string
}

const require = createRequire(import.meta.url)

// Each package's Node entry point sits in the same build folder as its browser bundle.
const browserBuild = (packageName: string, fileName: string): VendorScript => ({
  fileName,
  sourcePath: join(dirname(require.resolve(packageName)), fileName)
})

/** The three browser builds that index.html loads, in the order they must load. */
export const vendorScripts = (): ReadonlyArray<VendorScript> => [
  browserBuild("vega", "vega.min.js"),
  browserBuild("vega-lite", "vega-lite.min.js"),
  browserBuild("vega-embed", "vega-embed.min.js")
]
