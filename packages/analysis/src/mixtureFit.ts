// The fit of a data-mixture sweep (Ye et al. 2024's law per domain at each budget), its predicted
// best mixture with 80% bootstrap intervals, and the comparison of a run trained there with it.
// Pure: the runs' results come in, records and plot inputs go out.
import { type MixtureBootstrap, bootstrapMixingLaw, type MixingLawFit, mixtureTargetIntervals, type MixtureTargetIntervals, predictDomainLosses, targetLoss } from "@scalelab/laws"
import type { MixtureOptimumMark, MixturePlotInput, MixtureRunMark, MixtureSlicePoint } from "@scalelab/plots"
import type { MixtureExperiment, RunResult, RunSpec } from "@scalelab/spec"
import { mixtureTarget } from "@scalelab/spec"

/** A run's weights in domain order, or undefined for a run not trained on a mixture. */
export const runWeights = (run: RunSpec): ReadonlyArray<number> | undefined => {
  const { corpus } = run.data
  return typeof corpus === "object" && corpus.kind === "mixture" ? corpus.domains.map((domain) => domain.weight) : undefined
}

/** A finished mixture run as the fit takes it: its weights and its loss on each domain, in `domains` order. */
export const mixtureRunMark = (
  run: RunSpec,
  result: RunResult,
  domains: ReadonlyArray<string>,
  target: ReadonlyArray<number>
): MixtureRunMark | undefined => {
  const weights = runWeights(run)
  const byDomain = result.val_loss_by_domain
  if (weights === undefined || byDomain === undefined || result.status !== "completed") return undefined
  const losses = domains.map((name) => byDomain[name] ?? Number.NaN)
  if (!losses.every(Number.isFinite)) return undefined
  return { id: run.id, budget: run.budget, weights, losses, target: losses.reduce((sum, loss, i) => sum + (target[i] ?? 0) * loss, 0) }
}

/** One budget's fit: the law and its optimum with intervals, or why it could not be fitted. */
export type MixtureBudgetFit =
  | { readonly _tag: "Fitted"; readonly budget: number; readonly runs: ReadonlyArray<MixtureRunMark>; readonly result: MixtureBootstrap }
  | { readonly _tag: "NotFitted"; readonly budget: number; readonly runs: ReadonlyArray<MixtureRunMark>; readonly reason: string }

/** The law fitted at every budget of the runs, each with its optimum for the spec's target and 80% intervals. */
export const fitMixtureBudgets = (experiment: MixtureExperiment, runs: ReadonlyArray<MixtureRunMark>): ReadonlyArray<MixtureBudgetFit> => {
  const target = mixtureTarget(experiment.sweep)
  const budgets = [...new Set(runs.map((run) => run.budget))].sort((a, b) => a - b)
  return budgets.map((budget): MixtureBudgetFit => {
    const atBudget = runs.filter((run) => run.budget === budget)
    try {
      const result = bootstrapMixingLaw(atBudget, { target, resamples: experiment.fit.bootstrap, seed: 1 })
      return { _tag: "Fitted", budget, runs: atBudget, result }
    } catch (error) {
      return { _tag: "NotFitted", budget, runs: atBudget, reason: error instanceof Error ? error.message : String(error) }
    }
  })
}

/**
 * The mixture along which domain `domain`'s weight is `weight` and the other domains keep their
 * shares of the rest as in `through` (equal shares when `through` gives them none).
 */
export const sliceWeights = (through: ReadonlyArray<number>, domain: number, weight: number): ReadonlyArray<number> => {
  const rest = through.reduce((sum, w, j) => (j === domain ? sum : sum + w), 0)
  const others = through.length - 1
  return through.map((w, j) => (j === domain ? weight : (1 - weight) * (rest > 0 ? w / rest : 1 / others)))
}

const slicePoints = (fit: MixingLawFit, target: ReadonlyArray<number>, budget: number, through: ReadonlyArray<number>): Array<MixtureSlicePoint> =>
  through.flatMap((_, domain) =>
    Array.from({ length: 41 }, (__, step) => {
      const weights = sliceWeights(through, domain, step / 40)
      return { budget, domain, weight: step / 40, loss: predictDomainLosses(fit, weights)[domain] ?? Number.NaN, target: targetLoss(fit, target, weights) }
    })
  )

