import { Runtime, Schema } from "effect"

/** One problem in a spec file, located at a 1-based line and column. */
export const SpecIssue = Schema.Struct({
  file: Schema.String,
  line: Schema.Int,
  column: Schema.Int,
  message: Schema.String
})
export type SpecIssue = typeof SpecIssue.Type

/** Every problem found in a spec, reported together so the user can fix them in one pass. */
export class SpecError extends Schema.TaggedError<SpecError>()("SpecError", {
  issues: Schema.Array(SpecIssue)
}) {
  override readonly [Runtime.errorExitCode] = 2
  override get message(): string {
    return this.issues.map(formatSpecIssue).join("\n")
  }
}

/** `FILE:LINE:COL: message`, the form editors and terminals turn into links. */
export const formatSpecIssue = (issue: SpecIssue): string =>
  `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`
