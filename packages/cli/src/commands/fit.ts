import { Console, Effect, Option, Result } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import {
  ALL_FIT_METHODS,
  type AnyFitMethod,
  DEFAULT_LAW_FORM,
  defaultIsoflopMinimum,
  describeFitMethods,
  describeIsoflopMinima,
  describeLawForms,
  type IsoflopMinimumEstimator,
  isoflopMinimumEstimators,
  LAW_FORM_CHOICES,
  type LawFormChoice
} from "@scalelab/spec"
import {
  type BootstrapRequest,
  budgetNote,
  fitDownstreamResults,
  fitEnvelopeResults,
  fitIsoflopResults,
  fitLawResults,
  fitParametricResults,
  lawVariables,
  type LoadedResults,
  loadLawFile,
  loadResults,
  type MethodOutcome,
  outcomeJson,
  outcomeText,
  parseColumnMap
} from "@scalelab/analysis"
import { attemptStepwise, UserInputError } from "@scalelab/sweep"
import { jsonFlag, storeFlag } from "../commonFlags.ts"
import { bounded, flagRanges, withShownDefault } from "../flagRanges.ts"
import { sweepSpecReport } from "./sweepReport.ts"

export const inputArgument = Argument.String("input").pipe(
  Argument.withDescription("a spec (its store's finished runs) or a results table (.csv, .jsonl)")
)

export const bootstrapFlag = bounded(Flag.Int("bootstrap"), flagRanges.bootstrap, "bootstrap resamples for 80% intervals, 0 for none", 0)

export const seedFlag = bounded(Flag.Int("seed"), flagRanges.seed, "seed of the bootstrap resampling", 0)

/** A training budget in FLOPs, given once per budget. */
export const computesFlag = (description: string) =>
  bounded(Flag.Finite("compute"), flagRanges.quantity, `${description}; repeat the flag for more budgets`).pipe(Flag.atLeast(0))

export const mapFlag = Flag.String("map").pipe(
  Flag.withDescription('rename a table\'s columns, ours=theirs: --map params="Model Size",flops="Training FLOP" (default: none, the names as they are)'),
  Flag.optional
)

/** Reads INPUT as `fit` and `forecast --from` both do: the --map renaming, then the spec or table. */
export const loadInput = (input: string, map: Option.Option<string>, store: Option.Option<string>) =>
  Effect.gen(function* () {
    const rename = Option.isSome(map) ? yield* parseColumnMap(map.value) : {}
    return yield* loadResults(input, { rename, store: Option.getOrUndefined(store) })
  })

type Method = AnyFitMethod

interface MethodRequest {
  readonly input: string
  readonly results: LoadedResults
  readonly bootstrap: BootstrapRequest
  /** How the isoflop method reads each budget's minimum. */
  readonly isoflopMinimum: IsoflopMinimumEstimator
  readonly computes: ReadonlyArray<number>
  readonly lawFile: string | undefined
  readonly task: string | undefined
  readonly lawForm: LawFormChoice
  /** Under `--method all`, a method whose input is absent is skipped, not failed. */
  readonly all: boolean
}

/** A method's fit, its failure (text naming the input), or, under `all`, why it was not attempted. */
type MethodReport =
  | { readonly status: "fitted"; readonly outcome: MethodOutcome }
  | { readonly status: "failed"; readonly message: string }
  | { readonly status: "skipped"; readonly reason: string }

class Skipped {
  constructor(readonly reason: string) {}
}

/** A method's input is absent: under `all` it is skipped with `reason`, when asked for by name it is the user's error. */
const absent = (request: MethodRequest, method: Method, reason: string): Effect.Effect<never, UserInputError | Skipped> =>
  request.all ? Effect.fail(new Skipped(reason)) : Effect.fail(new UserInputError({ message: `${request.input}: ${method}: ${reason}` }))

