// The files of `scalelab compare --out DIR`: compare.json, the comparison as `--json` prints it.
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Effect } from "effect"
import { ReportWriteError } from "../reportWriter.ts"
import type { CompareResult } from "./compareExperiments.ts"
import { compareJson } from "./compareJson.ts"

/** Writes compare.json into `outDir` (created if missing) and returns its path. */
export const writeComparison = (outDir: string, result: CompareResult) =>
  Effect.tryPromise({
    try: async () => {
      await fs.mkdir(outDir, { recursive: true })
      const file = path.join(outDir, "compare.json")
      await fs.writeFile(file, `${JSON.stringify(compareJson(result), null, 2)}\n`)
      return file
    },
    catch: (cause) => new ReportWriteError({ message: `could not write the comparison to ${outDir} (${String(cause)}); check that the folder is writable` })
  })
