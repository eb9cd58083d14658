import {
  chinchillaLossLaw,
  fitParametric,
  type LossLaw,
  mulberry32,
  type ParametricCoefficients,
  runStepwise,
  standardNormal
} from "@scalelab/laws"
import { lossForecastModel } from "../lossForecastModel.ts"
import type { ResultPoint } from "../resultsInput.ts"
import { chooseParametricForm, needsFiveConstantFit, parametricResultOf } from "../resultsFit.ts"
import { compareWithOptimum, leveled } from "./backtestResult.ts"
import { compare, type Comparison, coverageByQuantity, coverageLevels, type QuantityLevelCoverage } from "./comparison.ts"
import { forecastAtCutoff } from "./cutoffForecast.ts"
import { splitAtCutoff } from "./cutoffSplit.ts"
import { rollingCutoffs } from "./rollingBacktest.ts"

/** Besiroglu et al. 2024's refit of Chinchilla's L(N, D) = E + A/N^α + B/D^β: the law a synthetic study draws from by default. */
export const besiroglu2024: ParametricCoefficients = { E: 1.8172, A: 482.01, B: 2085.43, alpha: 0.3478, beta: 0.3658 }

export interface SyntheticStudySettings {
  /** The known law the runs' losses come from. */
  readonly law: ParametricCoefficients
  /** Compute budgets, FLOPs (C = 6·N·D). */
  readonly budgets: ReadonlyArray<number>
  /** Model sizes per budget, log-spaced around the law's N* there. */
  readonly sizesPerBudget: number
  /** The sizes run from N* / √span to N* · √span. */
  readonly span: number
  /** Standard deviation of the multiplicative noise on each loss (0.01: ±1%). */
  readonly noise: number
  /** Sweeps drawn, one per seed from `firstSeed`. */
  readonly seeds: number
  readonly firstSeed: number
  /** Bootstrap resamples of each fit. */
  readonly resamples: number
}

export const defaultSyntheticStudy: SyntheticStudySettings = {
  law: besiroglu2024,
  // Five budgets over two decades.
  budgets: [1e18, 10 ** 18.5, 1e19, 10 ** 19.5, 1e20],
  sizesPerBudget: 7,
  span: 16,
  noise: 0.01,
  seeds: 40,
  firstSeed: 1,
  resamples: 200
}

/**
 * One IsoFLOP sweep drawn from the known law: at each budget, sizes log-spaced around the law's
 * compute-optimal N*, tokens spending the budget, each loss the law's times exp(noise · ε).
 */
export const syntheticSweep = (settings: SyntheticStudySettings, seed: number): ReadonlyArray<ResultPoint> => {
  const truth = chinchillaLossLaw(settings.law)
  const random = mulberry32(seed)
  return settings.budgets.flatMap((budget) => {
    const centre = truth.optimumAt(budget).params
    return Array.from({ length: settings.sizesPerBudget }, (_, index): ResultPoint => {
      const params = centre * settings.span ** (index / (settings.sizesPerBudget - 1) - 0.5)
      const tokens = budget / (6 * params)
      return {
        id: `seed${seed}-C${budget.toExponential(2)}-N${params.toExponential(3)}`,
        params,
        tokens,
        flops: budget,
        budget,
        loss: truth.lossAt(params, tokens) * Math.exp(settings.noise * standardNormal(random))
      }
    })
  })
}

/**
 * The comparisons of one cutoff of a synthetic sweep, through the backtest's own core: the laws
 * fitted below the cutoff (the loss by the parametric law through lossForecastModel, N* and D* by
 * IsoFLOP) against the known law at each held-out budget. The truths are the law's N*, D*, L*
 * (params_opt, tokens_opt, loss_opt), and the law's loss at the forecast N* (loss: what a truth
 * run trained there would report, without noise).
 */
export const syntheticCutoffComparisons = (
  points: ReadonlyArray<ResultPoint>,
  cutoff: number,
  settings: SyntheticStudySettings,
  seed: number,
  truth: LossLaw
): ReadonlyArray<Comparison> => {
  const split = splitAtCutoff(settings.budgets, cutoff)
  if ("problem" in split) throw new Error(split.problem)
  const below = points.filter((point) => split.fitBudgets.includes(point.budget))
  // The small grid of starts: the data come from a law inside it, and a study fits hundreds of times.
  const request = { resamples: settings.resamples, seed }
  const choice = chooseParametricForm(below, request)
  const fiveConstants = needsFiveConstantFit(choice) ? fitParametric(below, { grid: "small" }) : undefined
  const model = lossForecastModel(runStepwise(parametricResultOf(below, request, choice, fiveConstants)))
  const forecast = runStepwise(forecastAtCutoff(below, split.heldOutBudgets, { resamples: settings.resamples, seed, levels: coverageLevels }, model))
  return forecast.budgets.flatMap((budget) => [
    compare("loss", budget.loss, leveled(budget, "loss"), truth.lossAt(budget.params, budget.tokens)),
    ...compareWithOptimum(budget, { ...truth.optimumAt(budget.budget), log10_params_se: null })
  ])
}

export interface SyntheticStudyResult {
  readonly settings: SyntheticStudySettings
  readonly cutoffs: ReadonlyArray<number>
  /** Sweeps whose fit failed at some cutoff (left out of the coverage), with why. */
  readonly failures: ReadonlyArray<{ readonly seed: number; readonly cutoff: number; readonly reason: string }>
  readonly coverage: ReadonlyArray<QuantityLevelCoverage>
}

/**
 * Does a nominal 80% interval hold 80% of the truths when the truth is known? Draws `seeds` sweeps
 * from the law and runs the rolling backtest's core on each (every cutoff, no training), then
 * counts, per quantity and level, the truths inside their intervals.
 */
export const syntheticStudy = (settings: SyntheticStudySettings = defaultSyntheticStudy): SyntheticStudyResult => {
  const truth = chinchillaLossLaw(settings.law)
  const cutoffs = rollingCutoffs(settings.budgets)
  const failures: Array<SyntheticStudyResult["failures"][number]> = []
  const comparisons: Array<Comparison> = []
  for (let seed = settings.firstSeed; seed < settings.firstSeed + settings.seeds; seed++) {
    const points = syntheticSweep(settings, seed)
    for (const cutoff of cutoffs) {
      try {
        comparisons.push(...syntheticCutoffComparisons(points, cutoff, settings, seed, truth))
      } catch (error) {
        failures.push({ seed, cutoff, reason: error instanceof Error ? error.message : String(error) })
      }
    }
  }
  return { settings, cutoffs, failures, coverage: coverageByQuantity(comparisons, coverageLevels) }
}
