import type { Experiment } from "@scalelab/spec"
import { planIsoflop } from "@scalelab/planner"
import { corpusFacts } from "@scalelab/train/training-data"
import { attempt } from "./pureInput.ts"
import { tokenizerCacheDir } from "./workerCommand.ts"

/**
 * The plan of an experiment, with what its corpus is (file digests go into run ids) and its size, so
 * that the planner can tell which runs repeat their data (and what those tokens are worth:
 * Muennighoff et al. 2023).
 */
export const planExperiment = (experiment: Experiment, storeDir: string) =>
  attempt(() =>
    planIsoflop(experiment, corpusFacts(experiment.data, { cacheDirectory: tokenizerCacheDir(storeDir) }))
  )
