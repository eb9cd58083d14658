import * as fs from "node:fs/promises"
import { Effect } from "effect"
import { parse } from "yaml"
import type { CustomLaw, CustomLawParameter, StartRange } from "@scalelab/laws"
import { UserInputError } from "./failure.ts"

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

/** Checks a parsed law file field by field; the first problem comes back as text naming the field. */
const lawOf = (value: unknown, variables: ReadonlyArray<string>): CustomLaw | string => {
  if (!isRecord(value)) return "the file must be a mapping with expression, variables and parameters"
  const { expression, parameters } = value
  if (typeof expression !== "string" || expression.trim() === "") return "field expression: give the law as a formula in its variables and parameters"
  const declared = value["variables"]
  if (!Array.isArray(declared) || declared.length === 0 || !declared.every((name) => typeof name === "string")) {
    return `field variables: give a list of the columns the law reads, from ${variables.join(", ")}`
  }
  const unknown = declared.find((name) => !variables.includes(name))
  if (unknown !== undefined) return `field variables: "${unknown}" is not a column a law can read; use ${variables.join(", ")}`
  if (!isRecord(parameters) || Object.keys(parameters).length === 0) {
    return "field parameters: give a mapping from each fitted parameter's name to { start: [low, high], bounds?: [low, high] }"
  }
  const checked: Record<string, CustomLawParameter> = {}
  for (const [name, spec] of Object.entries(parameters)) {
    const field = `field parameters.${name}`
    if (!isRecord(spec)) return `${field}: give { start: [low, high] } and optionally bounds: [low, high]`
    const start = spec["start"]
    if (!(typeof start === "number" && Number.isFinite(start)) && !isPair(start)) {
      return `${field}.start: give a number or a range [low, high] to draw starting values from`
    }
    const bounds = spec["bounds"]
    if (bounds !== undefined && !isPair(bounds)) return `${field}.bounds: give [low, high] (.inf and -.inf for no bound)`
    checked[name] = { start: start as StartRange, ...(bounds === undefined ? {} : { bounds }) }
  }
  return { expression, variables: declared as string[], parameters: checked }
}

/** Reads a custom law from YAML (`--law-file`); every problem names the file and the field. */
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
    const parsed = yield* Effect.try({
      try: () => parse(text) as unknown,
      catch: (cause) => new UserInputError({ message: `${file}: not valid YAML (${(cause as Error).message})` })
    })
    const law = lawOf(parsed, variables)
    if (typeof law === "string") return yield* new UserInputError({ message: `${file}: ${law}; ${lawFileExample}` })
    return law
  })
