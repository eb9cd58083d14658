// A `table` sweep names its results file relative to the spec's folder (or a dataset by name). Loading the spec resolves
// it to an absolute path, so that what is read does not depend on the folder a command was started
// in, and checks that the file is there: a missing table is a spec problem, located like any other.
import { Effect } from "effect"
import { existsSync, statSync } from "node:fs"
import { dirname, resolve } from "node:path"
import type { ExperimentSpec } from "./experiment.ts"
import { SpecError } from "./specIssue.ts"
import { yamlPosition } from "./yamlLocation.ts"

const problemWith = (absolute: string): string | undefined =>
  !existsSync(absolute)
    ? "not found"
    : !statSync(absolute).isFile()
    ? "not a file"
    : undefined

/**
 * The spec with a table sweep's `file` resolved against the spec's folder; fails, naming the spec
 * file, line and field, when there is no file there. `text` is the spec's text, for the location.
 */
export const resolveTableFile = (spec: ExperimentSpec, file: string, text: string): Effect.Effect<ExperimentSpec, SpecError> =>
  Effect.suspend(() => {
    const { sweep } = spec
    // A dataset is fetched when its rows are read, not when the spec is loaded.
    if (sweep.kind !== "table" || sweep.file === undefined) return Effect.succeed(spec)
    const absolute = resolve(dirname(file), sweep.file)
    const problem = problemWith(absolute)
    if (problem !== undefined) {
      return Effect.fail(new SpecError({
        issues: [{
          file,
          ...yamlPosition(text, ["sweep", "file"]),
          message: `sweep.file: \`${sweep.file}\` is ${problem} (looked for ${absolute}); give the results table's ` +
            "path relative to the spec's folder"
        }]
      }))
    }
    return Effect.succeed({ ...spec, sweep: { ...sweep, file: absolute } })
  })
