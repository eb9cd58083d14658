import { Effect, FileSystem } from "effect"
import type { PlatformError } from "effect/PlatformError"
import { expandCorpusFiles } from "./corpusFiles.ts"
import { decodeExperimentText } from "./decode.ts"
import type { Experiment } from "./experiment.ts"
import { SpecError } from "./specIssue.ts"

const unreadable = (file: string, error: PlatformError): SpecError => {
  const message = error.reason._tag === "NotFound"
    ? "file not found; check the path"
    : error.reason._tag === "PermissionDenied"
    ? "cannot read the file: permission denied; check its permissions"
    : `cannot read the file (${error.message}); check that the path names a readable text file`
  return new SpecError({ issues: [{ file, line: 1, column: 1, message }] })
}

/**
 * Reads and decodes a spec file, and expands a file corpus's paths relative to the spec's folder;
 * every problem, reading included, is a located SpecIssue.
 */
export const loadExperiment = Effect.fn("loadExperiment")(
  function*(file: string): Effect.fn.Return<Experiment, SpecError, FileSystem.FileSystem> {
    const fileSystem = yield* FileSystem.FileSystem
    const text = yield* fileSystem.readFileString(file).pipe(Effect.mapError((error) => unreadable(file, error)))
    const experiment = yield* Effect.fromResult(decodeExperimentText(text, file))
    return yield* expandCorpusFiles(experiment, file, text)
  }
)
