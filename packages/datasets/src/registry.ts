// The public results tables scalelab knows by name. Each is pinned to one commit of its source
// repository and one sha256, so a name always means the same bytes; the files are not copied into
// this repository, whose licence their authors have not granted, but fetched from their source.

/** A results table published elsewhere, pinned to the exact bytes scalelab was checked against. */
export interface Dataset {
  /** What specs and commands call it (`sweep.dataset`, `scalelab data fetch NAME`). */
  readonly name: string
  readonly description: string
  /** The source repository, as a browser opens it. */
  readonly repository: string
  /** The file's path in the repository. */
  readonly path: string
  /** The commit the file is read at. */
  readonly commit: string
  /** The file's name in the cache and in a mirror folder. */
  readonly fileName: string
  /** sha256 of the file at `commit`, in hex. */
  readonly sha256: string
  /** Where the file is downloaded from: the raw file at `commit`. */
  readonly url: string
  /** The terms the file comes under, as its source states them (or that it states none). */
  readonly licence: string
  /** What to cite when using it. */
  readonly citation: string
}

export const DATASETS = [
  {
    name: "chinchilla-epoch",
    description: "The Chinchilla runs (Hoffmann et al. 2022, Figure 4) as Epoch AI extracted them: 245 rows of " +
      "model size N (`Model Size`), training FLOPs C (`Training FLOP`) and final loss (`loss`); no token column (D = C/6N).",
    repository: "https://github.com/epoch-research/analyzing-chinchilla",
    path: "data/svg_extracted_data.csv",
    commit: "92258837425e1b5f2851d624287f0120583a3d0e",
    fileName: "svg_extracted_data.csv",
    sha256: "193478df4e90f040016431996c45682659306840ecdadf83cfb9cd5ca0aa1b30",
    url: "https://raw.githubusercontent.com/epoch-research/analyzing-chinchilla/" +
      "92258837425e1b5f2851d624287f0120583a3d0e/data/svg_extracted_data.csv",
    licence: "none stated: the repository has no licence file and its README names none; it is not redistributed " +
      "here, and any use should cite the source",
    citation: "Besiroglu, Erdil, Barnett & You (2024), \"Chinchilla Scaling: A replication attempt\", arXiv:2404.10102; " +
      "Hoffmann et al. (2022), \"Training Compute-Optimal Large Language Models\", arXiv:2203.15556"
  }
] as const satisfies ReadonlyArray<Dataset>

export type DatasetName = (typeof DATASETS)[number]["name"]

/** Every dataset's name, in the registry's order. */
export const DATASET_NAMES: ReadonlyArray<DatasetName> = DATASETS.map((dataset) => dataset.name)

export const datasetByName = (name: string): Dataset | undefined => DATASETS.find((dataset) => dataset.name === name)
