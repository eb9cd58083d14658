import { Console, Effect, Option, Result } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import type { Interval } from "@scalelab/laws"
import { parseColumnMap } from "../columnMap.ts"
import { UserInputError } from "../failure.ts"
import { sci, table } from "../format.ts"
import { attempt } from "../pureInput.ts"
import {
  type BootstrapRequest,
  type FitMethod,
  fitIsoflopResults,
  fitMethods,
  fitParametricResults,
  type IsoflopResult,
  type ParametricResult
} from "../resultsFit.ts"
import { type LoadedResults, loadResults, type ResultPoint } from "../resultsInput.ts"
import { jsonFlag } from "./plan.ts"
import { storeFlag } from "./run.ts"

export const inputArgument = Argument.String("input").pipe(
  Argument.withDescription("a spec (its store's finished runs) or a results table (.csv, .jsonl)")
)

export const bootstrapFlag = Flag.Int("bootstrap").pipe(
  Flag.withDescription("bootstrap resamples for 80% intervals (0: none)"),
  Flag.withDefault(0)
)

export const seedFlag = Flag.Int("seed").pipe(Flag.withDescription("seed of the bootstrap resampling"), Flag.withDefault(0))

export const mapFlag = Flag.String("map").pipe(
  Flag.withDescription('rename a table\'s columns, ours=theirs: --map params="Model Size",flops="Training FLOP"'),
  Flag.optional
)

/** Reads INPUT as `fit` and `forecast --from` both do: the --map renaming, then the spec or table. */
export const loadInput = (input: string, map: Option.Option<string>, store: Option.Option<string>) =>
  Effect.gen(function* () {
    const rename = Option.isSome(map) ? yield* parseColumnMap(map.value) : {}
    return yield* loadResults(input, { rename, store: Option.getOrUndefined(store) })
  })

const budgetNote: Readonly<Record<LoadedResults["budgets"], string>> = {
  column: "budgets from the table's budget column",
  plan: "budgets from the spec's plan",
  flops: "no budget column: runs grouped into budgets by their FLOPs rounded to 3 significant digits"
}

/** A method's failure, naming the input and, when budgets were guessed from FLOPs, how to give them. */
const failureText = (input: string, method: FitMethod, message: string, results: LoadedResults): string =>
  `${input}: ${method}: ${message}` +
  (method === "isoflop" && results.budgets === "flops" ? `\n(${budgetNote.flops}; add a budget column to group runs otherwise)` : "")

type MethodOutcome =
  | { readonly method: "isoflop"; readonly result: IsoflopResult }
  | { readonly method: "parametric"; readonly result: ParametricResult }

const fitMethod = (method: FitMethod, points: ReadonlyArray<ResultPoint>, bootstrap: BootstrapRequest) =>
  attempt((): MethodOutcome =>
    method === "isoflop"
      ? { method, result: fitIsoflopResults(points, bootstrap) }
      : { method, result: fitParametricResults(points, bootstrap) }
  )

const isoflopJson = ({ fit, bootstrap }: IsoflopResult, budgets: LoadedResults["budgets"]) => ({
  ...fit,
  budgets_from: budgets,
  ...(bootstrap === undefined ? {} : {
    ci: {
      params_opt: { k: bootstrap.params_opt_k, a: bootstrap.params_opt_a },
      tokens_opt: { k: bootstrap.tokens_opt_k, b: bootstrap.tokens_opt_b }
    },
    bootstrap: { level: bootstrap.level, resamples_used: bootstrap.resamples_used, failed_resamples: bootstrap.failed_resamples }
  })
})

const parametricJson = ({ fit, bootstrap }: ParametricResult) => ({
  E: fit.E,
  A: fit.A,
  B: fit.B,
  alpha: fit.alpha,
  beta: fit.beta,
  objective: fit.objective,
  n_points: fit.n_points,
  starts: fit.starts,
  converged_starts: fit.converged_starts,
  ...(bootstrap === undefined ? {} : {
    ci: bootstrap.ci,
    bootstrap: { resamples_used: bootstrap.replicates.length, failed_resamples: bootstrap.failed }
  })
})

const range = (interval: Interval | undefined, digits = 3): string =>
  interval === undefined ? "" : `[${sci(interval[0], digits)}, ${sci(interval[1], digits)}]`

