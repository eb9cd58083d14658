// Experiments compared by their scaling laws: each input fitted as `fit` and `forecast` fit it (the
// IsoFLOP power laws for N*(C) and D*(C), the one loss forecaster for L*(C)), and each candidate's
// compute multiplier over the baseline, with intervals from a joint bootstrap of both fits.
import * as path from "node:path"
import { Effect } from "effect"
import {
  type BootstrapHealth,
  bootstrapHealth,
  type BootstrappedLaw,
  bootstrapSharedFloor,
  fitSharedFloor,
  forecastIsoflop,
  type Interval,
  type IsoflopBudgetFit,
  type IsoflopFit,
  type LawFormFit,
  type LawFormParameters,
  lawFormHasFloor,
  type MultiplierEstimate,
  multiplierAt,
  type MultiplierTrend,
  multiplierTrend
} from "@scalelab/laws"
import { canonicalJson } from "@scalelab/planner"
import { logSpaced } from "@scalelab/plots"
import { defaultForecastBudgets, type ExperimentSpec } from "@scalelab/spec"
import { attempt, attemptStepwise, loadSpecOfAnyKind, UserInputError } from "@scalelab/sweep"
import { computeOptimalLossForecast, lossIntervalLevel } from "../lossForecast.ts"
import type { LossForecastModel } from "../lossForecastModel.ts"
import { fitLossSource } from "../lossForecastSource.ts"
import { fitIsoflopResults, type IsoflopResult } from "../resultsFit.ts"
import { type LoadedResults, loadResults, type ResultPoint } from "../resultsInput.ts"

export interface CompareRequest {
  /** Specs (their stores' finished runs) or results tables, as given on the command line. */
  readonly inputs: ReadonlyArray<string>
  /** The name of the experiment the others are measured against; the first input's when undefined. */
  readonly baseline: string | undefined
  /** Bootstrap resamples of every fit, 0 for no intervals. */
  readonly resamples: number
  readonly seed: number
  /** Budgets to forecast at; empty: the baseline spec's forecast budgets, else 10× and 100× the largest budget swept. */
  readonly computes: ReadonlyArray<number>
  /** One irreducible loss for every experiment's law, or one each; undefined: shared unless specs say their data differ. */
  readonly floor: FloorMode | undefined
}

export const FLOOR_MODES = ["shared", "separate"] as const
export type FloorMode = (typeof FLOOR_MODES)[number]

/** Whether the experiments' loss laws share one irreducible loss, and why. */
export interface FloorChoice {
  readonly mode: FloorMode
  /** What was asked for (`--floor`); undefined when the mode was decided from the inputs. */
  readonly requested: FloorMode | undefined
  readonly reason: string
  /** The shared irreducible loss E, when shared. */
  readonly value: number | undefined
}

/** A quantity at a budget, with its interval when a bootstrap gave one. */
export interface Estimate {
  readonly value: number
  readonly interval: Interval | undefined
}

/** An experiment's compute-optimal allocation and loss at one budget. */
export interface ExperimentAtBudget {
  readonly compute: number
  /** N*(C) and D*(C) from the IsoFLOP power laws. */
  readonly params: Estimate
  readonly tokens: Estimate
  /** L*(C) from the loss forecaster (the parametric law), as `forecast` gives it. */
  readonly loss: Estimate
}

/** One budget's IsoFLOP minimum, as the frontier plot marks it. */
export interface IsoflopMinimumPoint {
  readonly budget: number
  readonly params: number
  readonly tokens: number
  readonly loss: number
}

export interface ComparedExperiment {
  readonly name: string
  readonly input: string
  readonly runs: number
  /** The runs compared, for the plots. */
  readonly points: ReadonlyArray<ResultPoint>
  /** The budgets its runs were swept at. */
  readonly budgets: ReadonlyArray<number>
  /** N*(C) = k·C^a and D*(C) = k·C^b, with the exponents' intervals. */
  readonly params_opt: { readonly k: number; readonly a: number; readonly a_interval: Interval | undefined }
  readonly tokens_opt: { readonly k: number; readonly b: number; readonly b_interval: Interval | undefined }
  readonly isoflopHealth: BootstrapHealth | undefined
  /** Each budget's IsoFLOP minimum, where its curve has one. */
  readonly minima: ReadonlyArray<IsoflopMinimumPoint>
  /** Each budget's fitted IsoFLOP curve, for the plots. */
  readonly isoflopBudgets: ReadonlyArray<IsoflopBudgetFit>
  /** The loss law L*(C) is read from. */
  readonly lossLaw: { readonly form: string; readonly parameters: LawFormParameters; readonly floor: number }
  readonly lossHealth: BootstrapHealth | undefined
  /** Whether L*(C)'s intervals are widened by a measured extrapolation error. */
  readonly lossCalibrated: boolean
  /** N*, D* and L* at every budget of the comparison, swept and forecast. */
  readonly atBudgets: ReadonlyArray<ExperimentAtBudget>
  /** L*(C) sampled over the comparison's compute span, for a plot. */
  readonly lossCurve: ReadonlyArray<{ readonly compute: number; readonly loss: Estimate }>
  /** What the experiment's intervals lack, and why. */
  readonly notes: ReadonlyArray<string>
}

