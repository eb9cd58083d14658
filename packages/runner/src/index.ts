export { Executor } from "./executor/Executor.ts"
export { LocalExecutor, type LocalExecutorConfig, type WorkerCommand } from "./executor/LocalExecutor.ts"
export { RunFailed } from "./executor/RunFailed.ts"
export {
  metricsFile,
  readRunResult,
  resultFile,
  ResultUnreadable,
  RunFolderError,
  runFolderPath,
  runSpecFile,
  workerLogFile
} from "./runFolder.ts"
export { databaseFileName, databasePath } from "./store/database.ts"
export { latestVersion as storeSchemaVersion } from "./store/migrations.ts"
export { type ResultRow, RunStatus, type RunRow } from "./store/rows.ts"
export { RunStore } from "./store/RunStore.ts"
export { StoreError } from "./store/StoreError.ts"
export { runSweep, SweepInputError, type SweepOptions, type SweepOutcome } from "./sweep.ts"
export type { SweepEvent } from "./sweepEvents.ts"
