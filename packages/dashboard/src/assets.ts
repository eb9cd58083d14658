import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { AssetMissing } from "./errors.ts"
import { dashboardPage } from "./page.ts"
import { vendorScripts } from "@scalelab/plots"

/** A file the server answers with, held in memory. */
export interface Asset {
  readonly contentType: string
  readonly body: Uint8Array
}

const javascript = "text/javascript; charset=utf-8"

const packagedFile = (name: string): string => fileURLToPath(new URL(`../assets/${name}`, import.meta.url))

const readAsset = (path: string, contentType: string) =>
  Effect.try({
    try: (): Asset => ({ contentType, body: readFileSync(path) }),
    catch: (cause) =>
      new AssetMissing({
        path,
        message: `The dashboard cannot read ${path} (${String(cause)}); reinstall scalelab (pnpm install).`
      })
  })

/**
 * Every path the server answers with a file, read once at start. This fixed allow-list is the
 * whole of what it serves: no part of a request's path is ever joined to a file system path.
 */
export const loadAssets = Effect.gen(function*() {
  const assets = new Map<`/${string}`, Asset>([
    ["/", { contentType: "text/html; charset=utf-8", body: new TextEncoder().encode(dashboardPage()) }],
    ["/dashboard.js", yield* readAsset(packagedFile("dashboard.js"), javascript)],
    ["/dashboard.css", yield* readAsset(packagedFile("dashboard.css"), "text/css; charset=utf-8")]
  ])
  for (const script of vendorScripts()) {
    assets.set(`/vendor/${script.fileName}`, yield* readAsset(script.sourcePath, javascript))
  }
  return assets as ReadonlyMap<`/${string}`, Asset>
})