export interface BudgetMultiplier extends MultiplierEstimate {
  /** A budget some experiment swept (true), or one forecast beyond them (false). */
  readonly swept: boolean
}

export interface ExperimentComparison {
  readonly baseline: string
  readonly candidate: string
  /** The multiplier at every budget swept and forecast. */
  readonly budgets: ReadonlyArray<BudgetMultiplier>
  /** The multiplier at the largest forecast budget: the comparison's headline. */
  readonly atLargest: MultiplierEstimate
  readonly trend: MultiplierTrend
  /** The multiplier sampled over the compute span, with its band, for a plot. */
  readonly curve: ReadonlyArray<MultiplierEstimate>
}

export interface CompareResult {
  readonly baseline: string
  /** Whether the loss laws were fitted jointly with one irreducible loss, or each alone. */
  readonly floor: FloorChoice
  /** Central coverage of every interval. */
  readonly level: number
  readonly resamples: number
  /** Every budget any experiment swept, ascending. */
  readonly sweptBudgets: ReadonlyArray<number>
  readonly forecastBudgets: ReadonlyArray<number>
  /** The baseline first, then the candidates in the order given. */
  readonly experiments: ReadonlyArray<ComparedExperiment>
  readonly comparisons: ReadonlyArray<ExperimentComparison>
}

// Points along the compute span for the plotted curves.
const curveSamples = 32

const specExtensions = new Set([".yaml", ".yml"])

/** An input before fitting: its name, and for a spec its forecast budgets and data. */
export interface NamedInput {
  readonly input: string
  readonly name: string
  readonly forecastBudgets: ReadonlyArray<number> | undefined
  /** A spec's effective `data` section (defaults filled in); undefined for a table, which does not say. */
  readonly data: ExperimentSpec["data"] | undefined
}

/** A spec's `name`, forecast budgets and data; a table's file name without its extension. */
const nameInput = (input: string) =>
  specExtensions.has(path.extname(input).toLowerCase())
    ? Effect.map(loadSpecOfAnyKind(input), (spec): NamedInput => ({
      input,
      name: spec.name,
      // A table spec leaves its forecast budgets empty until its table is read: none of its own, then.
      forecastBudgets: spec.forecast.compute.length > 0 ? spec.forecast.compute : undefined,
      data: spec.data
    }))
    : Effect.succeed<NamedInput>({ input, name: path.basename(input, path.extname(input)), forecastBudgets: undefined, data: undefined })

/**
 * Shared or separate floors, as asked, else from the inputs: experiments trained on the same data
 * with the same tokenizer share its irreducible loss, so the floor is shared unless two specs'
 * data sections differ. A table does not say what it was trained on: it is taken to share the
 * specs' data (or the other tables'), and the reason says so.
 */
const chooseFloor = (inputs: ReadonlyArray<NamedInput>, requested: FloorMode | undefined): Omit<FloorChoice, "value"> => {
  const specs = inputs.filter((entry) => entry.data !== undefined)
  const tables = inputs.filter((entry) => entry.data === undefined)
  const first = specs[0]
  const differing = first === undefined ? [] : specs.filter((entry) => canonicalJson(entry.data) !== canonicalJson(first.data))
  const specsSay = differing.length > 0
    ? `the specs' data differ (${first?.name}'s data section is not ${differing.map((entry) => entry.name).join("'s, ")}'s), so their irreducible losses may too`
    : specs.length > 1
    ? "every spec has the same data section"
    : undefined
  const tablesSay = tables.length > 0
    ? `${tables.map((entry) => entry.name).join(", ")} come without a spec (a results table, or a store's runs), so nothing says what data they were trained on`
    : undefined
  const facts = [specsSay, tablesSay].filter((fact) => fact !== undefined).join("; ")
  if (requested !== undefined) return { mode: requested, requested, reason: `as --floor ${requested} asks; ${facts}` }
  return differing.length > 0
    ? { mode: "separate", requested, reason: `${facts}: each law is fitted with its own floor (--floor shared to share one)` }
    : {
      mode: "shared",
      requested,
      reason: `${facts}${tables.length > 0 ? ": taken to be the same data and tokenizer" : ""}, so they share one irreducible loss (--floor separate if they do not)`
    }
}

