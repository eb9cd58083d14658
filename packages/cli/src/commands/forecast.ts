import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { describeFitMethods, FORECAST_METHODS, type ForecastMethod } from "@scalelab/spec"
import {
  type BootstrapHealth,
  type Forecast,
  forecastFromFit,
  forecastFromLaw,
  healthJson,
  type InferenceAllocation,
  type InferenceOptimum,
  inferenceOptimumFromFit,
  inferenceOptimumFromLaw,
  type Interval,
  intervalProvenance,
  lossBootstrapJson,
  type LossForecast,
  lossForecastFromFit,
  lossForecastFromLaw,
  type Target
} from "@scalelab/analysis"
import { sci, table, UserInputError } from "@scalelab/sweep"
import { bootstrapFlag, loadInput, mapFlag, seedFlag } from "./fit.ts"
import { jsonFlag, storeFlag } from "../commonFlags.ts"
import { bounded, flagRanges, withShownDefault } from "../flagRanges.ts"

/** What the flags ask for: a compute-optimal allocation, the loss at a size and data, or the inference-aware optimum. */
type Request =
  | { readonly _tag: "Optimal"; readonly target: Target }
  | { readonly _tag: "LossAt"; readonly params: number; readonly tokens: number }
  | { readonly _tag: "Inference"; readonly loss: number; readonly inferenceTokens: number }

const forms =
  "give one of: --compute C (or --params N, or --tokens D, alone) for the compute-optimal allocation and loss; " +
  "--params N --tokens D for the loss of that model; --loss L --inference-tokens T for the inference-aware optimum"

const requestOf = (flags: {
  readonly compute: Option.Option<number>
  readonly params: Option.Option<number>
  readonly tokens: Option.Option<number>
  readonly loss: Option.Option<number>
  readonly inferenceTokens: Option.Option<number>
}): Effect.Effect<Request, UserInputError> => {
  const given = (["compute", "params", "tokens"] as const).filter((name) => Option.isSome(flags[name]))
  const bad = (message: string) => Effect.fail(new UserInputError({ message: `${message}: ${forms}` }))
  if (Option.isSome(flags.loss) || Option.isSome(flags.inferenceTokens)) {
    if (given.length > 0) return bad(`--loss and --inference-tokens ask for the inference-aware optimum, which chooses N and D itself; drop ${given.map((g) => `--${g}`).join(", ")}`)
    if (Option.isNone(flags.loss) || Option.isNone(flags.inferenceTokens)) {
      return bad("the inference-aware optimum needs both --loss L (the target loss) and --inference-tokens T (tokens served over the model's life; 0 for none)")
    }
    return Effect.succeed({ _tag: "Inference", loss: flags.loss.value, inferenceTokens: flags.inferenceTokens.value })
  }
  if (Option.isSome(flags.compute) && given.length > 1) {
    return bad("--compute with --params or --tokens over-determines the model (C = 6·N·D)")
  }
  if (Option.isSome(flags.params) && Option.isSome(flags.tokens)) {
    return Effect.succeed({ _tag: "LossAt", params: flags.params.value, tokens: flags.tokens.value })
  }
  const [quantity] = given
  if (quantity === undefined) return bad("nothing to forecast")
  const value = flags[quantity]
  return Option.isSome(value) ? Effect.succeed({ _tag: "Optimal", target: { quantity, value: value.value } }) : bad("nothing to forecast")
}

const showLoss = (x: number) => x.toFixed(4)

const interval = (range: Interval | null | undefined, format: (x: number) => string): string =>
  range === undefined || range === null ? "" : `   80% interval [${format(range[0])}, ${format(range[1])}]`

/** A loss with its interval; an interval whose bootstrap is not to be trusted is left out (its warning is printed below). */
const lossLine = (forecast: LossForecast) =>
  `${showLoss(forecast.loss)}${forecast.health?.trustworthy === false ? "   (no interval: see below)" : interval(forecast.interval, showLoss)}`

/** Where the intervals come from, and any warning that they are not to be trusted. */
const provenanceLines = (allocation: BootstrapHealth | undefined, loss: LossForecast | undefined, allocationFromLoss: boolean): Array<string> => {
  const lossSource = loss === undefined ? undefined : intervalProvenance(loss)
  const allocationSource = allocation === undefined || allocationFromLoss
    ? undefined
    : `from ${allocation.used} of ${allocation.requested} bootstrap resamples${allocation.warning === undefined ? "" : `; ${allocation.warning}`}`
  return [
    ...(allocationSource === undefined ? [] : [`N*, D* intervals ${allocationSource}`]),
    ...(lossSource === undefined ? [] : [`${allocationFromLoss ? "intervals" : "loss interval"} ${lossSource}`])
  ]
}

