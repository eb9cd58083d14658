import { CliError, CliOutput, Flag } from "effect/cli"
import { MAX_BOOTSTRAP_RESAMPLES } from "@scalelab/spec"

/** The values a numeric flag accepts: `text` says them in its --help and in the error for one outside. */
export interface FlagRange {
  readonly text: string
  readonly contains: (value: number) => boolean
}

const integers = (min: number, max: number, maxText = max.toLocaleString("en-US")): FlagRange => ({
  text: `an integer from ${min} to ${maxText}`,
  contains: (value) => Number.isInteger(value) && value >= min && value <= max
})

const countUpTo = (max: number): FlagRange => ({
  text: `a number from 1 to ${max.toExponential()}`,
  contains: (value) => value >= 1 && value <= max
})

/**
 * The range of every numeric flag of every command, in one place. The bounds are far past any
 * real use and stop the values that would only run away (a billion bootstrap resamples), wrap
 * (a seed past 2^53) or mean nothing (a negative count, a port past 65535).
 */
export const flagRanges = {
  // The spec's fit.bootstrap takes the same range.
  bootstrap: integers(0, MAX_BOOTSTRAP_RESAMPLES),
  seed: integers(0, Number.MAX_SAFE_INTEGER, "2^53 − 1"),
  concurrency: integers(1, 4096),
  port: integers(0, 65_535),
  // FLOPs, parameters or tokens: the largest training runs are near 1e26 FLOPs; below one there is
  // nothing to count, and a law's optimum there underflows to 0 parameters.
  quantity: countUpTo(1e40),
  // Tokens served over a model's life: none (the Chinchilla optimum) up to the same far bound.
  inferenceTokens: { text: "a number from 0 to 1e+40", contains: (value: number) => value >= 0 && value <= 1e40 },
  // A loss in nats per token: above 0 and below any loss a language model is trained to (ln of a
  // million-word vocabulary is under 14).
  loss: { text: "a number above 0 and at most 100", contains: (value: number) => value > 0 && value <= 100 }
} as const

/** A flag's help with its default at the end, which the CLI library does not show. */
const withDefaultText = (description: string, shown: string) => `${description} (default: ${shown})`

/**
 * Gives a flag its default and says it in its --help. `shown` is the default as a user would
 * type it, or what it stands for.
 */
export const withShownDefault = <A>(value: A, description: string, shown: string = String(value)) => (flag: Flag.Flag<A>): Flag.Flag<A> =>
  flag.pipe(Flag.withDescription(withDefaultText(description, shown)), Flag.withDefault(value))

/**
 * Holds a numeric flag to `range`, said in its --help after `description` (and then its default,
 * when it has one). A value outside fails parsing, exit 2, with
 * `Invalid value for flag --NAME: "VALUE". Expected: RANGE`.
 */
export const bounded = (flag: Flag.Flag<number>, range: FlagRange, description: string, fallback?: number): Flag.Flag<number> => {
  const held = flag.pipe(Flag.filter(range.contains, () => range.text))
  const text = `${description}; ${range.text}`
  return fallback === undefined ? held.pipe(Flag.withDescription(text)) : held.pipe(withShownDefault(fallback, text))
}

// The CLI library's words for a single-value flag given more than once: `"2 occurrences"`.
const repeated = /^(\d+) occurrences$/

/**
 * The CLI library's error formatter, but a flag that takes one value and was given several says
 * so, where the library says `Invalid value for flag --compute: "2 occurrences"`.
 */
export const flagErrorFormatter = (): CliOutput.Formatter => {
  const library = CliOutput.defaultFormatter()
  const clarify = (error: CliError.CliError): CliError.CliError => {
    const times = error._tag === "InvalidValue" && error.kind === "flag" ? repeated.exec(error.value)?.[1] : undefined
    return times === undefined || error._tag !== "InvalidValue" ? error : new CliError.ValidationError({
      message: `--${error.option} was given ${times} times, but it takes one value: give it once (--help lists the flags that repeat)`
    })
  }
  return { ...library, formatErrors: (errors) => library.formatErrors(errors.map(clarify)) }
}