/** The inputs named, with the baseline first; two inputs of one name, or a baseline named by none, are the user's to fix. */
const namedInputs = <E, R>(request: CompareRequest, source: CompareInputSource<E, R>) =>
  Effect.gen(function*() {
    if (request.inputs.length < 2) {
      return yield* new UserInputError({
        message: `compare needs at least two inputs, got ${request.inputs.length}: give the baseline and one or more candidates (specs or results tables)`
      })
    }
    const named = yield* Effect.forEach(request.inputs, source.name)
    for (const [index, entry] of named.entries()) {
      const first = named.findIndex((other) => other.name === entry.name)
      if (first !== index) {
        return yield* new UserInputError({
          message: `${named[first]?.input} and ${entry.input} are both named "${entry.name}": an experiment is named by its spec's name or its table's file name; rename one`
        })
      }
    }
    const baselineName = request.baseline ?? named[0]?.name
    const baseline = named.find((entry) => entry.name === baselineName)
    if (baseline === undefined) {
      return yield* new UserInputError({
        message: `--baseline ${baselineName}: no input is named so; the experiments are ${named.map((entry) => `"${entry.name}"`).join(", ")}`
      })
    }
    return { baseline, candidates: named.filter((entry) => entry !== baseline) }
  })

/** Budgets that went through text may differ in their last digits; they are one budget. */
const sameBudget = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * Math.max(a, b)

/** The budgets ascending, each once: of budgets within rounding of each other, the first given. */
const distinctBudgets = (budgets: ReadonlyArray<number>): Array<number> =>
  budgets.reduce<Array<number>>((kept, budget) => kept.some((other) => sameBudget(other, budget)) ? kept : [...kept, budget], []).sort((a, b) => a - b)

/** An input's runs, and the budgets they were swept at. */
interface LoadedInput extends NamedInput {
  readonly results: LoadedResults
  readonly budgets: ReadonlyArray<number>
}

/**
 * Where inputs are named and their runs read from: files given on the command line (specs and
 * tables), or another source of finished runs such as the dashboard's store.
 */
export interface CompareInputSource<E, R> {
  readonly name: (input: string) => Effect.Effect<NamedInput, E, R>
  readonly results: (named: NamedInput) => Effect.Effect<LoadedResults, E, R>
}

const inputFiles = {
  name: nameInput,
  results: (named: NamedInput) => loadResults(named.input, { rename: {}, store: undefined })
}

const loadInput = <E, R>(source: CompareInputSource<E, R>) => (named: NamedInput) =>
  Effect.map(source.results(named), (results): LoadedInput => ({
    ...named,
    results,
    budgets: distinctBudgets(results.points.map((point) => point.budget))
  }))

/** An input's IsoFLOP fit, with a note when its bootstrap gave no intervals. */
interface FittedAllocation {
  readonly isoflop: IsoflopResult
  readonly isoflopNote: string | undefined
}

/**
 * The IsoFLOP fit with its bootstrap intervals at `computes`. A bootstrap that fails leaves the fit
 * standing without intervals, and a note; a fit that fails (too few budgets) is the user's to fix.
 */
const fitAllocation = (loaded: LoadedInput, resamples: number, seed: number, computes: ReadonlyArray<number>) => {
  const request = { resamples, seed, minimum: loaded.results.isoflopMinimum }
  const fit = (asked: typeof request) => attemptStepwise(() => fitIsoflopResults(loaded.results.points, asked, computes))
  const withoutIntervals = (reason: string) =>
    Effect.map(fit({ ...request, resamples: 0 }), (isoflop): FittedAllocation => ({ isoflop, isoflopNote: `no N*, D* intervals: the IsoFLOP bootstrap failed: ${reason}` }))
  return fit(request).pipe(
    Effect.map((isoflop): FittedAllocation => ({ isoflop, isoflopNote: undefined })),
    Effect.catch((failure) => resamples === 0 ? Effect.fail(failure) : withoutIntervals(failure.message)),
    Effect.mapError((failure) => new UserInputError({ message: `${loaded.input}: no IsoFLOP fit to compare by: ${failure.message}` }))
  )
}

