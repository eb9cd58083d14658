// The plan of a hyperparameter sweep (DeepSeek LLM §3.1): at each budget one model size, trained
// once per (learning rate, batch size) of the grid on the tokens that spend the budget.
import type { HyperparameterExperiment } from "@scalelab/spec"
import { DEFAULT_HYPERPARAMETER_CENTRE } from "@scalelab/spec"
import { effectiveTokens, reasonNumber, runStepwise, type Stepwise } from "@scalelab/laws"
import {
  type Centre,
  centreOfLaw,
  type CorpusFacts,
  type Plan,
  PlanError,
  type PlannedRun,
  plannedAtCentre,
  type PlanPreview,
  runsOfSizing,
  sizeAtBudget,
  type Sizing
} from "./isoflopPlan.ts"

/** The size a budget's grid trains: the spec's fixed `params`, else its published law's N*(C). */
export const hyperparameterCentre = (experiment: HyperparameterExperiment, budget: number): Centre => {
  const { params, centre } = experiment.sweep
  return params !== undefined
    ? { params, source: "sweep.params", reason: `N=${reasonNumber(params)} fixed by sweep.params` }
    : centreOfLaw(centre ?? DEFAULT_HYPERPARAMETER_CENTRE, budget)
}

/** One grid point of a budget, sized: its place in the grid and the run settings the spec gives it. */
interface GridPoint {
  readonly sizing: Sizing
  readonly reason: string
}

/**
 * Two batch sizes of the grid that round to one whole number of sequences (as every batch is
 * rounded) would train the same runs: the plan error that says so, or undefined.
 */
const batchClash = (experiment: HyperparameterExperiment): PlanError | undefined => {
  const { context } = experiment.model
  const roundedFrom = new Map<number, number>()
  for (const batchTokens of experiment.sweep.batch_tokens) {
    const rounded = Math.max(1, Math.round(batchTokens / context)) * context
    const other = roundedFrom.get(rounded)
    if (other !== undefined) {
      return new PlanError({
        message: `sweep.batch_tokens: ${other} and ${batchTokens} both round to ${rounded} tokens (whole sequences of ` +
          `model.context = ${context}), so they would train the same runs; space them at least a sequence apart`,
        fields: [["sweep", "batch_tokens"]]
      })
    }
    roundedFrom.set(rounded, batchTokens)
  }
  return undefined
}

/** A budget's grid points in order (learning rate, then batch size), each sized at the budget's model. Throws PlanError, or LawInputError. */
const gridPoints = (experiment: HyperparameterExperiment, budget: number, centre: Centre): ReadonlyArray<GridPoint> => {
  const { sweep } = experiment
  return sweep.lr.flatMap((lr, lrIndex) =>
    sweep.batch_tokens.map((batchTokens, batchIndex) => {
      const label = `lr ${reasonNumber(lr, 3)} × batch ${batchTokens}`
      const sizing = sizeAtBudget(experiment, budget, centre.params, label, { lr, batch_tokens: batchTokens })
      const reason = `grid point at C=${reasonNumber(budget, 3)}: lr ${lrIndex + 1} of ${sweep.lr.length} ` +
        `(${reasonNumber(lr, 3)}) × batch ${batchIndex + 1} of ${sweep.batch_tokens.length} (${sizing.batch_tokens} tokens); ` +
        `${centre.reason}`
      return { sizing, reason }
    })
  )
}

/**
 * Every budget × learning rate × batch size of the grid, in that order, each with `sweep.seeds`
 * runs. Throws PlanError, or the laws package's LawInputError.
 */
export function* planHyperparametersSteps(experiment: HyperparameterExperiment, corpus?: CorpusFacts): Stepwise<Plan> {
  const clash = batchClash(experiment)
  if (clash !== undefined) throw clash
  const runs: Array<PlannedRun> = []
  for (const budget of experiment.sweep.budgets) {
    const centre = hyperparameterCentre(experiment, budget)
    for (const { sizing, reason } of gridPoints(experiment, budget, centre)) {
      for (const run of runsOfSizing(experiment, budget, sizing, corpus)) {
        runs.push({
          ...plannedAtCentre(run, centre, reason),
          ...(corpus === undefined
            ? {}
            : { epochs: run.tokens / corpus.training_tokens, effective_tokens: effectiveTokens(run.tokens, corpus.training_tokens) })
        })
      }
    }
    yield
  }
  return { experiment: experiment.name, runs, notes: [] }
}

/** planHyperparametersSteps run straight through. */
export const planHyperparameters = (experiment: HyperparameterExperiment, corpus?: CorpusFacts): Plan =>
  runStepwise(planHyperparametersSteps(experiment, corpus))

/**
 * What the spec alone settles of a hyperparameter plan, without its corpus: each budget's problem
 * (a grid point it cannot pay for, batches that round together), every budget checked so that all
 * are reported at once. Throws the laws package's LawInputError.
 */
export function* previewHyperparametersSteps(experiment: HyperparameterExperiment): Stepwise<PlanPreview> {
  const clash = batchClash(experiment)
  const problems: Array<PlanError> = clash === undefined ? [] : [clash]
  for (const budget of experiment.sweep.budgets) {
    try {
      gridPoints(experiment, budget, hyperparameterCentre(experiment, budget))
    } catch (error) {
      if (!(error instanceof PlanError)) throw error
      problems.push(error)
    }
    yield
  }
  return { problems, notes: [] }
}