const optimalText = (forecast: Forecast, source: string, parametricLoss: boolean): string => {
  const { point, interval: ranges, loss } = forecast
  return [
    `compute-optimal, from ${source}${parametricLoss ? " (loss from the parametric law fitted to the same runs)" : ""}:`,
    `  compute  ${sci(point.compute)} FLOPs${interval(ranges?.compute, sci)}`,
    `  params   ${sci(point.params)}${forecast.allocationHealth?.trustworthy === false ? "" : interval(ranges?.params, sci)}`,
    `  tokens   ${sci(point.tokens)}${forecast.allocationHealth?.trustworthy === false ? "" : interval(ranges?.tokens, sci)}`,
    `  loss     ${loss === undefined ? `not forecast: ${forecast.lossProblem ?? "no parametric law"}` : lossLine(loss)}`,
    ...provenanceLines(forecast.allocationHealth, loss, !parametricLoss),
    ...(forecast.note === undefined ? [] : [`no interval: ${forecast.note}`])
  ].join("\n")
}

const optimalJson = (forecast: Forecast, source: string) => {
  const loss = forecast.loss
  const allocationBootstrap = forecast.allocationHealth === undefined ? undefined : healthJson(forecast.allocationHealth)
  const lossBootstrap = loss === undefined ? undefined : lossBootstrapJson(loss)
  return {
    ...forecast.point,
    loss: loss?.loss ?? null,
    source,
    ...(forecast.interval === undefined && loss?.interval === undefined
      ? {}
      : { interval: { ...forecast.interval, ...(loss?.interval === undefined ? {} : { loss: loss.interval }) } }),
    ...(allocationBootstrap === undefined && lossBootstrap === undefined
      ? {}
      : { bootstrap: { ...(allocationBootstrap === undefined ? {} : { allocation: allocationBootstrap }), ...(lossBootstrap === undefined ? {} : { loss: lossBootstrap }) } }),
    ...(forecast.lossProblem === undefined ? {} : { loss_problem: forecast.lossProblem }),
    ...(forecast.isoflopLossDiagnostic === undefined ? {} : { isoflop_loss_diagnostic: forecast.isoflopLossDiagnostic }),
    ...(forecast.note === undefined ? {} : { note: forecast.note })
  }
}

const lossAtText = (forecast: LossForecast, source: string): string =>
  [
    `loss of a model of ${sci(forecast.params)} params trained on ${sci(forecast.tokens)} tokens (C = 6·N·D = ${sci(forecast.compute)} FLOPs), from ${source}:`,
    `  loss     ${lossLine(forecast)}`,
    ...provenanceLines(undefined, forecast, false)
  ].join("\n")

const lossAtJson = (forecast: LossForecast, source: string) => {
  const bootstrap = lossBootstrapJson(forecast)
  return {
    compute: forecast.compute,
    params: forecast.params,
    tokens: forecast.tokens,
    loss: forecast.loss,
    source,
    ...(forecast.interval === undefined ? {} : { interval: { loss: forecast.interval } }),
    ...(bootstrap === undefined ? {} : { bootstrap: { loss: bootstrap } })
  }
}

const allocationJson = (allocation: InferenceAllocation) => ({
  params: allocation.params,
  tokens: allocation.tokens,
  tokens_per_param: allocation.tokens / allocation.params,
  training_flops: allocation.trainingFlops,
  inference_flops: allocation.inferenceFlops,
  total_flops: allocation.totalFlops
})

const saving = ({ optimal, chinchilla }: InferenceOptimum) => ({
  flops: chinchilla.totalFlops - optimal.totalFlops,
  fraction: chinchilla.totalFlops > 0 ? (chinchilla.totalFlops - optimal.totalFlops) / chinchilla.totalFlops : 0
})

const inferenceJson = (optimum: InferenceOptimum, source: string) => ({
  loss: optimum.loss,
  inference_tokens: optimum.inferenceTokens,
  source,
  optimal: allocationJson(optimum.optimal),
  chinchilla_optimal: allocationJson(optimum.chinchilla),
  saved_flops: saving(optimum).flops,
  saved_fraction: saving(optimum).fraction
})

const inferenceText = (optimum: InferenceOptimum, source: string): string => {
  const row = (name: string, a: InferenceAllocation) =>
    [name, sci(a.params), sci(a.tokens), (a.tokens / a.params).toFixed(1), sci(a.trainingFlops), sci(a.inferenceFlops), sci(a.totalFlops)]
  const { flops, fraction } = saving(optimum)
  return [
    `inference-aware optimum (Sardana et al. 2024) for loss ${optimum.loss} with ${sci(optimum.inferenceTokens)} tokens of inference, from ${source}:`,
    table(
      ["", "params", "tokens", "tokens/param", "training FLOPs", "inference FLOPs", "total FLOPs"],
      [row("inference-aware", optimum.optimal), row("Chinchilla-optimal", optimum.chinchilla)]
    ),
    `Train ${(optimum.optimal.tokens / optimum.optimal.params / (optimum.chinchilla.tokens / optimum.chinchilla.params)).toFixed(1)}× ` +
    `the Chinchilla-optimal tokens per parameter on a model ${(optimum.optimal.params / optimum.chinchilla.params).toFixed(2)}× the size: ` +
    `${sci(flops)} FLOPs (${(fraction * 100).toFixed(1)}%) fewer over the model's life.`
  ].join("\n")
}