/** An input's loss law, with its bootstrap, and a note when the bootstrap gave no intervals. */
interface FittedLoss {
  /** The law form's fit L*(C) is read from. */
  readonly lossFit: LawFormFit
  readonly model: LossForecastModel
  readonly lossLaw: ComparedExperiment["lossLaw"]
  readonly lossNote: string | undefined
}

/** The loss law L*(C) is read from, fitted as `forecast` fits it; an input with no loss law is the user's to fix. */
const fitLoss = (loaded: LoadedInput, resamples: number, seed: number) =>
  Effect.gen(function*() {
    const source = yield* fitLossSource(loaded.results.points, { resamples, seed, lawForm: loaded.results.lawForm })
    if (source._tag === "NoLaw") return yield* new UserInputError({ message: `${loaded.input}: no loss law to compare by: ${source.reason}` })
    return {
      lossFit: source.result.law,
      model: source.model,
      lossLaw: { form: source.result.law.form, parameters: source.result.law.parameters, floor: source.model.law.floor },
      lossNote: source.noIntervals === undefined ? undefined : `no L*(C) or multiplier intervals: the loss law's bootstrap failed: ${source.noIntervals}`
    } satisfies FittedLoss
  })

// Values of E the joint fit starts from besides every experiment's own floor, as fractions of the
// lowest loss any run reached: a shared optimum far from each separate floor is found too.
const startFloorFractions = [0.5, 0.8, 0.95]

/**
 * Every experiment's loss law refitted jointly with one irreducible loss, from their own fits, and
 * each joint resample refitted jointly (experiment i resampled from seeds[i], as its own bootstrap
 * would be): each experiment keeps its form's calibration, and gets the joint law and refits. A
 * joint bootstrap that fails leaves the laws standing without intervals, and a note.
 */
const shareFloor = (loaded: ReadonlyArray<LoadedInput>, own: ReadonlyArray<FittedLoss>, resamples: number, seeds: ReadonlyArray<number>) =>
  Effect.gen(function*() {
    const experiments = loaded.map((entry, index) => ({ form: (own[index] as FittedLoss).lossFit.form, points: entry.results.points }))
    const lowestLoss = Math.min(...loaded.flatMap((entry) => entry.results.points.map((point) => point.loss)))
    const joint = yield* attempt(() =>
      fitSharedFloor(experiments, { starts: own.map((fitted) => fitted.lossFit.parameters), floors: startFloorFractions.map((fraction) => fraction * lowestLoss) })
    ).pipe(Effect.mapError((failure) => new UserInputError({ message: `the shared-floor fit failed: ${failure.message}; compare with --floor separate` })))
    const bootstrap = resamples === 0
      ? { laws: undefined, health: undefined, note: undefined }
      : yield* attemptStepwise(() => bootstrapSharedFloor(experiments, joint, { resamples, seeds })).pipe(
        Effect.map((resampled) => ({ laws: resampled.laws, health: bootstrapHealth(resampled.resamples_used, resampled.failed_resamples), note: undefined })),
        Effect.catch((failure) =>
          Effect.succeed({ laws: undefined, health: undefined, note: `no L*(C) or multiplier intervals: the shared-floor bootstrap failed: ${failure.message}` }))
      )
    const losses = own.map((fitted, index): FittedLoss => {
      const fit = joint.fits[index] as LawFormFit
      return {
        lossFit: fit,
        model: { ...fitted.model, law: fit.law, replicates: bootstrap.laws?.[index], health: bootstrap.health },
        lossLaw: { form: fit.form, parameters: fit.parameters, floor: fit.law.floor },
        lossNote: bootstrap.note
      }
    })
    return { floor: joint.floor, losses }
  })

/**
 * Every input's loss law: each fitted alone (with its own bootstrap) when the floors are separate;
 * else each fitted alone without a bootstrap, then all refitted jointly with one floor. A law form
 * with no floor to share (no-e, kaplan) leaves every law fitted alone, and the choice says why.
 */
