export { type BootstrapHealth, type InferenceAllocation, type InferenceOptimum, type Interval, publishedLaws, type PublishedLaw } from "@scalelab/laws"
export { allocationAt, type AllocationInterval, replicateInterval, type Target } from "./allocationInterval.ts"
export { parseColumnMap } from "./columnMap.ts"
export { budgetNote, type MethodOutcome, outcomeJson, outcomeText } from "./fitOutput.ts"
export {
  type Forecast,
  forecastFromFit,
  forecastFromLaw,
  inferenceOptimumFromFit,
  inferenceOptimumFromLaw,
  lossForecastFromFit,
  lossForecastFromLaw
} from "./forecast.ts"
export {
  computeOptimalLossForecast,
  ImpossibleLossForecast,
  intervalProvenance,
  lossBootstrapJson,
  type LossForecast,
  lossForecastAt,
  lossIntervalLevel
} from "./lossForecast.ts"
export {
  type ComputeLossForecast,
  fitLossSource,
  lossForecastAtCompute,
  lossForecastProblems,
  type LossForecasts,
  lossForecastsAt,
  type LossSource,
  parametricMinimumRuns,
  parametricNotAsked
} from "./lossForecastSource.ts"
export { fitTokensNote, withFitTokens } from "./fitTokens.ts"
export { loadLawFile } from "./lawFile.ts"
export { type BootstrapSettings, fitRecordOf, memorizationSections, ReportWriteError, type WrittenReport, writtenFileLines } from "./reportWriter.ts"
export {
  type Allocation,
  type BootstrapRequest,
  type DownstreamResult,
  type EnvelopeResult,
  fitDownstreamResults,
  fitEnvelopeResults,
  fitIsoflopResults,
  fitLawResults,
  fitParametricResults,
  type Forecaster,
  type IsoflopResult,
  type LawResult,
  lawVariables,
  type ParametricResult,
  publishedForecaster
} from "./resultsFit.ts"
export { type LoadedResults, loadResults, type ResultPoint } from "./resultsInput.ts"
export {
  parseResultsTable,
  type ResultsRow,
  type ResultsTable,
  type ResultsTableFormat,
  type ResultsTableOptions,
  type TaskScores
} from "./resultsTable.ts"
export { reportFileLines, type ResultsReport, writeResultsReport } from "./resultsReport.ts"
export { fitAndReport, fitSummary, otherFitLines, specBootstrap, storedLossCurves, whereToLook } from "./sweepFit.ts"
export { loadTableRows, runTableSpec, tableRowsTable, tableSource } from "./tableSweep.ts"
export { BacktestNotPossible } from "./backtest/backtestError.ts"
export {
  type Backtest,
  backtestExperiment,
  type BacktestOptions,
  type TruthTraining
} from "./backtest/backtestExperiment.ts"
export type { BacktestFiles } from "./backtest/backtestFiles.ts"
export type { BacktestResult } from "./backtest/backtestResult.ts"
export type { Comparison, ComparedQuantity, LevelCoverage, QuantityLevelCoverage, TruthUncertainty } from "./backtest/comparison.ts"
export { comparedQuantityLabels } from "./backtest/comparison.ts"
export type { RollingBacktestResult } from "./backtest/rollingBacktest.ts"
export {
  besiroglu2024,
  defaultSyntheticStudy,
  syntheticStudy,
  type SyntheticStudyResult,
  type SyntheticStudySettings
} from "./backtest/syntheticStudy.ts"
export { LOSS_LAWS, type LossLaw } from "./backtest/heldOutForecast.ts"
export type { LossForecastModel } from "./lossForecastModel.ts"
export { fixedLossModel, lossForecastModel, storedLossModel } from "./lossForecastModel.ts"
export {
  type BudgetMultiplier,
  type ComparedExperiment,
  compareExperiments,
  type CompareRequest,
  type CompareResult,
  type Estimate,
  type ExperimentAtBudget,
  type CompareInputSource,
  compareInputs,
  type ExperimentComparison,
  FLOOR_MODES,
  type FloorChoice,
  type FloorMode,
  type IsoflopMinimumPoint,
  type NamedInput
} from "./compare/compareExperiments.ts"
export { compareJson, healthJson } from "./compare/compareJson.ts"
export { comparisonWhereToLook, writeComparison, type WrittenComparison } from "./compare/compareFiles.ts"
export { type ComparisonPlots, comparisonPlots, multiplierPlotInput } from "./compare/comparisonPlots.ts"
export { compareStored, type StoredComparisonRequest, type StoredExperiment } from "./compare/storedComparison.ts"
export {
  bootstrapLines,
  budgetsTable,
  floorText,
  headlineText,
  lawsTable,
  multiplierTable,
  showMultiplier,
  sideBySideText,
  type TextTable,
  trendText,
  unreachedText
} from "./compare/compareText.ts"
export {
  fitAndReportHyperparameters,
  fitHyperparameterRuns,
  hyperparameterPoints,
  type HyperparameterReport,
  hyperparameterReportLines,
  hyperparameterSections,
  hyperparameterSummary
} from "./hyperparameterReport.ts"
export {
  fitAndReportMixture,
  mixtureReportTitle,
  mixtureSections,
  mixtureSweepFitReport,
  type MixtureSweepReport,
  predictedMixReason,
  storedMixtureFit,
  storedPredictedMix
} from "./mixtureSweep.ts"
export { fitMixtureBudgets, mixtureFitLines, mixtureFitRecord, mixtureRunMark, mixtureValidation, roundedMixture, runWeights, sliceWeights } from "./mixtureFit.ts"
export { sweepRunColumns, type SweepRunColumns } from "./sweepRunColumns.ts"
export {
  annealingLines,
  type AnnealingReport,
  annealingReportFromStore,
  annealingSections,
  annealingSweepReport,
  storedAnnealingSummary
} from "./annealingReport.ts"
