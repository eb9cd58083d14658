import { Effect } from "effect"
import { UserInputError } from "@scalelab/sweep"

const unquote = (text: string): string => text.trim().replace(/^"(.*)"$/s, "$1").replace(/^'(.*)'$/s, "$1")

/** Splits on commas outside quotes: `params="Model Size",flops="Training FLOP"`. */
const entries = (text: string): string[] => {
  const parts: string[] = []
  let current = ""
  let quote: string | undefined
  for (const char of text) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined
    } else if (char === '"' || char === "'") {
      quote = char
    } else if (char === ",") {
      parts.push(current)
      current = ""
      continue
    }
    current += char
  }
  parts.push(current)
  return parts
}

/**
 * The `--map` flag: `new=old` pairs separated by commas, ours on the left and the file's column on
 * the right (a name with spaces or commas may be quoted). Splitting at the first `=` lets the
 * file's name hold one.
 */
export const parseColumnMap = (text: string): Effect.Effect<Record<string, string>, UserInputError> =>
  Effect.suspend(() => {
    const rename: Record<string, string> = {}
    for (const entry of entries(text)) {
      const equals = entry.indexOf("=")
      const ours = entry.slice(0, Math.max(equals, 0)).trim()
      const theirs = unquote(entry.slice(equals + 1))
      if (equals < 0 || ours === "" || theirs === "") {
        return Effect.fail(new UserInputError({
          message: `--map: "${entry.trim()}" is not new=old; write e.g. --map params="Model Size",flops="Training FLOP"`
        }))
      }
      rename[ours] = theirs
    }
    return Effect.succeed(rename)
  })
