// What every notebook here needs from the workspace. tslab type-checks each cell with Node10
// module resolution, which cannot resolve the packages' `exports` or their `.ts` import paths, and
// runs the cell as CommonJS in a vm context whose import() has no ESM loader behind it. This file
// is an ordinary CommonJS module, so its import() goes through Node's loader and the tsx hooks
// that the kernel's NODE_OPTIONS (jupyter/kernels/scalelab-ts) registers.
const path = require("node:path")
const { pathToFileURL } = require("node:url")

/** The repository root: this folder's parent, wherever the notebook server was started. */
const root = path.resolve(__dirname, "..")

/** A workspace module by its path from the repository root, e.g. "packages/laws/src/index.ts". */
const importWorkspace = (relative) => import(pathToFileURL(path.join(root, relative)).href)

/** A package of the workspace's node_modules by name, e.g. "effect": ESM, so imported from here. */
const importPackage = (name) => import(name)

/**
 * Shows a Vega-Lite spec inline under its MIME type. tslab's display.raw is typed for strings and
 * bytes but passes any value through, and a JSON MIME type's data is the JSON value itself (the
 * spec object, not its text), which is what Vega-Lite renderers read.
 */
const showVegaLite = (display, spec) => display.raw("application/vnd.vegalite.v5+json", spec)

/** A Markdown table (for tslab's display.markdown) from a header and rows of cells. */
const markdownTable = (header, rows) =>
  [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n")

module.exports = { root, importWorkspace, importPackage, showVegaLite, markdownTable }