/** The predicted best mixture rounded to `decimals` decimals, still summing to exactly 1 (the largest weight takes the rounding). */
export const roundedMixture = (weights: ReadonlyArray<number>, decimals = 3): ReadonlyArray<number> => {
  const scale = 10 ** decimals
  const rounded = weights.map((w) => Math.round(w * scale))
  const largest = rounded.indexOf(Math.max(...rounded))
  rounded[largest] = (rounded[largest] ?? 0) + scale - rounded.reduce((a, b) => a + b, 0)
  return rounded.map((count) => count / scale)
}

/** The run(s) trained at the predicted best mixture, measured against the prediction. */
export interface MixtureValidation {
  readonly budget: number
  readonly weights: ReadonlyArray<number>
  readonly runs: ReadonlyArray<MixtureRunMark>
  /** The law's target loss at the rounded weights the runs trained on. */
  readonly predicted: number
  /** The 80% intervals there: of the law's prediction, and of one new run's measurement. */
  readonly intervals?: MixtureTargetIntervals
  /** The runs' mean target loss. */
  readonly measured: number
}

/** Whether `value` lies in [low, high]. */
export const within = (value: number, [low, high]: readonly [number, number]): boolean => low <= value && value <= high

export const mixtureValidation = (
  fitted: Extract<MixtureBudgetFit, { _tag: "Fitted" }>,
  target: ReadonlyArray<number>,
  weights: ReadonlyArray<number>,
  runs: ReadonlyArray<MixtureRunMark>
): MixtureValidation | undefined => {
  if (runs.length === 0) return undefined
  const intervals = mixtureTargetIntervals(fitted.result, fitted.runs, target, weights)
  return {
    budget: fitted.budget,
    weights,
    runs,
    predicted: targetLoss(fitted.result.fit, target, weights),
    ...(intervals === undefined ? {} : { intervals }),
    measured: runs.reduce((sum, run) => sum + run.target, 0) / runs.length
  }
}

const byName = <A>(names: ReadonlyArray<string>, values: ReadonlyArray<A>): Record<string, A> =>
  Object.fromEntries(names.map((name, i) => [name, values[i] as A]))

/** fit.json of a mixture sweep: every budget's law, optimum and intervals, and the validation run's comparison. */
export const mixtureFitRecord = (experiment: MixtureExperiment, fits: ReadonlyArray<MixtureBudgetFit>, validation: MixtureValidation | undefined) => {
  const domains = Object.keys(experiment.sweep.corpora)
  const target = mixtureTarget(experiment.sweep)
  return {
    kind: "mixture",
    law: "L_i(r) = c_i + k_i * exp(sum_j t_ij * r_j) (Ye et al. 2024, Data Mixing Laws); t_ij relative to the last domain's (t_iK = 0)",
    domains,
    target: byName(domains, target),
    interval_level: 0.8,
    budgets: fits.map((fitted) =>
      fitted._tag === "NotFitted"
        ? { budget: fitted.budget, runs: fitted.runs.length, error: fitted.reason }
        : {
          budget: fitted.budget,
          runs: fitted.runs.length,
          laws: byName(domains, fitted.result.fit.domains.map((law) => ({ c: law.c, k: law.k, t: byName(domains, law.t), rmse: law.rmse }))),
          optimum: {
            weights: byName(domains, fitted.result.optimum.weights),
            target_loss: fitted.result.optimum.target,
            losses: byName(domains, fitted.result.optimum.losses),
            ...(fitted.result.targetInterval === undefined ? {} : { target_loss_interval: fitted.result.targetInterval }),
            ...(fitted.result.weightIntervals === undefined ? {} : { weight_intervals: byName(domains, fitted.result.weightIntervals) })
          },
          bootstrap_resamples_fitted: fitted.result.resamplesFitted
        }
    ),
    ...(validation === undefined ? {} : {
      validation: {
        budget: validation.budget,
        weights: byName(domains, validation.weights),
        runs: validation.runs.map((run) => run.id),
        predicted_target_loss: validation.predicted,
        ...(validation.intervals === undefined ? {} : {
          law_interval: validation.intervals.law,
          new_run_interval: validation.intervals.newRun,
          inside_law_interval: within(validation.measured, validation.intervals.law),
          inside_new_run_interval: within(validation.measured, validation.intervals.newRun)
        }),
        measured_target_loss: validation.measured,
        measured_losses: byName(domains, validation.runs[0]?.losses ?? [])
      }
    })
  }
}

