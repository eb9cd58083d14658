// The plan of a hyperparameter sweep (DeepSeek LLM §3.1): at each budget one model size, trained
// once per (learning rate, batch size) of the grid on the tokens that spend the budget.
import type { HyperparameterExperiment } from "@scalelab/spec"
import { DEFAULT_HYPERPARAMETER_CENTRE, totalParams } from "@scalelab/spec"
import { effectiveTokens, reasonNumber, runStepwise, type Stepwise } from "@scalelab/laws"
import { budgetFields, type Centre, centreOfLaw, type CorpusFacts, type Plan, PlanError, type PlannedRun, runsOfSizing, sizeAtBudget } from "./isoflopPlan.ts"

/** The size a budget's grid trains: the spec's fixed `params`, else its published law's N*(C). */
export const hyperparameterCentre = (experiment: HyperparameterExperiment, budget: number): Centre => {
  const { params, centre } = experiment.sweep
  return params !== undefined
    ? { params, source: "sweep.params", reason: `N=${reasonNumber(params)} fixed by sweep.params` }
    : centreOfLaw(centre ?? DEFAULT_HYPERPARAMETER_CENTRE, budget)
}

/**
 * Every budget × learning rate × batch size of the grid, in that order, each with `sweep.seeds`
 * runs. The grid's batches are rounded to whole sequences, as any batch is; two that round to one
 * batch would train the same runs, so a plan error says so.
 * Throws PlanError, or the laws package's LawInputError.
 */
export function* planHyperparametersSteps(experiment: HyperparameterExperiment, corpus?: CorpusFacts): Stepwise<Plan> {
  const { sweep } = experiment
  const runs: Array<PlannedRun> = []
  for (const budget of sweep.budgets) {
    const centre = hyperparameterCentre(experiment, budget)
    const roundedFrom = new Map<number, number>()
    for (const [lrIndex, lr] of sweep.lr.entries()) {
      for (const [batchIndex, batchTokens] of sweep.batch_tokens.entries()) {
        const label = `lr ${reasonNumber(lr, 3)} × batch ${reasonNumber(batchTokens, 3)}`
        const sizing = sizeAtBudget(experiment, budget, centre.params, label, { lr, batch_tokens: batchTokens })
        const other = roundedFrom.get(sizing.batch_tokens)
        if (other !== undefined && other !== batchTokens) {
          throw new PlanError({
            message: `sweep.batch_tokens: ${other} and ${batchTokens} both round to ${sizing.batch_tokens} tokens (whole sequences ` +
              `of model.context = ${experiment.model.context}), so they would train the same runs; space them at least a sequence apart`,
            fields: budgetFields(experiment, budget, ["sweep", "batch_tokens"]).toReversed()
          })
        }
        roundedFrom.set(sizing.batch_tokens, batchTokens)
        const reason = `grid point at C=${reasonNumber(budget, 3)}: lr ${lrIndex + 1} of ${sweep.lr.length} ` +
          `(${reasonNumber(lr, 3)}) × batch ${batchIndex + 1} of ${sweep.batch_tokens.length} (${sizing.batch_tokens} tokens); ` +
          `${centre.reason}`
        for (const run of runsOfSizing(experiment, budget, sizing, corpus)) {
          runs.push({
            run,
            params_total: totalParams(run),
            target_params: centre.params,
            centre_params: centre.params,
            centre_reason: centre.reason,
            centre: centre.source,
            reason,
            ...(corpus === undefined
              ? {}
              : { epochs: run.tokens / corpus.training_tokens, effective_tokens: effectiveTokens(run.tokens, corpus.training_tokens) })
          })
        }
      }
    }
    yield
  }
  return { experiment: experiment.name, runs, notes: [] }
}

/** planHyperparametersSteps run straight through. */
export const planHyperparameters = (experiment: HyperparameterExperiment, corpus?: CorpusFacts): Plan =>
  runStepwise(planHyperparametersSteps(experiment, corpus))
