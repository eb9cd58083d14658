import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { DEFAULT_BOOTSTRAP_RESAMPLES } from "@scalelab/spec"
import {
  bootstrapLines,
  budgetsTable,
  compareExperiments,
  compareJson,
  type CompareResult,
  comparisonWhereToLook,
  type ExperimentComparison,
  headlineText,
  lawsTable,
  multiplierTable,
  sideBySideText,
  type TextTable,
  trendText,
  unreachedText,
  FLOOR_MODES,
  floorText,
  writeComparison
} from "@scalelab/analysis"
import { checkedFolder, table } from "@scalelab/sweep"
import { jsonFlag } from "../commonFlags.ts"
import { bounded, flagRanges } from "../flagRanges.ts"
import { computesFlag, seedFlag } from "./fit.ts"

const textTable = ({ columns, rows }: TextTable) => table(columns, rows)

const comparisonText = (comparison: ExperimentComparison, level: number): string => {
  const { baseline, candidate } = comparison
  const unreached = unreachedText(comparison)
  return [
    `${candidate} against ${baseline}: compute multiplier (the compute ${baseline} needs for ${candidate}'s compute-optimal loss, per FLOP ${candidate} spends)`,
    textTable(multiplierTable(comparison, level)),
    headlineText(comparison),
    trendText(comparison, level),
    ...bootstrapLines(comparison),
    ...(unreached === undefined ? [] : [unreached])
  ].join("\n")
}

const compareText = (result: CompareResult): string => {
  const notes = result.experiments.flatMap((experiment) => experiment.notes.map((note) => `note: ${experiment.name}: ${note}`))
  return [
    floorText(result),
    ...result.comparisons.map((comparison) => comparisonText(comparison, result.level)),
    [
      `side by side (${sideBySideText(result)}):`,
      textTable(lawsTable(result.experiments)),
      "",
      textTable(budgetsTable(result))
    ].join("\n"),
    ...(notes.length === 0 ? [] : [notes.join("\n")])
  ].join("\n\n")
}

const compareRole = { flag: "--out", noun: "comparison folder", holds: "the comparison" } as const

export const compareCommand = Command.make(
  "compare",
  {
    inputs: Argument.String("input").pipe(
      Argument.withDescription("two or more specs (their stores' finished runs) or results tables (.csv, .jsonl); a spec is named by its name, a table by its file name"),
      Argument.variadic({ min: 1 })
    ),
    baseline: Flag.String("baseline").pipe(
      Flag.withDescription("the experiment every other is measured against, by name (default: the first input)"),
      Flag.optional
    ),
    bootstrap: bounded(
      Flag.Int("bootstrap"),
      flagRanges.bootstrap,
      "bootstrap resamples of every fit, for the 80% intervals and the trend's verdict; 0 for none",
      DEFAULT_BOOTSTRAP_RESAMPLES
    ),
    seed: seedFlag,
    floor: Flag.Literals("floor", FLOOR_MODES).pipe(
      Flag.withDescription(
        "shared: fit every experiment's loss law jointly with one irreducible loss E (the data's entropy, the same for " +
          "experiments on the same data and tokenizer); separate: each with its own. Default: shared, unless two specs' " +
          "data sections differ; a results table does not say its data, so tables are taken to share it"
      ),
      Flag.optional
    ),
    compute: computesFlag("a budget in FLOPs to forecast the multiplier at (default: the baseline spec's forecast budgets, or 10× and 100× the largest budget swept)"),
    out: Flag.String("out").pipe(Flag.withDescription("a folder to write the comparison report into: index.html (opens offline), each plot as SVG and PNG, and compare.json (the --json output); default: none"), Flag.optional),
    json: jsonFlag
  },
  ({ inputs, baseline, bootstrap, seed, floor, compute, out, json }) =>
    Effect.gen(function*() {
      // A folder that cannot be written is bad input, said before the fits rather than after them.
      if (Option.isSome(out)) yield* checkedFolder(out.value, "write", compareRole)
      const result = yield* compareExperiments({ inputs, baseline: Option.getOrUndefined(baseline), resamples: bootstrap, seed, computes: compute, floor: Option.getOrUndefined(floor) })
      const written = Option.isSome(out) ? yield* writeComparison(out.value, result) : undefined
      if (json) return yield* Console.log(JSON.stringify(compareJson(result), null, 2))
      yield* Console.log([compareText(result), ...(written === undefined ? [] : [comparisonWhereToLook(written).join("\n")])].join("\n\n"))
    })
).pipe(Command.withDescription(
  "Compare experiments by their scaling laws. For each candidate against the baseline: the compute multiplier " +
    "(how much compute the baseline needs to reach the candidate's compute-optimal loss, per FLOP the candidate " +
    "spends) at every budget swept and forecast, with 80% intervals from a joint bootstrap of both fits, and whether " +
    "it grows, holds or shrinks with compute; then each experiment's N*(C), D*(C) and L*(C) side by side. The loss " +
    "laws share one irreducible loss (--floor shared) unless the specs' data differ."
))
