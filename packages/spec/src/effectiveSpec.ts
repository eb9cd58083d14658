import { Schema } from "effect"
import { ExperimentSchema, type ExperimentSpec, moeShapeOf } from "./experiment.ts"

const encodeExperiment = Schema.encodeSync(ExperimentSchema)

/**
 * The experiment as a spec file would state it with every default written out: plain JSON, for
 * display and for recording what a run was planned from. Decoding it gives the same experiment.
 */
export const effectiveSpec = (experiment: ExperimentSpec): Schema.JsonObject => {
  const encoded = encodeExperiment(experiment)
  // A mixture of experts' routing defaults are not schema defaults (a dense model must not carry
  // them), so they are written out here from the values the planner uses.
  const routing = moeShapeOf(experiment.model)
  return routing === undefined ? encoded : { ...encoded, model: { ...(encoded["model"] as Schema.JsonObject), ...routing } }
}