/** Task names the downstream method fits: --task, or every task with score columns. */
const tasksFor = (request: MethodRequest) => {
  const { results, task, input } = request
  if (results.tasks.length === 0) {
    return absent(request, "downstream", `no task.<name>.nll and task.<name>.acc columns; the input has ${results.columns.map((c) => `"${c}"`).join(", ")}`)
  }
  if (task !== undefined && !results.tasks.includes(task)) {
    return Effect.fail(new UserInputError({ message: `${input}: --task ${task}: no task.${task}.nll / .acc columns; tasks present: ${results.tasks.join(", ")}` }))
  }
  return Effect.succeed(task === undefined ? results.tasks : [task])
}

/** How `fit` runs each method of the registry; a method without an entry here does not type-check. */
const methodRunners: { readonly [M in Method]: (request: MethodRequest) => Effect.Effect<MethodOutcome, UserInputError | Skipped> } = {
  isoflop: ({ results, bootstrap, isoflopMinimum }) =>
    attemptStepwise(() => fitIsoflopResults(results.points, { ...bootstrap, minimum: isoflopMinimum })).pipe(
      Effect.map((result) => ({ method: "isoflop", result }))
    ),
  parametric: ({ results, bootstrap, lawForm }) =>
    fitParametricResults(results.points, { ...bootstrap, lawForm }).pipe(Effect.map((result) => ({ method: "parametric", result }))),
  envelope: (request) =>
    Effect.gen(function* () {
      const { results, bootstrap, computes } = request
      const curves = yield* Effect.catch(results.curves, (error) => absent(request, "envelope", error.message))
      const result = yield* attemptStepwise(() => fitEnvelopeResults(curves.curves, bootstrap, computes))
      return { method: "envelope", loss: curves.loss, result } as const
    }),
  law: (request) =>
    Effect.gen(function* () {
      const file = request.lawFile
      if (file === undefined) return yield* absent(request, "law", "no --law-file given; declare the law in a YAML file")
      const law = yield* loadLawFile(file, lawVariables)
      const result = yield* attemptStepwise(() => fitLawResults(law, request.results.points, request.bootstrap)).pipe(
        Effect.mapError((error) => new UserInputError({ message: `law of ${file}: ${error.message}` }))
      )
      return { method: "law", file, result } as const
    }),
  downstream: (request) =>
    Effect.gen(function* () {
      const { results, bootstrap, computes } = request
      const tasks = yield* tasksFor(request)
      const fitted = yield* Effect.forEach(tasks, (task) => attemptStepwise(() => fitDownstreamResults(results.points, task, bootstrap, computes)))
      return { method: "downstream", results: fitted } as const
    })
}

const fitMethod = (method: Method, request: MethodRequest) => methodRunners[method](request)

/** A method's failure, naming the input and, when budgets were guessed from FLOPs, how to give them. */
const failureText = (input: string, method: Method, message: string, results: LoadedResults): string =>
  `${input}: ${method}: ${message}` +
  (method === "isoflop" && results.budgets === "flops" ? `\n(${budgetNote.flops}; add a budget column to group runs otherwise)` : "")

const report = (method: Method, request: MethodRequest): Effect.Effect<MethodReport> =>
  Effect.map(Effect.result(fitMethod(method, request)), (outcome): MethodReport =>
    Result.isSuccess(outcome)
      ? { status: "fitted", outcome: outcome.success }
      : outcome.failure instanceof Skipped
      ? { status: "skipped", reason: outcome.failure.reason }
      : { status: "failed", message: failureText(request.input, method, outcome.failure.message, request.results) })

