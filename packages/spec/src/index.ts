export * from "./runContract.ts"
export { CorpusSource, FilesCorpus, MarkovSourceSettings, MAX_MARKOV_CONTEXTS } from "./corpusSource.ts"
export { decodeExperimentText } from "./decode.ts"
export { effectiveSpec } from "./effectiveSpec.ts"
export {
  CommandSettings,
  DataSettings,
  DivergenceSettings,
  EvalSettings,
  ExecutionSettings,
  EXECUTORS,
  type ExecutorName,
  type Experiment,
  ExperimentSchema,
  FIT_METHODS,
  type FitMethod,
  FitSettings,
  ForecastSettings,
  IsoflopSweep,
  ModelSettings,
  NAME_PATTERN,
  OptimizerSettings,
  SlurmSettings,
  Sweep,
  TrainingSettings
} from "./experiment.ts"
export { ALLOWED_CONSTANTS, ALLOWED_FUNCTIONS, evaluateExpression, evaluateNumberList, ExpressionError } from "./expression.ts"
export { REPRESENTATIVE_RUN } from "./fields.ts"
export { experimentJsonSchema } from "./jsonSchema.ts"
export { loadExperiment } from "./load.ts"
export { linspace, logspace } from "./spacing.ts"
export { formatSpecIssue, SpecError, SpecIssue } from "./specIssue.ts"
export { type LinePosition, yamlPosition } from "./yamlLocation.ts"
