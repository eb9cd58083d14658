import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { wasmSpeedFlags } from "@scalelab/train/node-flags"

/** Where trained tokenizers (BPE merges) are cached, shared by the planner and every worker of a store. */
export const tokenizerCacheDir = (storeDir: string): string => join(storeDir, "cache")

/**
 * The built-in trainer runs as its own process (one run each, so a crash or a kill loses one run,
 * and runs can go on other machines). It is TypeScript, so start node with tsx's loader.
 */
export const builtinWorkerCommand = (storeDir: string) => (runDir: string): { readonly command: string; readonly args: ReadonlyArray<string> } => ({
  command: process.execPath,
  args: [
    ...wasmSpeedFlags,
    "--import",
    import.meta.resolve("tsx"),
    fileURLToPath(import.meta.resolve("@scalelab/train/worker")),
    runDir,
    "--cache-dir",
    tokenizerCacheDir(storeDir)
  ]
})
