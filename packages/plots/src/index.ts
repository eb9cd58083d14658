export type { BacktestPlotInput, BacktestPoint } from "./backtestPlot.ts"
export { backtestMarkNames, backtestPlotSpec } from "./backtestPlot.ts"
export type { CalibrationPlotInput, CalibrationPoint, CalibrationSeries } from "./calibrationPlot.ts"
export { calibrationMarkNames, calibrationPlotSpec } from "./calibrationPlot.ts"
export type {
  ComparedExperiment,
  ComparedIsoflopCurve,
  ComparedMinimum,
  ComparedRun,
  ComparePlotInput,
  ExperimentIdentity,
  LawSample,
  MultiplierBudget,
  MultiplierComparison,
  MultiplierPlotInput
} from "./compare/experiments.ts"
export { compareFrontierPlotSpec } from "./compare/frontierPlot.ts"
export { compareLossPlotSpec } from "./compare/lossPlot.ts"
export { compareMarkerLabels, compareMarkNames, experimentColors, experimentLabel } from "./compare/experiments.ts"
export { multiplierLogRatio, multiplierPlotSpec } from "./compare/multiplierPlot.ts"
export { overlayIsoflopPlotSpec } from "./compare/overlayIsoflopPlot.ts"
export type {
  DownstreamForecastPoint,
  DownstreamPlotInput,
  DownstreamRunPoint,
  NllAccuracyRunPoint,
  NllAccuracySigmoid,
  NllComputeLaw
} from "./downstreamPlot.ts"
export { accuracyAtTaskNll, downstreamMarkNames, downstreamPlotSpec, nllAtCompute } from "./downstreamPlot.ts"
export type { AccuracyForecastCell, ForecastRow, ForecastTableInput } from "./forecastTable.ts"
export { forecastJson, forecastTable } from "./forecastTable.ts"
export type {
  ComputeAllocation,
  FrontierPowerLaw,
  FrontierInterval,
  FrontierMinimum,
  FrontierPlotInput,
  PublishedFrontier
} from "./frontierPlot.ts"
export {
  frontierComputeDomain,
  frontierMarkerLabels,
  frontierMarkNames,
  frontierPlotSpec,
  logSpaced,
  powerLawAt
} from "./frontierPlot.ts"
export type { HtmlTable } from "./htmlPage.ts"
export type { IsoflopBudgetFit, IsoflopPlotInput, IsoflopRunPoint } from "./isoflopPlot.ts"
export { isoflopFittedCurve, isoflopMarkNames, isoflopPlotSpec, markerLabels } from "./isoflopPlot.ts"
export { logAxisTicks } from "./logTicks.ts"
export type { LossCurvePoint, LossCurveRun, LossCurvesPlotInput } from "./lossCurvesPlot.ts"
export { lossCurvesMarkNames, lossCurvesPlotSpec, lossKindLabels } from "./lossCurvesPlot.ts"
export type { MemorizationPlotInput, MemorizationRunPoint } from "./memorizationPlot.ts"
export { memorizationMarkNames, memorizationPlotSpec } from "./memorizationPlot.ts"
export { formatSi, siFormatExpression } from "./numberFormat.ts"
export type { CurvePoint, LogParabola } from "./parabola.ts"
export { evaluateLogParabola, sampleLogParabola, widenLogRange } from "./parabola.ts"
export type { ParametricLawCoefficients, ParametricPlotInput, ParametricRunPoint, ResidualPlotOptions, SizePoint } from "./parametricPlot.ts"
export {
  computeOptimalFrontier,
  isoLossContour,
  parametricContourPlotSpec,
  parametricMarkNames,
  parametricResidualPlotSpec
} from "./parametricPlot.ts"
export { PlotRenderError } from "./plotRenderError.ts"
export type { PngOptions } from "./render.ts"
export { compileToVega, renderPng, renderSvg } from "./render.ts"
export type {
  PlotFileOptions,
  PlotFiles,
  ReportFiles,
  ReportInput,
  ReportPlotSection,
  ReportSection,
  ReportTableSection
} from "./report.ts"
export { writeHtmlReport, writePlotFiles } from "./report.ts"
export type { LogScaleAxis } from "./theme.ts"
export {
  axisTitles,
  categoricalPalette,
  experimentPalette,
  inkColor,
  logComputeScaleAxis,
  logScaleAxis,
  panelSize,
  plotSize,
  plotTitle,
  positiveExtent,
  sequentialScheme,
  themeConfig,
  vegaLiteSchema
} from "./theme.ts"
export type { TopLevelSpec } from "vega-lite"
export { type VendorScript, vendorScripts } from "./vendorScripts.ts"
export type {
  HyperparameterLawLine,
  HyperparameterOptimumPoint,
  HyperparameterRunPoint,
  LawPanelInput,
  LossAgainstLrInput
} from "./hyperparameterPlot.ts"
export { hyperparameterLawsPlotSpec, lossAgainstLrPlotSpec } from "./hyperparameterPlot.ts"
export type { MixtureOptimumMark, MixturePlotInput, MixtureRunMark, MixtureSlicePoint } from "./mixturePlot.ts"
export { mixtureDomainPlotSpec, mixtureMarkNames, mixtureTargetPlotSpec } from "./mixturePlot.ts"
export type { AnnealingChangeMark, AnnealingLossMark, AnnealingPlotInput } from "./annealingPlot.ts"
export { annealingChangePlotSpec, annealingLossPlotSpec, annealingMarkNames } from "./annealingPlot.ts"
