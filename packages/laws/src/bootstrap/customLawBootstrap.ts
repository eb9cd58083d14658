import type { Interval } from "./bootstrap.ts"
import { bootstrapResamples } from "./bootstrap.ts"
import type { CustomLaw, CustomLawFit, CustomLawOptions, CustomLawParameter, LawRow } from "../custom/customLaw.ts"
import { fitCustomLaw } from "../custom/customLaw.ts"
import type { BootstrapSummary } from "./resampledFits.ts"
import { bootstrapSummary, checkBootstrapOptions, intervalOver, pick, refitResamples } from "./resampledFits.ts"
import type { Stepwise } from "../stepwise.ts"

export interface CustomLawBootstrapOptions extends Omit<CustomLawOptions, "seed"> {
  readonly resamples: number
  /** Seeds both the resampling and the full fit's multi-start. */
  readonly seed: number
  /** Central coverage of every interval; 0.8 when left out. */
  readonly level?: number
}

export interface CustomLawBootstrap extends BootstrapSummary {
  /** The fit to all rows, from `starts` starts; every refit starts from its parameters. */
  readonly fit: CustomLawFit
  /** A percentile interval per named parameter. */
  readonly parameters: Readonly<Record<string, Interval>>
}

/**
 * Percentile bootstrap intervals for every parameter of a user's law: rows (runs) resampled with
 * replacement, each resample refitted. Only the full fit runs the multi-start; each refit starts
 * once, from the full fit's parameters, because a resample moves the optimum only a little and one
 * warm start finds it where `starts` fresh draws would cost `starts` times as much.
 */
export function* bootstrapCustomLaw(law: CustomLaw, rows: ReadonlyArray<LawRow>, options: CustomLawBootstrapOptions): Stepwise<CustomLawBootstrap> {
  const level = checkBootstrapOptions(options)
  const { resamples, seed, level: _level, ...fitOptions } = options
  const fit = fitCustomLaw(law, rows, { ...fitOptions, seed })
  const names = Object.keys(law.parameters)
  const warmStarted: CustomLaw = {
    ...law,
    parameters: Object.fromEntries(
      names.map((name): [string, CustomLawParameter] => [name, { ...(law.parameters[name] as CustomLawParameter), start: fit.parameters[name] as number }])
    )
  }
  const resampled = yield* refitResamples(
    bootstrapResamples(rows.length, resamples, seed),
    (sample) => fitCustomLaw(warmStarted, pick(rows, sample), { ...fitOptions, starts: 1 }).parameters,
    "Add rows that spread over the law's variables, so that a resample still pins every parameter"
  )
  const { fits } = resampled
  return {
    ...bootstrapSummary(level, resampled),
    fit,
    parameters: Object.fromEntries(names.map((name) => [name, intervalOver(fits, (parameters) => parameters[name] as number, level)]))
  }
}
