export * from "./runContract.ts"
export { CorpusSource, FilesCorpus, MarkovSourceSettings, MAX_MARKOV_CONTEXTS } from "./corpusSource.ts"
export { decodeExperimentText, decodeSpecText, defaultForecastBudgets } from "./decode.ts"
export { effectiveSpec } from "./effectiveSpec.ts"
export {
  ALL_FIT_METHODS,
  type AnyFitMethod,
  DEFAULT_BOOTSTRAP_RESAMPLES,
  DEFAULT_LAW_FORM,
  defaultIsoflopMinimum,
  describeFitMethods,
  describeIsoflopMinima,
  describeLawForms,
  FIT_METHOD_REGISTRY,
  FIT_METHODS,
  type FitMethod,
  type FitMethodEntry,
  FORECAST_METHODS,
  type ForecastMethod,
  type IsoflopMinimumEstimator,
  isoflopMinimumEstimators,
  LAW_FORM_CHOICES,
  type LawFormChoice,
  MAX_BOOTSTRAP_RESAMPLES
} from "./fitMethods.ts"
export {
  ANNEALING_BASE,
  ANNEALING_CANDIDATES,
  annealingCorpora,
  type AnnealingExperiment,
  AnnealingSweep,
  type AnnealingSweepSettings,
  annealingTarget,
  CommandSettings,
  DataSettings,
  DivergenceSettings,
  EvalSettings,
  ExecutionSettings,
  EXECUTORS,
  type ExecutorName,
  DEFAULT_HYPERPARAMETER_CENTRE,
  type Experiment,
  type HyperparameterExperiment,
  HyperparameterSweep,
  type HyperparameterSweepSettings,
  ExperimentSchema,
  type ExperimentSpec,
  FIT_TOKENS,
  type FitTokens,
  FitSettings,
  ForecastSettings,
  isTableExperiment,
  MEMORIZATION_NGRAM,
  MemorizationSettings,
  type MemorizationWindow,
  memorizationWindow,
  IsoflopSweep,
  type IsoflopSweepSettings,
  MIXTURE_DOMAINS,
  type MixtureExperiment,
  MixtureSweep,
  type MixtureSweepSettings,
  mixtureTarget,
  mixtureWeights,
  WEIGHT_SUM_TOLERANCE,
  DEFAULT_AUX_LOSS_WEIGHT,
  DEFAULT_TOP_K,
  ModelSettings,
  moeShapeOf,
  NAME_PATTERN,
  OptimizerSettings,
  SlurmSettings,
  RESULTS_TABLE_EXTENSIONS,
  Sweep,
  type TableExperiment,
  TableSweep,
  type TableSweepSettings,
  type SpecOfKind,
  specOfKind,
  trainedExperiment,
  type TrainedSpec,
  trainedSpec,
  TrainingSettings
} from "./experiment.ts"
export { ALLOWED_CONSTANTS, ALLOWED_FUNCTIONS, evaluateExpression, evaluateNumberList, ExpressionError } from "./expression.ts"
export { FittedLawReference, REPRESENTATIVE_RUN } from "./fields.ts"
export { experimentJsonSchema, runContractJsonSchema } from "./jsonSchema.ts"
export { type FieldReference, type SectionReference, sectionKey, specReferenceMarkdown, specSections } from "./specReference.ts"
export { loadExperiment, loadExperimentSpec } from "./load.ts"
export { linspace, logspace } from "./spacing.ts"
export { formatSpecIssue, SpecError, SpecIssue } from "./specIssue.ts"
export { firstWrittenPosition, type LinePosition, yamlPosition } from "./yamlLocation.ts"
export { MAX_ALIAS_EXPANSION, type ParsedYaml, parseYaml, type YamlProblem } from "./yamlValue.ts"
export { defaultStoreDir, type FittedHyperparameterLaw, lawExpression, reportFolder } from "./fittedLaw.ts"