/** What the two mixture plots show. */
export const mixturePlotInput = (
  experiment: MixtureExperiment,
  fits: ReadonlyArray<MixtureBudgetFit>,
  validation: MixtureValidation | undefined
): MixturePlotInput => {
  const target = mixtureTarget(experiment.sweep)
  const fitted = fits.filter((f): f is Extract<MixtureBudgetFit, { _tag: "Fitted" }> => f._tag === "Fitted")
  return {
    domains: Object.keys(experiment.sweep.corpora),
    runs: fits.flatMap((f) => f.runs),
    slices: fitted.flatMap((f) => slicePoints(f.result.fit, target, f.budget, f.result.optimum.weights)),
    optima: fitted.map((f): MixtureOptimumMark => ({
      budget: f.budget,
      weights: f.result.optimum.weights,
      target: f.result.optimum.target,
      ...(f.result.weightIntervals === undefined ? {} : { weightIntervals: f.result.weightIntervals }),
      ...(f.result.targetInterval === undefined ? {} : { targetInterval: f.result.targetInterval })
    })),
    ...(validation?.runs[0] === undefined ? {} : { validation: validation.runs[0] })
  }
}

const fixed = (value: number, digits = 3) => value.toFixed(digits)
const interval = ([low, high]: readonly [number, number]) => `${fixed(low, 4)}–${fixed(high, 4)}`

/** The fit in lines for the terminal. */
export const mixtureFitLines = (experiment: MixtureExperiment, fits: ReadonlyArray<MixtureBudgetFit>, validation: MixtureValidation | undefined) => {
  const domains = Object.keys(experiment.sweep.corpora)
  const named = (values: ReadonlyArray<number>) => domains.map((name, i) => `${name}=${fixed(values[i] ?? Number.NaN)}`).join(", ")
  return [
    `Data-mixing law (Ye et al. 2024) per domain; target: ${named(mixtureTarget(experiment.sweep))} of the domain losses`,
    ...fits.flatMap((f) => {
      if (f._tag === "NotFitted") return [`  C=${f.budget.toExponential(2)}: not fitted (${f.runs.length} runs): ${f.reason}`]
      const { optimum, targetInterval, weightIntervals } = f.result
      return [
        `  C=${f.budget.toExponential(2)} (${f.runs.length} runs): best mixture ${named(optimum.weights)}; predicted target loss ` +
          `${fixed(optimum.target, 4)}${targetInterval === undefined ? "" : ` (80% interval ${fixed(targetInterval[0], 4)}–${fixed(targetInterval[1], 4)})`}`,
        ...(weightIntervals === undefined ? [] : [`    weight intervals (80%): ${domains.map((name, i) => `${name} ${fixed(weightIntervals[i]?.[0] ?? 0)}–${fixed(weightIntervals[i]?.[1] ?? 0)}`).join(", ")}`]),
        `    fit rmse: ${domains.map((name, i) => `${name} ${(f.result.fit.domains[i]?.rmse ?? Number.NaN).toFixed(4)}`).join(", ")}`
      ]
    }),
    ...(validation === undefined ? [] : [
      `Validation at C=${validation.budget.toExponential(2)}, mixture ${named(validation.weights)}: measured target loss ` +
        `${fixed(validation.measured, 4)}, predicted ${fixed(validation.predicted, 4)}` +
        (validation.intervals === undefined ? " (no interval)" : ""),
      ...(validation.intervals === undefined ? [] : [
        `  80% interval for one new run (law + run scatter): ${interval(validation.intervals.newRun)}: ` +
          `${within(validation.measured, validation.intervals.newRun) ? "inside" : "OUTSIDE"}`,
        `  80% interval of the law's prediction alone:        ${interval(validation.intervals.law)}: ` +
          `${within(validation.measured, validation.intervals.law) ? "inside" : "outside"}`
      ])
    ])
  ]
}
