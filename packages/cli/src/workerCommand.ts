import { fileURLToPath } from "node:url"

/**
 * The built-in trainer runs as its own process (one run each, so a crash or a kill loses one run,
 * and runs can go on other machines). It is TypeScript, so start node with tsx's loader.
 */
export const builtinWorkerCommand = (runDir: string): { readonly command: string; readonly args: ReadonlyArray<string> } => ({
  command: process.execPath,
  args: ["--import", import.meta.resolve("tsx"), fileURLToPath(import.meta.resolve("@scalelab/train/worker")), runDir]
})