const quantityFlag = (name: string, description: string) => bounded(Flag.Finite(name), flagRanges.quantity, description).pipe(Flag.optional)

export const forecastCommand = Command.make(
  "forecast",
  {
    compute: quantityFlag("compute", "training compute in FLOPs: the optimal params, tokens and loss there"),
    params: quantityFlag("params", "a model size: alone, the compute at which it is compute-optimal; with --tokens, the loss of that model"),
    tokens: quantityFlag("tokens", "a token count: alone, the compute at which it is compute-optimal; with --params, the loss of that model"),
    loss: bounded(Flag.Finite("loss"), flagRanges.loss, "a target loss: with --inference-tokens, the inference-aware optimum reaching it").pipe(Flag.optional),
    inferenceTokens: bounded(
      Flag.Finite("inference-tokens"),
      flagRanges.inferenceTokens,
      "tokens the model will serve over its life: with --loss, the params and tokens that minimise training plus inference FLOPs (Sardana et al. 2024)"
    ).pipe(Flag.optional),
    from: Flag.String("from").pipe(Flag.withDescription("fit this spec's runs or results table (.csv, .jsonl) (give one of --from, --law)"), Flag.optional),
    law: Flag.String("law").pipe(Flag.withDescription("a published law (see `scalelab laws`)"), Flag.optional),
    method: Flag.Literals("method", FORECAST_METHODS).pipe(
      withShownDefault<ForecastMethod>(
        "isoflop",
        `the fit of --from that gives N* and D*: ${describeFitMethods(FORECAST_METHODS)}; the loss is always the parametric law's`
      )
    ),
    bootstrap: bootstrapFlag,
    seed: seedFlag,
    map: mapFlag,
    store: storeFlag,
    json: jsonFlag
  },
  (flags) =>
    Effect.gen(function*() {
      const request = yield* requestOf(flags)
      const fromLaw = Option.isSome(flags.law) && Option.isNone(flags.from)
      if (!fromLaw && !(Option.isSome(flags.from) && Option.isNone(flags.law))) {
        return yield* new UserInputError({ message: "give exactly one of --from INPUT (a spec or results table to fit) or --law NAME (see `scalelab laws`)" })
      }
      if (fromLaw && flags.bootstrap > 0) {
        return yield* new UserInputError({ message: "--bootstrap resamples fitted runs; a published law has none: drop --bootstrap or use --from" })
      }
      if (request._tag === "Inference" && flags.bootstrap > 0) {
        return yield* new UserInputError({ message: "the inference-aware optimum has no interval: drop --bootstrap" })
      }
      const lawName = Option.getOrElse(flags.law, () => "")
      const input = Option.getOrElse(flags.from, () => "")
      // Read only when a fit needs it: a published law has no runs.
      const fitInput = loadInput(input, flags.map, flags.store)
      const print = (json: object, text: string) => Console.log(flags.json ? JSON.stringify(json, null, 2) : text)
      switch (request._tag) {
        case "Optimal": {
          if (fromLaw) {
            const { forecast, law } = yield* forecastFromLaw(lawName, request.target)
            const source = `the published law ${law}`
            return yield* print(optimalJson(forecast, source), optimalText(forecast, source, false))
          }
          const forecast = yield* forecastFromFit(yield* fitInput, flags.method, request.target, flags.bootstrap, flags.seed)
          const source = `the ${flags.method} fit of ${input}`
          return yield* print(optimalJson(forecast, source), optimalText(forecast, source, flags.method === "isoflop"))
        }
        case "LossAt": {
          const { forecast, source } = fromLaw
            ? yield* Effect.map(lossForecastFromLaw(lawName, request.params, request.tokens), ({ forecast, law }) => ({ forecast, source: `the published law ${law}` }))
            : { forecast: yield* lossForecastFromFit(yield* fitInput, request.params, request.tokens, flags.bootstrap, flags.seed), source: `the parametric fit of ${input}` }
          return yield* print(lossAtJson(forecast, source), lossAtText(forecast, source))
        }
        case "Inference": {
          const { optimum, source } = fromLaw
            ? yield* Effect.map(inferenceOptimumFromLaw(lawName, request.loss, request.inferenceTokens), ({ optimum, law }) => ({ optimum, source: `the published law ${law}` }))
            : { optimum: yield* inferenceOptimumFromFit(yield* fitInput, request.loss, request.inferenceTokens), source: `the parametric fit of ${input}` }
          return yield* print(inferenceJson(optimum, source), inferenceText(optimum, source))
        }
      }
    })
).pipe(Command.withDescription(
  "Forecast from a fit (--from) or a published law (--law): the compute-optimal params, tokens and loss at a compute " +
    "(or the compute for a size: --compute, --params or --tokens alone); the loss of a model of N params trained on D tokens " +
    "(--params N --tokens D); or the inference-aware optimum for a target loss and inference demand (--loss L " +
    "--inference-tokens T; Sardana et al. 2024). The loss is always the parametric law's, which has an irreducible term; " +
    "a forecast below that term is a failed fit (exit 1)."
))
