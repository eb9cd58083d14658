export { CommandExecutor, commandWorker, shellQuote } from "./executor/CommandExecutor.ts"
export { type ExecutionHooks, Executor } from "./executor/Executor.ts"
export { LocalExecutor, type LocalExecutorConfig, type WorkerCommand } from "./executor/LocalExecutor.ts"
export { FailureKind, RunFailed } from "./executor/RunFailed.ts"
export { SlurmExecutor, type SlurmExecutorConfig, type SlurmJobOptions } from "./executor/SlurmExecutor.ts"
export {
  metricsFile,
  readMetrics,
  readRunResult,
  readRunSpec,
  resultFile,
  ResultUnreadable,
  RunFolderError,
  runFolderPath,
  runSpecFile,
  workerLogFile
} from "./runFolder.ts"
export { databaseFileName, databasePath } from "./store/database.ts"
export {
  decodeFitRecord,
  encodeFitRecord,
  FitRecord,
  ForecastRecord,
  IsoflopBudgetRecord,
  IsoflopRecord,
  ParametricRecord
} from "./store/fitRecord.ts"
export { latestVersion as storeSchemaVersion } from "./store/migrations.ts"
export {
  type AbandonedAttempt,
  type AttemptFailure,
  AttemptOutcome,
  type AttemptRow,
  type ExperimentRow,
  type ResultRow,
  RunStatus,
  type RunRow,
  type StoredFit
} from "./store/rows.ts"
export { RunStore } from "./store/RunStore.ts"
export { StoreError } from "./store/StoreError.ts"
export { distinctRuns, largestFirst, makespan, startOrder } from "./schedule.ts"
export { type DivergencePolicy, runSweep, SweepInputError, type SweepOptions, type SweepOutcome } from "./sweep.ts"
export { isProcessAlive } from "./processLiveness.ts"
export { StoreBusy } from "./sweepLock.ts"
export type { SweepEvent } from "./sweepEvents.ts"
