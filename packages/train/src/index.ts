export { type AttentionMask, causalMask, documentMask } from "./attention.ts"
export {
  type BackendAttempt,
  type BackendName,
  type BackendRequest,
  BackendUnavailableError,
  type SelectedBackend,
  backendRecord,
  selectBackend
} from "./backend.ts"
export {
  type TokenBatch,
  type TokenStream,
  ValidationTooLargeError,
  documentSeparator,
  sampleWindows,
  sequencesPerStep,
  tokenizeDocuments,
  validationWindows
} from "./batches.ts"
export { type BpeMerges, trainBpe } from "./bpeTraining.ts"
export { bpeMerges } from "./bpeCache.ts"
export { bpeTokenizer } from "./bpeTokenizer.ts"
export {
  type ClozeItem,
  type ClozeScore,
  type ClozeSettings,
  ClozeTextTooSmallError,
  type TokenText,
  buildClozeItems,
  choiceLogLikelihoods,
  clozeScore,
  scoreCloze
} from "./cloze.ts"
export { type CorpusSplit, InvalidSplitError, loadCorpus, runCorpus, splitDocuments } from "./corpus.ts"
export type { CorpusDocument } from "./corpusDocument.ts"
export { CorpusFileChangedError, CorpusFileUnreadableError } from "./fileCorpus.ts"
export {
  type MarkovChain,
  MarkovMixingError,
  markovChain,
  markovDocumentEntropy,
  markovDocuments,
  markovEntropyRate
} from "./markovSource.ts"
export {
  type EmbeddingLookup,
  type ModelConstants,
  type ModelOptions,
  attentionMask,
  batchLoss,
  disposeConstants,
  logits,
  modelConstants
} from "./model.ts"
export { type AdamWSettings, type AdamWState, adamWUpdate, disposeAdamWState, initialAdamWState } from "./optimizer.ts"
export { type ParameterLayout, type Weights, decays, flattenWeights, initialParameters, parameterLayout, weightTensors } from "./parameters.ts"
export { type ScheduleSettings, learningRateAt } from "./schedule.ts"
export {
  type TextTokenizer,
  type TokenArray,
  byteTokenizer,
  byteVocabSize,
  bytesPerToken,
  decodeBytes,
  encodeBytes
} from "./tokenizer.ts"
export {
  type CorpusFacts,
  CorpusTooSmallError,
  type DataOptions,
  type TrainingData,
  VocabularyMismatchError,
  corpusFacts,
  prepareTrainingData,
  trainingBatch
} from "./trainingData.ts"
export { type CheckpointStore, type TrainOutcome, type TrainRunOptions, evaluateLoss, trainRun, trainingStep } from "./trainRun.ts"
export { type Checkpoint, type CheckpointMeta, CorruptCheckpointError, checkpointFile, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts"
export {
  InvalidRunSpecError,
  RunFolderWriteError,
  appendMetric,
  metricsFile,
  readRunSpec,
  resultFile,
  runSpecFile,
  truncateMetricsAfter,
  writeResult
} from "./runFolder.ts"
