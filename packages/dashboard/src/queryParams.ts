import { experimentPalette } from "@scalelab/plots"
import { Effect } from "effect"
import { BadRequest } from "./errors.ts"

// Run ids are hex digests: anything else (slashes, dots) is refused before the id is looked up,
// let alone near a run folder's path. Experiment names only ever reach SQL as bound parameters.
const runIdPattern = /^[A-Za-z0-9_-]{1,64}$/
const experimentNamePattern = /^[^\u0000-\u001f]{1,200}$/

/** The query string of a request URL (the URL as the server received it: path and query). */
export const searchParamsOf = (requestUrl: string): URLSearchParams => new URL(requestUrl, "http://127.0.0.1").searchParams

const requiredParam = (params: URLSearchParams, name: string, pattern: RegExp, what: string) => {
  const values = params.getAll(name)
  if (values.length !== 1) {
    return Effect.fail(new BadRequest({ message: `give exactly one ${name}= parameter (${what})` }))
  }
  const value = values[0] ?? ""
  return pattern.test(value)
    ? Effect.succeed(value)
    : Effect.fail(new BadRequest({ message: `${name}=${JSON.stringify(value)} is not ${what}` }))
}

export const experimentParam = (params: URLSearchParams) =>
  requiredParam(params, "experiment", experimentNamePattern, "an experiment name")

export const runParam = (params: URLSearchParams) => requiredParam(params, "run", runIdPattern, "a run id")

/** The most experiments one overlay draws: one colour each, before the palette repeats. */
export const maxOverlaidExperiments = experimentPalette.length

/** One or more distinct `experiment=` parameters, in the order given (which sets their colours). */
export const experimentsParam = (params: URLSearchParams) => {
  const names = params.getAll("experiment")
  if (names.length === 0 || names.length > maxOverlaidExperiments) {
    return Effect.fail(new BadRequest({ message: `give 1 to ${maxOverlaidExperiments} experiment= parameters, one per experiment to overlay` }))
  }
  const malformed = names.find((name) => !experimentNamePattern.test(name))
  if (malformed !== undefined) return Effect.fail(new BadRequest({ message: `experiment=${JSON.stringify(malformed)} is not an experiment name` }))
  const repeated = names.find((name, index) => names.indexOf(name) !== index)
  if (repeated !== undefined) return Effect.fail(new BadRequest({ message: `experiment=${JSON.stringify(repeated)} is given twice` }))
  return Effect.succeed(names)
}

/** The `baseline=` of a comparison: one of `names`, the first when absent. */
export const baselineParam = (params: URLSearchParams, names: ReadonlyArray<string>) => {
  const given = params.getAll("baseline")
  if (given.length > 1) return Effect.fail(new BadRequest({ message: "give at most one baseline= parameter" }))
  const baseline = given[0] ?? names[0] ?? ""
  return names.includes(baseline)
    ? Effect.succeed(baseline)
    : Effect.fail(new BadRequest({ message: `baseline=${JSON.stringify(baseline)} is not one of the experiment= parameters` }))
}
