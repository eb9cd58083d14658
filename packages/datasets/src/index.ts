export { type Dataset, type DatasetName, DATASET_NAMES, DATASETS, datasetByName } from "./registry.ts"
export {
  cachedDatasetFile,
  DatasetCacheError,
  DatasetChecksumError,
  DatasetDownloadError,
  type DatasetError,
  datasetFile,
  type DatasetLocations,
  datasetLocations,
  DatasetMirrorError,
  datasetPath,
  datasetUrl,
  fetchDataset,
  type FetchedDataset,
  findDataset,
  isCached,
  MIRROR_VARIABLE,
  UnknownDatasetError,
  URL_BASE_VARIABLE
} from "./fetch.ts"
