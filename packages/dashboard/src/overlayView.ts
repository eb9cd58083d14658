import { Result } from "effect"
import { computeOptimalLossForecast, storedLossModel } from "@scalelab/analysis"
import {
  compareFrontierPlotSpec,
  type ComparedExperiment,
  compareLossPlotSpec,
  isoflopFittedCurve,
  type LawSample,
  logSpaced,
  overlayIsoflopPlotSpec,
  positiveExtent,
  type TopLevelSpec
} from "@scalelab/plots"
import type { ResultRow, StoredFit } from "@scalelab/runner"

/** One experiment of the overlay: its completed runs and its latest stored fit, if any. */
export interface OverlayExperiment {
  readonly name: string
  readonly results: ReadonlyArray<ResultRow>
  readonly fit: StoredFit | undefined
}

/**
 * The plots of several experiments overlaid, by name: each is drawn in its own panel of the page,
 * in this order. Comparison plots that need more than stored fits (the compute multiplier, which
 * needs a joint bootstrap) join them under their own names.
 */
export interface OverlayPlots {
  /** Null when no experiment has a completed run. */
  readonly isoflop: TopLevelSpec | null
  /** Null when no experiment has a minimum or a power law to draw. */
  readonly frontier: TopLevelSpec | null
  /** Null when no experiment has a completed run or a loss law. */
  readonly loss: TopLevelSpec | null
}

export interface OverlayView {
  readonly experiments: ReadonlyArray<string>
  readonly plots: OverlayPlots
  /** What the plots leave out and why: one line per experiment that lacks a fit or a law. */
  readonly notes: ReadonlyArray<string>
}

/** Why the laws carry no band, said under each plot's title. */
export const noBandNote = "Stored fits keep no bootstrap, so the laws have no bands"

const lawSamples = 24

/** The stored fit's minima with an optimum, as the comparison plots take them. */
const minimaOf = (fit: StoredFit | undefined) => {
  const isoflop = fit?.json.isoflop
  const budgets = isoflop !== undefined && "budgets" in isoflop ? isoflop.budgets : []
  return budgets.flatMap((budget) =>
    budget.params_opt === null || budget.tokens_opt === null || budget.loss_opt === null
      ? []
      : [{ budget, params: budget.params_opt, tokens: budget.tokens_opt, loss: budget.loss_opt }]
  )
}

/**
 * One experiment as the comparison plots draw it: its runs, its stored minima and curves, N*(C) and
 * D*(C) from its IsoFLOP power laws and L*(C) from its parametric law (through the one loss
 * forecaster, as the fit panel reads it), each sampled over `computes`; and what it lacks, in words.
 */
const comparedExperiment = (experiment: OverlayExperiment, computes: ReadonlyArray<number>) => {
  const notes: Array<string> = []
  const json = experiment.fit?.json
  if (json === undefined) notes.push(`${experiment.name}: no fit recorded yet, runs only`)
  const minima = minimaOf(experiment.fit)
  const isoflop = json?.isoflop
  const powerLaws = isoflop !== undefined && "params_opt" in isoflop ? isoflop : undefined
  if (isoflop !== undefined && "error" in isoflop) notes.push(`${experiment.name}: no frontier (${isoflop.error})`)
  const sampled = (law: { readonly k: number }, exponent: number): Array<LawSample> =>
    computes.map((compute) => ({ compute, value: law.k * compute ** exponent }))
  const loss: Array<LawSample> = []
  if (json !== undefined && json.parametric === undefined) notes.push(`${experiment.name}: no parametric law, so no loss line`)
  if (json?.parametric !== undefined) {
    const model = storedLossModel(json.parametric)
    const problems = new Set<string>()
    for (const compute of computes) {
      const forecast = computeOptimalLossForecast(model, compute)
      if (Result.isSuccess(forecast)) loss.push({ compute, value: forecast.success.loss })
      else problems.add(forecast.failure.message)
    }
    for (const problem of problems) notes.push(`${experiment.name}: ${problem}`)
  }
  const compared: ComparedExperiment = {
    name: experiment.name,
    baseline: false,
    runs: experiment.results.map((row) => ({ id: row.run_id, params: row.params, tokens: row.tokens, flops: row.flops, loss: row.loss, budget: row.budget })),
    minima: minima.map(({ budget, params, tokens, loss }) => ({ compute: budget.budget, params, tokens, loss, bracketed: budget.bracketed })),
    ...(powerLaws === undefined
      ? {}
      : { frontier: { params: sampled(powerLaws.params_opt, powerLaws.params_opt.a), tokens: sampled(powerLaws.tokens_opt, powerLaws.tokens_opt.b) } }),
    ...(loss.length === 0 ? {} : { loss }),
    isoflopCurves: minima.map(({ budget, params, loss }) => ({
      budget: budget.budget,
      points: isoflopFittedCurve({ ...budget, params_opt: params, loss_opt: loss })
    }))
  }
  return { compared, notes }
}

/**
 * Several experiments of the store overlaid: their runs on one IsoFLOP plot, and their frontiers
 * and compute-optimal losses from their latest stored fits, one colour per experiment in the order
 * given. The laws are drawn over one compute span for all, from the smallest budget to the largest
 * forecast budget of any fit, so they can be read against each other at the same compute.
 */
export const overlayView = (experiments: ReadonlyArray<OverlayExperiment>): OverlayView => {
  const budgets = experiments.flatMap((e) => [...e.results.map((row) => row.budget), ...minimaOf(e.fit).map((m) => m.budget.budget)])
  const span = positiveExtent([...budgets, ...experiments.flatMap((e) => (e.fit?.json.forecast ?? []).map((f) => f.compute))])
  // The budgets themselves among the samples, so each line turns from solid to dashed exactly at its last one.
  const computes = [...new Set([...logSpaced(span, lawSamples), ...budgets])].sort((a, b) => a - b)
  const built = experiments.map((experiment) => comparedExperiment(experiment, computes))
  const compared = built.map((entry) => entry.compared)
  const input = { experiments: compared, note: noBandNote }
  const hasRuns = compared.some((e) => e.runs.length > 0)
  return {
    experiments: experiments.map((e) => e.name),
    plots: {
      isoflop: hasRuns ? overlayIsoflopPlotSpec({ experiments: compared }) : null,
      frontier: compared.some((e) => e.minima.length > 0 || e.frontier !== undefined) ? compareFrontierPlotSpec(input) : null,
      loss: hasRuns || compared.some((e) => e.loss !== undefined) ? compareLossPlotSpec(input) : null
    },
    notes: built.flatMap((entry) => entry.notes)
  }
}
