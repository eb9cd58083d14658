export { EXIT_BAD_INPUT, UserInputError } from "./inputError.ts"
export { attempt, attemptAsync, attemptStepwise } from "./pureInput.ts"
export { sci, seconds, sixNDFlops, table } from "./format.ts"
export { formatPlanNotes, loadCheckedSpec, loadSpec, loadSpecOfAnyKind, loadTrackedSpec } from "./specInput.ts"
export { endedRuns, isAdaptive, loadCorpusFacts, loadDomainCorpora, loadMixtureDomains, planExperiment, planMixtureExperiment, type RunEnding, settledPlan } from "./planExperiment.ts"
export {
  checkedFolder,
  checkedStore,
  defaultStoreDir,
  existingStoreFor,
  type FolderRole,
  storeDirFor,
  type StoreUse
} from "./storeLocation.ts"
export { builtinWorkerCommand, tokenizerCacheDir } from "./workerCommand.ts"
export {
  addOutcome,
  concurrencyFor,
  prepareSweep,
  resolveRerun,
  type PreparedSweep,
  type SweepChoices,
  SweepIncomplete,
  trainSweep
} from "./trainSweep.ts"
export {
  type EstimateError,
  type EstimateOptions,
  type EstimateSource,
  EstimateUnavailable,
  estimateRunSeconds,
  type ProbeEvidence,
  type RunEstimate,
  type RunTimeEstimate,
  sweepSeconds,
  type ThroughputPoint
} from "./estimate/runTimeEstimate.ts"
export { type MachineFingerprint, thisMachine } from "./estimate/machineFingerprint.ts"
export { ThroughputCacheError } from "./estimate/throughputCache.ts"
export { processProbe, type ThroughputProbe, ThroughputProbeFailed } from "./estimate/throughputProbe.ts"
export { exportData, type ExportSource } from "./dataExport.ts"
export { trainMixtureRuns } from "./mixtureSweep.ts"
export { planAnnealingExperiment, trainAnnealingRuns } from "./annealingSweep.ts"
