import * as fs from "node:fs/promises"
import { Effect, Result } from "effect"
import type { CustomLaw, CustomLawParameter, StartRange } from "@scalelab/laws"
import { formatSpecIssue, parseYaml, yamlPosition } from "@scalelab/spec"
import { UserInputError } from "@scalelab/sweep"

/** What a law file looks like, for every message about one that is not right. */
const lawFileExample = "e.g.\n" +
  "expression: E + A / params^alpha + B / tokens^beta\n" +
  "variables: [params, tokens]\n" +
  "parameters:\n" +
  "  E: { start: [1, 3], bounds: [0, 10] }\n" +
  "  alpha: { start: [0.2, 0.5], bounds: [0, 2] }"

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const isPair = (value: unknown): value is [number, number] =>
  Array.isArray(value) && value.length === 2 && value.every((x) => typeof x === "number" && !Number.isNaN(x))

/** A problem with the value at `path` of a law file. */
interface LawFileProblem {
  readonly path: ReadonlyArray<string>
  readonly message: string
}

const problem = (path: ReadonlyArray<string>, message: string): LawFileProblem => ({ path, message })

/** Checks a parsed law file field by field; the first problem comes back with the field's path. */
const lawOf = (value: unknown, variables: ReadonlyArray<string>): CustomLaw | LawFileProblem => {
  if (!isRecord(value)) return problem([], "the file must be a mapping with expression, variables and parameters")
  const { expression, parameters } = value
  if (typeof expression !== "string" || expression.trim() === "") return problem(["expression"], "give the law as a formula in its variables and parameters")
  const declared = value["variables"]
  if (!Array.isArray(declared) || declared.length === 0 || !declared.every((name) => typeof name === "string")) {
    return problem(["variables"], `give a list of the columns the law reads, from ${variables.join(", ")}`)
  }
  const unknown = declared.find((name) => !variables.includes(name))
  if (unknown !== undefined) return problem(["variables"], `"${unknown}" is not a column a law can read; use ${variables.join(", ")}`)
  if (!isRecord(parameters) || Object.keys(parameters).length === 0) {
    return problem(["parameters"], "give a mapping from each fitted parameter's name to { start: [low, high], bounds?: [low, high] }")
  }
  const checked: Record<string, CustomLawParameter> = {}
  for (const [name, spec] of Object.entries(parameters)) {
    if (!isRecord(spec)) return problem(["parameters", name], "give { start: [low, high] } and optionally bounds: [low, high]")
    const start = spec["start"]
    if (!(typeof start === "number" && Number.isFinite(start)) && !isPair(start)) {
      return problem(["parameters", name, "start"], "give a number or a range [low, high] to draw starting values from")
    }
    const bounds = spec["bounds"]
    if (bounds !== undefined && !isPair(bounds)) return problem(["parameters", name, "bounds"], "give [low, high] (.inf and -.inf for no bound)")
    checked[name] = { start: start as StartRange, ...(bounds === undefined ? {} : { bounds }) }
  }
  return { expression, variables: declared as string[], parameters: checked }
}

/** Reads a custom law from YAML (`--law-file`); every problem names the file, the line and the field. */
export const loadLawFile = (file: string, variables: ReadonlyArray<string>): Effect.Effect<CustomLaw, UserInputError> =>
  Effect.gen(function* () {
    const text = yield* Effect.tryPromise({
      try: () => fs.readFile(file, "utf8"),
      catch: (cause) =>
        new UserInputError({
          message: (cause as NodeJS.ErrnoException).code === "ENOENT"
            ? `${file}: law file not found; give a YAML file with expression, variables and parameters`
            : `${file}: could not read it (${String(cause)})`
        })
    })
    const parsed = parseYaml(text)
    if (Result.isFailure(parsed)) {
      return yield* new UserInputError({ message: parsed.failure.map((problem) => formatSpecIssue({ file, ...problem })).join("\n") })
    }
    const law = lawOf(parsed.success.value, variables)
    if ("path" in law) {
      const { line, column } = yamlPosition(text, law.path)
      const field = law.path.length === 0 ? "" : `field ${law.path.join(".")}: `
      return yield* new UserInputError({ message: `${file}:${line}:${column}: ${field}${law.message}; ${lawFileExample}` })
    }
    return law
  })
