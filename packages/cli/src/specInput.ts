import { Effect } from "effect"
import { formatSpecIssue, loadExperiment, loadExperimentSpec, type SpecError } from "@scalelab/spec"
import { UserInputError } from "./failure.ts"

/** Every problem in a spec becomes one `FILE:LINE:COL: message` line of a single input error. */
const asInputError = (error: SpecError) => new UserInputError({ message: error.issues.map(formatSpecIssue).join("\n") })

/** Loads the spec of an experiment to train; a spec of results trained elsewhere (a table) is an input error. */
export const loadSpec = (file: string) => loadExperiment(file).pipe(Effect.mapError(asInputError))

/** Loads a spec of any sweep kind: runs to train, or a table of runs trained elsewhere. */
export const loadSpecOfAnyKind = (file: string) => loadExperimentSpec(file).pipe(Effect.mapError(asInputError))