const fitLosses = (loaded: ReadonlyArray<LoadedInput>, choice: Omit<FloorChoice, "value">, resamples: number, seeds: ReadonlyArray<number>) =>
  Effect.gen(function*() {
    const alone = (asked: number) => Effect.forEach(loaded, (entry, index) => fitLoss(entry, asked, seeds[index] as number))
    if (choice.mode === "separate") return { floor: { ...choice, value: undefined } satisfies FloorChoice, losses: yield* alone(resamples) }
    const own = yield* alone(0)
    const floorless = loaded.filter((_, index) => !lawFormHasFloor((own[index] as FittedLoss).lossFit.form))
    if (floorless.length > 0) {
      const forms = floorless.map((entry) => `${entry.name}'s ${(own[loaded.indexOf(entry)] as FittedLoss).lossFit.form}`).join(", ")
      return {
        floor: { ...choice, mode: "separate", value: undefined, reason: `${choice.reason}; but ${forms} law form has no irreducible loss to share, so each law is fitted with its own floor` } satisfies FloorChoice,
        losses: resamples === 0 ? own : yield* alone(resamples)
      }
    }
    const shared = yield* shareFloor(loaded, own, resamples, seeds)
    return { floor: { ...choice, value: shared.floor } satisfies FloorChoice, losses: shared.losses }
  })

/** An input with both its fits. */
type FittedInput = LoadedInput & FittedAllocation & FittedLoss

const bootstrapped = (model: LossForecastModel): BootstrappedLaw => ({ law: model.law, replicates: model.replicates, failed: model.health?.failed ?? 0 })

/** L*(C) from the loss forecaster, with its interval unless its bootstrap is not to be trusted. */
const lossAt = (model: LossForecastModel, compute: number) =>
  Effect.map(Effect.fromResult(computeOptimalLossForecast(model, compute, lossIntervalLevel)), (forecast): Estimate => ({
    value: forecast.loss,
    interval: forecast.health?.trustworthy === false ? undefined : forecast.interval
  }))

const minimaOf = (fit: IsoflopFit): Array<IsoflopMinimumPoint> =>
  fit.budgets.flatMap((budget) =>
    budget.params_opt === null || budget.tokens_opt === null || budget.loss_opt === null
      ? []
      : [{ budget: budget.budget, params: budget.params_opt, tokens: budget.tokens_opt, loss: budget.loss_opt }])

/** The side-by-side record of one experiment at the comparison's budgets and along its span. */
const describeExperiment = (fitted: FittedInput, budgets: ReadonlyArray<number>, span: ReadonlyArray<number>) =>
  Effect.gen(function*() {
    const { fit, bootstrap } = fitted.isoflop
    const atBudgets = yield* Effect.forEach(budgets, (compute) =>
      Effect.map(lossAt(fitted.model, compute), (loss): ExperimentAtBudget => {
        const point = forecastIsoflop(fit, compute)
        const interval = bootstrap?.trustworthy === false ? undefined : bootstrap?.forecasts.find((forecast) => forecast.compute === compute)
        return { compute, params: { value: point.params, interval: interval?.params }, tokens: { value: point.tokens, interval: interval?.tokens }, loss }
      }))
    const lossCurve = yield* Effect.forEach(span, (compute) => Effect.map(lossAt(fitted.model, compute), (loss) => ({ compute, loss })))
    const trusted = bootstrap?.trustworthy === true ? bootstrap : undefined
    return {
      name: fitted.name,
      input: fitted.input,
      runs: fitted.results.points.length,
      points: fitted.results.points,
      budgets: fitted.budgets,
      params_opt: { k: fit.params_opt.k, a: fit.params_opt.a, a_interval: trusted?.params_opt_a },
      tokens_opt: { k: fit.tokens_opt.k, b: fit.tokens_opt.b, b_interval: trusted?.tokens_opt_b },
      isoflopHealth: bootstrap === undefined ? undefined : bootstrapHealth(bootstrap.resamples_used, bootstrap.failed_resamples),
      minima: minimaOf(fit),
      isoflopBudgets: fit.budgets,
      lossLaw: fitted.lossLaw,
      lossHealth: fitted.model.health,
      lossCalibrated: fitted.model.calibrated,
      atBudgets,
      lossCurve,
      notes: [
        ...(fitted.isoflopNote === undefined ? [] : [fitted.isoflopNote]),
        ...(bootstrap?.warning === undefined || bootstrap.warning === null ? [] : [`N*, D* intervals left out: ${bootstrap.warning}`]),
        ...(fitted.lossNote === undefined ? [] : [fitted.lossNote]),
        ...(fitted.model.health?.warning === undefined ? [] : [`L*(C) intervals left out: ${fitted.model.health.warning}`])
      ]
    } satisfies ComparedExperiment
  })

