import { Effect } from "effect"
import { formatSpecIssue, loadExperiment } from "@scalelab/spec"
import { UserInputError } from "./failure.ts"

/** Loads a spec; every problem in it becomes one `FILE:LINE:COL: message` line of a single input error. */
export const loadSpec = (file: string) =>
  loadExperiment(file).pipe(
    Effect.catchTag("SpecError", (error) =>
      Effect.fail(new UserInputError({ message: error.issues.map(formatSpecIssue).join("\n") }))
    )
  )
