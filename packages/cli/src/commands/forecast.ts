import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { describeFitMethods, FORECAST_METHODS, type ForecastMethod } from "@scalelab/spec"
import { type Forecast, forecastFromFit, forecastFromLaw, type Interval, type Target } from "@scalelab/analysis"
import { sci, UserInputError } from "@scalelab/sweep"
import { bootstrapFlag, loadInput, mapFlag, seedFlag } from "./fit.ts"
import { jsonFlag, storeFlag } from "../commonFlags.ts"
import { bounded, flagRanges, withShownDefault } from "../flagRanges.ts"

const targetOf = (flags: Record<Target["quantity"], Option.Option<number>>) => {
  const given = (Object.entries(flags) as Array<[Target["quantity"], Option.Option<number>]>).flatMap(([quantity, value]) =>
    Option.isSome(value) ? [{ quantity, value: value.value }] : [])
  const [target] = given
  return given.length === 1 && target !== undefined
    ? Effect.succeed(target)
    : Effect.fail(new UserInputError({
      message: `give exactly one of --compute C, --params N, --tokens D (got ${given.length === 0 ? "none" : given.map((g) => `--${g.quantity}`).join(", ")})`
    }))
}

const interval = (range: Interval | null | undefined, format: (x: number) => string): string =>
  range === undefined || range === null ? "" : `   80% interval [${format(range[0])}, ${format(range[1])}]`

const forecastText = ({ point, interval: ranges, note }: Forecast, source: string): string =>
  [
    `compute-optimal, from ${source}:`,
    `  compute  ${sci(point.compute)} FLOPs${interval(ranges?.compute, sci)}`,
    `  params   ${sci(point.params)}${interval(ranges?.params, sci)}`,
    `  tokens   ${sci(point.tokens)}${interval(ranges?.tokens, sci)}`,
    `  loss     ${point.loss === null ? "not predicted by this law" : point.loss.toFixed(4)}${interval(ranges?.loss, (x) => x.toFixed(4))}`,
    ...(note === undefined ? [] : [`no interval: ${note}`])
  ].join("\n")

const quantityFlag = (name: string, description: string) => bounded(Flag.Finite(name), flagRanges.quantity, description).pipe(Flag.optional)

export const forecastCommand = Command.make(
  "forecast",
  {
    compute: quantityFlag("compute", "training compute in FLOPs: the optimal params, tokens and loss there (give one of --compute, --params, --tokens)"),
    params: quantityFlag("params", "a model size: the compute at which it is compute-optimal"),
    tokens: quantityFlag("tokens", "a token count: the compute at which it is compute-optimal"),
    from: Flag.String("from").pipe(Flag.withDescription("fit this spec's runs or results table (.csv, .jsonl) (give one of --from, --law)"), Flag.optional),
    law: Flag.String("law").pipe(Flag.withDescription("a published law (see `scalelab laws`)"), Flag.optional),
    method: Flag.Literals("method", FORECAST_METHODS).pipe(
      withShownDefault<ForecastMethod>("isoflop", `the fit of --from to forecast with: ${describeFitMethods(FORECAST_METHODS)}`)
    ),
    bootstrap: bootstrapFlag,
    seed: seedFlag,
    map: mapFlag,
    store: storeFlag,
    json: jsonFlag
  },
  (flags) =>
    Effect.gen(function* () {
      const target = yield* targetOf({ compute: flags.compute, params: flags.params, tokens: flags.tokens })
      let forecast: Forecast
      let source: string
      if (Option.isSome(flags.law) && Option.isNone(flags.from)) {
        if (flags.bootstrap > 0) {
          return yield* new UserInputError({ message: "--bootstrap resamples fitted runs; a published law has none: drop --bootstrap or use --from" })
        }
        const published = yield* forecastFromLaw(flags.law.value, target)
        forecast = published.forecast
        source = `the published law ${published.law}`
      } else if (Option.isSome(flags.from) && Option.isNone(flags.law)) {
        const results = yield* loadInput(flags.from.value, flags.map, flags.store)
        forecast = yield* forecastFromFit(results, flags.method, target, flags.bootstrap, flags.seed)
        source = `the ${flags.method} fit of ${flags.from.value}`
      } else {
        return yield* new UserInputError({ message: "give exactly one of --from INPUT (a spec or results table to fit) or --law NAME (see `scalelab laws`)" })
      }
      if (flags.json) {
        return yield* Console.log(JSON.stringify({
          ...forecast.point,
          source,
          ...(forecast.interval === undefined ? {} : { interval: forecast.interval }),
          ...(forecast.note === undefined ? {} : { note: forecast.note })
        }, null, 2))
      }
      yield* Console.log(forecastText(forecast, source))
    })
).pipe(Command.withDescription("Compute-optimal params, tokens and loss at a compute (or the compute for a size) from a fit or a published law"))
