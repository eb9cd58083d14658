export { type BackendRequest, BackendUnavailableError, type SelectedBackend, selectBackend } from "./backend.ts"
export {
  type TokenBatch,
  ValidationTooLargeError,
  concatenateDocuments,
  sampleWindows,
  sequencesPerStep,
  validationWindows
} from "./batches.ts"
export {
  type CorpusDocument,
  type CorpusSplit,
  InvalidSplitError,
  UnknownCorpusError,
  loadCorpus,
  splitDocuments
} from "./corpus.ts"
export { type EmbeddingLookup, type ModelConstants, batchLoss, disposeConstants, logits, modelConstants } from "./model.ts"
export { type AdamWSettings, type AdamWState, adamWUpdate, disposeAdamWState, initialAdamWState } from "./optimizer.ts"
export { type ParameterLayout, initialParameters, parameterLayout, weightDecayMask } from "./parameters.ts"
export { type ScheduleSettings, learningRateAt } from "./schedule.ts"
export { byteVocabSize, decodeBytes, encodeBytes } from "./tokenizer.ts"
export { type TrainingData, VocabularyMismatchError, prepareTrainingData, trainingBatch, trainingTokenCount } from "./trainingData.ts"
export { type TrainRunOptions, evaluateLoss, trainRun, trainingStep } from "./trainRun.ts"
export {
  InvalidRunSpecError,
  RunFolderWriteError,
  appendMetric,
  metricsFile,
  readRunSpec,
  resultFile,
  runSpecFile,
  writeResult
} from "./runFolder.ts"
