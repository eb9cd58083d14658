export { type Interval, publishedLaws, type PublishedLaw } from "@scalelab/laws"
export { allocationAt, type AllocationInterval, replicateInterval, type Target } from "./allocationInterval.ts"
export { parseColumnMap } from "./columnMap.ts"
export { budgetNote, type MethodOutcome, outcomeJson, outcomeText } from "./fitOutput.ts"
export { type Forecast, forecastFromFit, forecastFromLaw } from "./forecast.ts"
export { fitTokensNote, withFitTokens } from "./fitTokens.ts"
export { loadLawFile } from "./lawFile.ts"
export { type BootstrapSettings, fitRecordOf, ReportWriteError, type WrittenReport } from "./reportWriter.ts"
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
  parametricForecaster,
  type ParametricResult,
  publishedForecaster
} from "./resultsFit.ts"
export { type LoadedResults, loadResults, type ResultPoint } from "./resultsInput.ts"
export { reportFileLines, type ResultsReport, writeResultsReport } from "./resultsReport.ts"
export { fitAndReport, fitSummary, otherFitLines, specBootstrap, storedLossCurves, whereToLook } from "./sweepFit.ts"
export { loadTableRows, runTableSpec, tableRowsTable, tableSource } from "./tableSweep.ts"
export { BacktestNotPossible } from "./backtest/backtestError.ts"
export { type BacktestFiles, writeBacktestFiles } from "./backtest/backtestFiles.ts"
export { type BacktestResult, backtestResult, truthOutcome } from "./backtest/backtestResult.ts"
export { type Comparison, type ComparedQuantity } from "./backtest/comparison.ts"
export { defaultCutoff, splitAtCutoff } from "./backtest/cutoffSplit.ts"
export { loadFitSet } from "./backtest/fitSet.ts"
export { forecastHeldOut, LOSS_LAWS, type LossLaw, measuredOptimum } from "./backtest/heldOutForecast.ts"
export { trainTruthRuns, truthRunsFor, unendedTruthRuns } from "./backtest/truthRuns.ts"
