import { Effect, FileSystem } from "effect"
import type { PlatformError } from "effect/PlatformError"
import { expandAnnealingFiles, expandCorpusFiles, expandMixtureFiles } from "./corpusFiles.ts"
import { decodeExperimentText, decodeSpecText } from "./decode.ts"
import { type Experiment, type ExperimentSpec, specOfKind } from "./experiment.ts"
import { resolveFittedLaws } from "./fittedLaw.ts"
import { resolveTableFile } from "./tableFile.ts"
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
 * Reads and decodes a spec file of any sweep kind, expands a file corpus's paths and resolves a
 * table's file relative to the spec's folder; every problem, reading included, is a located SpecIssue.
 */
export const loadExperimentSpec = Effect.fn("loadExperimentSpec")(
  function*(file: string): Effect.fn.Return<ExperimentSpec, SpecError, FileSystem.FileSystem> {
    const fileSystem = yield* FileSystem.FileSystem
    const text = yield* fileSystem.readFileString(file).pipe(Effect.mapError((error) => unreadable(file, error)))
    const spec = yield* resolveFittedLaws(yield* Effect.fromResult(decodeSpecText(text, file)), file, text)
    const kind = specOfKind(spec)
    switch (kind._tag) {
      case "Trained":
      case "Hyperparameters":
        return yield* expandCorpusFiles(kind.experiment, file, text)
      case "Mixture":
        return yield* expandMixtureFiles(kind.mixture, file, text)
      case "Annealing":
        return yield* expandAnnealingFiles(kind.annealing, file, text)
      case "Table":
        return yield* resolveTableFile(spec, file, text)
    }
  }
)

/**
 * Reads and decodes the spec of an experiment whose runs scalelab trains, as loadExperimentSpec
 * does; a spec of results trained elsewhere (`sweep.kind: table`) is a located SpecIssue.
 */
export const loadExperiment = Effect.fn("loadExperiment")(
  function*(file: string): Effect.fn.Return<Experiment, SpecError, FileSystem.FileSystem> {
    const fileSystem = yield* FileSystem.FileSystem
    const text = yield* fileSystem.readFileString(file).pipe(Effect.mapError((error) => unreadable(file, error)))
    const experiment = yield* Effect.fromResult(decodeExperimentText(text, file))
    const resolved = yield* resolveFittedLaws(experiment, file, text)
    return yield* expandCorpusFiles({ ...experiment, training: resolved.training }, file, text)
  }
)
