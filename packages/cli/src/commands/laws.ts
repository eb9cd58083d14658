import { Console, Effect } from "effect"
import { Command } from "effect/cli"
import { publishedLaws, type PublishedLaw } from "@scalelab/laws"
import { sci } from "@scalelab/laws"
import { jsonFlag } from "../commonFlags.ts"

const formula = (law: PublishedLaw): string => {
  if (law.kind === "parametric") {
    return `L(N, D) = ${law.E} + ${law.A}/N^${law.alpha} + ${law.B}/D^${law.beta}`
  }
  const unit = law.compute_unit_flops === 1 ? "C" : `C/${sci(law.compute_unit_flops)}`
  const terms: Array<[string, { k: number; exponent: number } | undefined]> = [
    ["N*", law.params],
    ["D*", law.tokens],
    ["M*", law.flops_per_token],
    ["batch*", law.batch_tokens],
    ["lr*", law.learning_rate]
  ]
  return terms.flatMap(([name, c]) => (c === undefined ? [] : [`${name} = ${sci(c.k, 4)}·(${unit})^${c.exponent}`])).join("; ")
}

export const lawsCommand = Command.make("laws", { json: jsonFlag }, ({ json }) =>
  json
    ? Console.log(JSON.stringify(publishedLaws, null, 2))
    : Effect.forEach(publishedLaws, (law) =>
      Console.log(`${law.name}\n  ${law.description}\n  ${formula(law)}\n  source: ${law.source}\n`), { discard: true })
).pipe(Command.withDescription("The published scaling laws built in, with their sources"))
