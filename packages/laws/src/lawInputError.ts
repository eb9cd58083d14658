/**
 * Thrown when the data given to a law cannot support the computation (too few points, a
 * non-positive value, an unknown law name). The message names the row or field at fault and what
 * to do; callers at the edge (the CLI) turn it into a user-facing failure, anything else thrown is a bug.
 */
export class LawInputError extends Error {
  readonly _tag = "LawInputError" as const

  constructor(message: string) {
    super(message)
    this.name = "LawInputError"
  }
}