const isoflopText = ({ fit, bootstrap }: IsoflopResult, results: LoadedResults): string => {
  const used = new Set(fit.used_budgets)
  const curves = table(
    ["budget", "runs", "N*", "D*", "loss*", "used"],
    fit.budgets.map((curve) => [
      sci(curve.budget),
      String(curve.n_points),
      curve.params_opt === null ? "-" : sci(curve.params_opt),
      curve.tokens_opt === null ? "-" : sci(curve.tokens_opt),
      curve.loss_opt === null ? "-" : curve.loss_opt.toFixed(4),
      used.has(curve.budget) ? "yes" : "no"
    ])
  )
  return [
    `isoflop: ${results.points.length} runs in ${fit.budgets.length} budgets (${budgetNote[results.budgets]})`,
    curves,
    ...fit.excluded_budgets.map((entry) => `  budget ${sci(entry.budget)} left out: ${entry.reason}`),
    `N*(C) = ${sci(fit.params_opt.k)} · C^${fit.params_opt.a.toFixed(4)}   R² ${fit.r2s.params.toFixed(3)}` +
      (bootstrap === undefined ? "" : `   a in ${range(bootstrap.params_opt_a, 4)} (${bootstrap.level * 100}%)`),
    `D*(C) = ${sci(fit.tokens_opt.k)} · C^${fit.tokens_opt.b.toFixed(4)}   R² ${fit.r2s.tokens.toFixed(3)}` +
      (bootstrap === undefined ? "" : `   b in ${range(bootstrap.tokens_opt_b, 4)} (${bootstrap.level * 100}%)`)
  ].join("\n")
}

const parametricText = ({ fit, bootstrap }: ParametricResult): string => {
  const constants = (["E", "A", "B", "alpha", "beta"] as const).map((name) => [
    name,
    sci(fit[name], 4),
    range(bootstrap?.ci[name], 4)
  ])
  return [
    `parametric: L(N, D) = E + A/N^alpha + B/D^beta over ${fit.n_points} runs; Huber objective ${sci(fit.objective, 4)}, ` +
      `${fit.converged_starts} of ${fit.starts} starts converged`,
    bootstrap === undefined
      ? table(["constant", "value"], constants.map((row) => row.slice(0, 2)))
      : table(["constant", "value", "80% interval"], constants)
  ].join("\n")
}

export const fitCommand = Command.make(
  "fit",
  {
    input: inputArgument,
    method: Flag.Literals("method", [...fitMethods, "all"]).pipe(
      Flag.withDescription("isoflop (a parabola per budget, power laws across), parametric (Chinchilla approach 3), or all"),
      Flag.withDefault("all")
    ),
    bootstrap: bootstrapFlag,
    seed: seedFlag,
    map: mapFlag,
    store: storeFlag,
    json: jsonFlag
  },
  ({ input, method, bootstrap, seed, map, store, json }) =>
    Effect.gen(function* () {
      const results = yield* loadInput(input, map, store)
      const methods: ReadonlyArray<FitMethod> = method === "all" ? fitMethods : [method]
      const outcomes = yield* Effect.forEach(methods, (name) =>
        Effect.map(Effect.result(fitMethod(name, results.points, { resamples: bootstrap, seed })), (outcome) => ({ name, outcome })))
      const failures = outcomes.flatMap(({ name, outcome }) => (Result.isFailure(outcome) ? [failureText(input, name, outcome.failure.message, results)] : []))
      if (failures.length === outcomes.length) return yield* new UserInputError({ message: failures.join("\n") })
      if (json) {
        const byMethod = Object.fromEntries(outcomes.map(({ name, outcome }) => [
          name,
          Result.isFailure(outcome)
            ? { error: failureText(input, name, outcome.failure.message, results) }
            : outcome.success.method === "isoflop"
            ? isoflopJson(outcome.success.result, results.budgets)
            : parametricJson(outcome.success.result)
        ]))
        return yield* Console.log(JSON.stringify(byMethod, null, 2))
      }
      const sections = outcomes.map(({ name, outcome }) =>
        Result.isFailure(outcome)
          ? `not fitted: ${failureText(input, name, outcome.failure.message, results)}`
          : outcome.success.method === "isoflop"
          ? isoflopText(outcome.success.result, results)
          : parametricText(outcome.success.result))
      yield* Console.log(sections.join("\n\n"))
    })
).pipe(Command.withDescription("Fit scaling laws to a spec's finished runs or to a results table (CSV/JSONL)"))