/** The budgets of a comparison: those swept, those forecast, both together, and the span the curves are sampled over. */
interface ComparisonBudgets {
  readonly swept: ReadonlyArray<number>
  readonly forecast: ReadonlyArray<number>
  readonly all: ReadonlyArray<number>
  readonly span: ReadonlyArray<number>
}

/** A candidate's multiplier over the baseline at every budget, at the largest forecast, along the span, and its trend. */
const compareTo = (baseline: FittedInput, candidate: FittedInput, { swept, forecast, all, span }: ComparisonBudgets) =>
  attempt((): ExperimentComparison => {
    const b = bootstrapped(baseline.model)
    const c = bootstrapped(candidate.model)
    const at = (compute: number) => multiplierAt(b, c, compute, lossIntervalLevel)
    const largest = Math.max(...forecast)
    return {
      baseline: baseline.name,
      candidate: candidate.name,
      budgets: all.map((compute) => ({ ...at(compute), swept: swept.includes(compute) })),
      atLargest: at(largest),
      trend: multiplierTrend(b, c, Math.min(...swept), largest, lossIntervalLevel),
      curve: span.map(at)
    }
  }).pipe(Effect.mapError((error) => new UserInputError({ message: `${candidate.name} against ${baseline.name}: ${error.message}` })))

/**
 * Fits every input and compares each candidate with the baseline. Experiment i (the order given)
 * resamples with seed + i: the experiments are independent, and so must their resamples be, or
 * pairing the i-th refit of each would correlate the two fits' errors and narrow the intervals.
 */
export const compareExperiments = (request: CompareRequest) => compareInputs(request, inputFiles)

/** compareExperiments with the inputs named and read by `source`. */
export const compareInputs = <E, R>(request: CompareRequest, source: CompareInputSource<E, R>) =>
  Effect.gen(function*() {
    const named = yield* namedInputs(request, source)
    const seedOf = (entry: NamedInput) => request.seed + request.inputs.indexOf(entry.input)
    const inputs: readonly [NamedInput, ...Array<NamedInput>] = [named.baseline, ...named.candidates]
    const loaded = yield* Effect.forEach(inputs, loadInput(source))
    const swept = distinctBudgets(loaded.flatMap((entry) => entry.budgets))
    const forecast = distinctBudgets(
      request.computes.length > 0 ? request.computes : named.baseline.forecastBudgets ?? defaultForecastBudgets(Math.max(...swept))
    )
    // A forecast budget within rounding of a swept one is that swept budget.
    const budgets: ComparisonBudgets = {
      swept,
      forecast,
      all: distinctBudgets([...swept, ...forecast]),
      span: logSpaced([Math.min(...swept), Math.max(...forecast)], curveSamples)
    }
    // Every IsoFLOP fit (quick) before any loss law (slow): an input with too few budgets is said at once.
    const allocations = yield* Effect.forEach(loaded, (entry) => fitAllocation(entry, request.resamples, seedOf(entry), budgets.all))
    const losses = yield* fitLosses(loaded, chooseFloor(inputs, request.floor), request.resamples, loaded.map(seedOf))
    const withFits = (entry: LoadedInput, index: number): FittedInput => ({ ...entry, ...(allocations[index] as FittedAllocation), ...(losses.losses[index] as FittedLoss) })
    const [baseline, ...candidates] = [withFits(loaded[0], 0), ...loaded.slice(1).map((entry, index) => withFits(entry, index + 1))] as const
    const experiments = yield* Effect.forEach([baseline, ...candidates], (entry) => describeExperiment(entry, budgets.all, budgets.span))
    const comparisons = yield* Effect.forEach(candidates, (candidate) => compareTo(baseline, candidate, budgets))
    return {
      baseline: baseline.name,
      floor: losses.floor,
      level: lossIntervalLevel,
      resamples: request.resamples,
      sweptBudgets: swept,
      forecastBudgets: forecast,
      experiments,
      comparisons
    } satisfies CompareResult
  })