export const fitCommand = Command.make(
  "fit",
  {
    input: inputArgument,
    method: Flag.Literals("method", [...ALL_FIT_METHODS, "all"]).pipe(
      withShownDefault<Method | "all">("all", `${describeFitMethods(ALL_FIT_METHODS)}, or all (every method the input supports)`)
    ),
    bootstrap: bootstrapFlag,
    seed: seedFlag,
    isoflopMinimum: Flag.Literals("isoflop-minimum", isoflopMinimumEstimators).pipe(
      Flag.withDescription(
        `how the isoflop method reads each budget's minimum: ${describeIsoflopMinima()} ` +
          `(default: a spec's fit.isoflop_minimum, else ${defaultIsoflopMinimum})`
      ),
      Flag.optional
    ),
    map: mapFlag,
    store: storeFlag,
    lawFile: Flag.String("law-file").pipe(
      Flag.withDescription("a YAML law: expression, variables (params, tokens, flops, budget), parameters: { name: { start: [lo, hi], bounds: [lo, hi] } } " +
        "(default: none; the law method needs one)"),
      Flag.optional
    ),
    task: Flag.String("task").pipe(Flag.withDescription("the downstream task to fit (default: every task.<name>.nll/.acc pair)"), Flag.optional),
    lawForm: Flag.Literals("law-form", LAW_FORM_CHOICES).pipe(
      Flag.withDescription(`the parametric method's law: ${describeLawForms()} (default: a spec's fit.law_form, else ${DEFAULT_LAW_FORM})`),
      Flag.optional
    ),
    compute: computesFlag("a training budget in FLOPs at which envelope gives N*, D* and downstream the accuracy (default: none)"),
    json: jsonFlag
  },
  ({ input, method, bootstrap, seed, isoflopMinimum, map, store, lawFile, task, lawForm, compute, json }) =>
    Effect.gen(function* () {
      // A hyperparameter grid or a data mixture is not fitted by these methods: its own fit, as `run` ends.
      if (yield* sweepSpecReport(input, { out: Option.none(), store, bootstrap: Option.none(), seed, json })) return
      const results = yield* loadInput(input, map, store)
      const request: MethodRequest = {
        input,
        results,
        bootstrap: { resamples: bootstrap, seed },
        isoflopMinimum: Option.getOrElse(isoflopMinimum, () => results.isoflopMinimum),
        computes: compute,
        lawFile: Option.getOrUndefined(lawFile),
        task: Option.getOrUndefined(task),
        lawForm: Option.getOrElse(lawForm, () => results.lawForm),
        all: method === "all"
      }
      const chosen: ReadonlyArray<Method> = method === "all" ? ALL_FIT_METHODS : [method]
      const reports = yield* Effect.forEach(chosen, (name) => Effect.map(report(name, request), (entry) => ({ name, entry })))
      const attempted = reports.filter(({ entry }) => entry.status !== "skipped")
      const failures = attempted.flatMap(({ entry }) => (entry.status === "failed" ? [entry.message] : []))
      if (failures.length === attempted.length) return yield* new UserInputError({ message: failures.join("\n") || `${input}: no method could be fitted` })
      if (json) {
        const byMethod = Object.fromEntries(reports.map(({ name, entry }) => [
          name,
          entry.status === "fitted"
            ? outcomeJson(entry.outcome, results)
            : entry.status === "failed"
            ? { error: entry.message }
            : { skipped: entry.reason }
        ]))
        return yield* Console.log(JSON.stringify(byMethod, null, 2))
      }
      const sections = reports.map(({ name, entry }) =>
        entry.status === "fitted"
          ? outcomeText(entry.outcome, results)
          : entry.status === "failed"
          ? `not fitted: ${entry.message}`
          : `skipped ${name}: ${entry.reason}`)
      yield* Console.log(sections.join("\n\n"))
    })
).pipe(Command.withDescription(
  "Fit scaling laws to a spec's finished runs or to a results table (CSV/JSONL). Envelope needs training curves: " +
    "the runs' metrics.jsonl (evaluation losses where logged) or table rows sharing a `run` column. Downstream needs " +
    "task.<name>.nll and task.<name>.acc columns. Every result carries diagnostics (--json). Of a hyperparameter " +
    "grid's spec: lr*(C) and B*(C); of a data-mixture spec: the data-mixing law and its predicted best mix; of an " +
    "annealing spec: each candidate's loss change against the control; all from the runs in the store " +
    "(fit.bootstrap resamples), writing fit.json and the report as `scalelab run` does (--json prints fit.json)."
))
