import { Effect } from "effect"
import {
  type BootstrapHealth,
  bootstrapHealth,
  chinchillaLossLaw,
  forecastIsoflop,
  inferenceOptimal,
  type InferenceOptimum,
  type IsoflopMinimumEstimator,
  lawByName,
  type LossLaw,
  type PublishedLaw
} from "@scalelab/laws"
import type { ForecastMethod } from "@scalelab/spec"
import { attempt, attemptStepwise, UserInputError } from "@scalelab/sweep"
import { allocationAt, type AllocationInterval, replicateInterval, type Target } from "./allocationInterval.ts"
import { fixedLossModel } from "./lossForecastModel.ts"
import { computeOptimalLossForecast, type ImpossibleLossForecast, type LossForecast, lossForecastAt } from "./lossForecast.ts"
import type { LossForecastModel } from "./lossForecastModel.ts"
import { fitLossSource, type LossSource } from "./lossForecastSource.ts"
import { type Allocation, fitIsoflopResults, type Forecaster, publishedForecaster } from "./resultsFit.ts"
import type { LoadedResults, ResultPoint } from "./resultsInput.ts"

/** What a fit-based forecast reads of its input: the runs, and how the spec (or the default) says to fit them. */
export type ForecastInput = Pick<LoadedResults, "points" | "isoflopMinimum" | "lawForm">

/**
 * The compute-optimal allocation at a target, and the loss there. N* and D* come from the chosen
 * fit; the loss always from the parametric law (the one loss forecaster), fitted on the same runs.
 */
export interface Forecast {
  readonly point: Omit<Allocation, "loss">
  /** N* and D* intervals (and the compute's, for a size target), when a bootstrap gave them. */
  readonly interval: Omit<AllocationInterval, "loss"> | undefined
  /** How the bootstrap behind `interval` went. */
  readonly allocationHealth: BootstrapHealth | undefined
  /** The parametric law's compute-optimal loss at the allocation's compute; undefined where there is no such law. */
  readonly loss: LossForecast | undefined
  /** Why there is no loss forecast, and what to do. */
  readonly lossProblem: string | undefined
  /** The IsoFLOP power law L*(C) at this compute: a diagnostic only (no irreducible term), never the forecast. */
  readonly isoflopLossDiagnostic: number | undefined
  /** Why a bootstrap gave no interval, when it could not. */
  readonly note: string | undefined
}

/** A law's compute-optimal allocation as a function of compute, for solving a size target and for replicate intervals. */
const lawForecaster = (law: LossLaw): Forecaster => (compute) => ({ compute, ...law.optimumAt(compute) })

const lossAt = (source: LossSource, compute: number) =>
  source._tag === "NoLaw"
    ? Effect.succeed({ loss: undefined, lossProblem: source.reason })
    : Effect.map(Effect.fromResult(computeOptimalLossForecast(source.model, compute)), (loss) => ({ loss, lossProblem: undefined }))

function* isoflopAllocation(
  points: ReadonlyArray<ResultPoint>,
  minimum: IsoflopMinimumEstimator,
  target: Target,
  resamples: number,
  seed: number
) {
  const computes = target.quantity === "compute" ? [target.value] : []
  const { fit, bootstrap } = yield* fitIsoflopResults(points, { resamples, seed, minimum }, computes)
  const point = allocationAt((compute) => forecastIsoflop(fit, compute), target)
  const interval = bootstrap?.forecasts[0]
  return {
    point,
    interval: interval === undefined ? undefined : { compute: [interval.compute, interval.compute] as const, params: interval.params, tokens: interval.tokens },
    allocationHealth: bootstrap === undefined ? undefined : bootstrapHealth(bootstrap.resamples_used, bootstrap.failed_resamples),
    note: bootstrap !== undefined && interval === undefined
      ? "the isoflop bootstrap gives N*, D* intervals at a fixed compute only: use --compute, or --method parametric"
      : undefined
  }
}

const isoflopForecast = (input: ForecastInput, target: Target, resamples: number, seed: number) =>
  Effect.gen(function*() {
    const allocation = yield* attemptStepwise(() => isoflopAllocation(input.points, input.isoflopMinimum, target, resamples, seed))
    const source = yield* fitLossSource(input.points, { resamples, seed, lawForm: input.lawForm })
    const { point } = allocation
    return {
      ...allocation,
      point: { compute: point.compute, params: point.params, tokens: point.tokens },
      ...(yield* lossAt(source, point.compute)),
      isoflopLossDiagnostic: point.loss ?? undefined
    } satisfies Forecast
  })

/** The forecast of a law's model: its allocation at the target, the replicates' for the interval, its loss there. */
const modelForecast = (model: LossForecastModel, target: Target) =>
  Effect.gen(function*() {
    const point = yield* attempt(() => allocationAt(lawForecaster(model.law), target))
    const interval = model.replicates === undefined ? undefined : yield* attempt(() => replicateInterval(model.replicates?.map(lawForecaster) ?? [], target))
    const loss = yield* Effect.fromResult(computeOptimalLossForecast(model, point.compute))
    return {
      point: { compute: point.compute, params: point.params, tokens: point.tokens },
      interval: interval === undefined ? undefined : { compute: interval.compute, params: interval.params, tokens: interval.tokens },
      allocationHealth: loss.health,
      loss,
      lossProblem: undefined,
      isoflopLossDiagnostic: undefined,
      note: undefined
    } satisfies Forecast
  })

