export {
  type BackendAttempt,
  type BackendName,
  type BackendRequest,
  BackendUnavailableError,
  type SelectedBackend,
  backendRecord,
  selectBackend
} from "./backend/backend.ts"
export {
  type TokenBatch,
  type TokenStream,
  ValidationTooLargeError,
  documentSeparator,
  sampleWindows,
  sequencesPerStep,
  tokenizeDocuments,
  validationWindows
} from "./data/batches.ts"
export { type BpeMerges, trainBpe } from "./tokenizer/bpeTraining.ts"
export { bpeMerges } from "./tokenizer/bpeCache.ts"
export { bpeTokenizer } from "./tokenizer/bpeTokenizer.ts"
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
} from "./eval/cloze.ts"
export { type CorpusSplit, InvalidSplitError, loadCorpus, runCorpus, splitDocuments } from "./data/corpus.ts"
export type { CorpusDocument } from "./data/corpusDocument.ts"
export { CorpusFileChangedError, CorpusFileUnreadableError } from "./data/fileCorpus.ts"
export {
  type MarkovChain,
  MarkovMixingError,
  markovChain,
  markovDocumentEntropy,
  markovDocuments,
  markovEntropyRate
} from "./data/markovSource.ts"
export {
  type AttentionMask,
  type EmbeddingLookup,
  type ModelConstants,
  type ModelOptions,
  attentionMask,
  batchLoss,
  causalMask,
  disposeConstants,
  documentMask,
  logits,
  modelConstants
} from "./model/model.ts"
export { type AdamWSettings, type AdamWState, adamWUpdate, disposeAdamWState, initialAdamWState } from "./optim/optimizer.ts"
export { type ParameterLayout, type Weights, decays, flattenWeights, initialParameters, parameterLayout, weightTensors } from "./model/parameters.ts"
export { type ScheduleSettings, learningRateAt } from "./optim/schedule.ts"
export {
  type TextTokenizer,
  type TokenArray,
  byteTokenizer,
  byteVocabSize,
  bytesPerToken,
  decodeBytes,
  encodeBytes
} from "./tokenizer/tokenizer.ts"
export {
  type CorpusFacts,
  CorpusTooSmallError,
  type DataOptions,
  type TrainingData,
  VocabularyMismatchError,
  type StreamSettings,
  type TokenStreams,
  corpusFacts,
  experimentStreamSettings,
  prepareTrainingData,
  runStreamSettings,
  tokenStreams,
  trainingBatch
} from "./data/trainingData.ts"
export { type CheckpointStore, type TrainOutcome, type TrainRunOptions, evaluateLoss, trainRun, trainingStep } from "./run/trainRun.ts"
export {
  type Checkpoint,
  type CheckpointMeta,
  CorruptCheckpointError,
  checkpointFile,
  InitialWeightsMismatchError,
  loadCheckpoint,
  MissingInitialWeightsError,
  saveCheckpoint
} from "./run/checkpoint.ts"
export {
  InvalidRunSpecError,
  RunFolderWriteError,
  appendMetric,
  metricsFile,
  readRunSpec,
  readRunSpecFile,
  resultFile,
  runSpecFile,
  truncateMetricsAfter,
  writeResult
} from "./run/runFolder.ts"
