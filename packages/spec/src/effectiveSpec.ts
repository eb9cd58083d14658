import { Schema } from "effect"
import { ExperimentSchema, type ExperimentSpec } from "./experiment.ts"

const encodeExperiment = Schema.encodeSync(ExperimentSchema)

/**
 * The experiment as a spec file would state it with every default written out: plain JSON, for
 * display and for recording what a run was planned from. Decoding it gives the same experiment.
 */
export const effectiveSpec = (experiment: ExperimentSpec): Schema.JsonObject => encodeExperiment(experiment)
