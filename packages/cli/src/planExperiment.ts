import type { Experiment } from "@scalelab/spec"
import { planIsoflop } from "@scalelab/planner"
import { trainingTokenCount } from "@scalelab/train/training-data"
import { attempt } from "./pureInput.ts"

/**
 * The plan of an experiment, with the size of its corpus so that the planner can tell which runs
 * repeat their data (and what those tokens are worth: Muennighoff et al. 2023).
 */
export const planExperiment = (experiment: Experiment) =>
  attempt(() =>
    planIsoflop(experiment, { training_tokens: trainingTokenCount(experiment.data.corpus, experiment.data.validation) })
  )