/** The parametric law of `points` with `resamples` bootstrap refits, or the user's error saying why it could not be fitted. */
const parametricModel = (input: ForecastInput, resamples: number, seed: number) =>
  Effect.flatMap(fitLossSource(input.points, { resamples, seed, lawForm: input.lawForm }), (source) =>
    source._tag === "NoLaw"
      ? Effect.fail(new UserInputError({ message: `no parametric law: ${source.reason}` }))
      : source.noIntervals === undefined || resamples === 0
      ? Effect.succeed(source.model)
      : Effect.fail(new UserInputError({ message: `the parametric law's bootstrap failed: ${source.noIntervals}; use fewer --bootstrap resamples or 0` })))

/**
 * The forecast of a fit of the input's runs by `method` at `target`, with `resamples` bootstrap
 * resamples for its intervals (0 for none); the IsoFLOP fit reads each budget's minimum, and the
 * parametric fit takes its law form, as the input says. Fails with ImpossibleLossForecast (exit 1)
 * when the loss would lie below the law's irreducible loss.
 */
export const forecastFromFit = (
  input: ForecastInput,
  method: ForecastMethod,
  target: Target,
  resamples: number,
  seed: number
): Effect.Effect<Forecast, UserInputError | ImpossibleLossForecast> =>
  method === "isoflop"
    ? isoflopForecast(input, target, resamples, seed)
    : Effect.flatMap(parametricModel(input, resamples, seed), (model) => modelForecast(model, target))

/** A published law by name, and its loss law where it is parametric. */
const publishedLaw = (name: string) =>
  Effect.map(attempt(() => lawByName(name)), (law: PublishedLaw) => ({
    law,
    lossLaw: law.kind === "parametric" ? chinchillaLossLaw(law) : undefined
  }))

const noLossLaw = (name: string) =>
  `the published law ${name} gives compute-optimal allocations only, no loss: use a parametric law (see \`scalelab laws\`) or --from`

/** The forecast of a published law, by its name (see `publishedLaws`), and the law's own name. */
export const forecastFromLaw = (name: string, target: Target) =>
  Effect.gen(function*() {
    const { law, lossLaw } = yield* publishedLaw(name)
    if (lossLaw !== undefined) return { forecast: yield* modelForecast(fixedLossModel(lossLaw), target), law: law.name }
    const point = yield* attempt(() => allocationAt(publishedForecaster(law), target))
    const forecast: Forecast = {
      point: { compute: point.compute, params: point.params, tokens: point.tokens },
      interval: undefined,
      allocationHealth: undefined,
      loss: undefined,
      lossProblem: noLossLaw(law.name),
      isoflopLossDiagnostic: undefined,
      note: undefined
    }
    return { forecast, law: law.name }
  })

/** The parametric law's loss of a model of `params` parameters trained on `tokens` tokens, fitted to the input, with its interval. */
export const lossForecastFromFit = (input: ForecastInput, params: number, tokens: number, resamples: number, seed: number) =>
  Effect.flatMap(parametricModel(input, resamples, seed), (model) => Effect.fromResult(lossForecastAt(model, params, tokens)))

/** A published parametric law's loss at `params` and `tokens` (no interval), and the law's own name. */
export const lossForecastFromLaw = (name: string, params: number, tokens: number) =>
  Effect.gen(function*() {
    const { law, lossLaw } = yield* publishedLaw(name)
    if (lossLaw === undefined) return yield* new UserInputError({ message: noLossLaw(law.name) })
    return { forecast: yield* Effect.fromResult(lossForecastAt(fixedLossModel(lossLaw), params, tokens)), law: law.name }
  })

/**
 * The inference-aware optimum (Sardana et al. 2024) of the parametric law fitted to the input: the
 * model reaching `loss` with the fewest training plus inference FLOPs over `inferenceTokens` tokens served.
 */
export const inferenceOptimumFromFit = (input: ForecastInput, loss: number, inferenceTokens: number) =>
  Effect.flatMap(parametricModel(input, 0, 0), (model) => attempt((): InferenceOptimum => inferenceOptimal(model.law, loss, inferenceTokens)))

/** The inference-aware optimum of a published parametric law, and the law's own name. */
export const inferenceOptimumFromLaw = (name: string, loss: number, inferenceTokens: number) =>
  Effect.gen(function*() {
    const { law, lossLaw } = yield* publishedLaw(name)
    if (lossLaw === undefined) return yield* new UserInputError({ message: noLossLaw(law.name) })
    return { optimum: yield* attempt(() => inferenceOptimal(lossLaw, loss, inferenceTokens)), law: law.name }
  })
