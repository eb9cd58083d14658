// The sbatch command line of a run's job, from the spec's `execution.slurm`.

/** What each run's job asks of Slurm: the spec's `execution.slurm` (SlurmSettings) fits. */
export interface SlurmJobOptions {
  /** Empty: the cluster's default partition. */
  readonly partition: string
  /** Time limit as Slurm writes it, e.g. `02:00:00`; empty: the partition's. */
  readonly time: string
  readonly gpus: number
  readonly cpus_per_task: number
  /** e.g. `8G`; empty: the partition's default. */
  readonly memory: string
  /** Further sbatch options, passed as they are. */
  readonly sbatch_flags: ReadonlyArray<string>
  /** Seconds between squeue polls. */
  readonly poll_seconds: number
}

// sbatch reads `%j`, `%x`... in file names as patterns; `%%` is a literal `%`.
const literalFileName = (path: string): string => path.replaceAll("%", "%%")

const optional = (flag: string, value: string): ReadonlyArray<string> => value.trim() === "" ? [] : [flag, value.trim()]

/**
 * The job starts in `workingDir` (shared with the nodes, like the store): the coordinator's own
 * working directory for the built-in worker, the spec's folder for an external command, so that
 * paths in the worker's command line mean what they mean for a local worker.
 */
export const sbatchArguments = (options: {
  readonly slurm: SlurmJobOptions
  readonly jobName: string
  readonly workingDir: string
  readonly logFile: string
  readonly scriptPath: string
}): ReadonlyArray<string> => [
  "--job-name",
  options.jobName,
  "--output",
  literalFileName(options.logFile),
  // The log keeps every attempt's output, as the local executor's does.
  "--open-mode=append",
  "--chdir",
  options.workingDir,
  ...optional("--partition", options.slurm.partition),
  ...optional("--time", options.slurm.time),
  ...(options.slurm.gpus > 0 ? ["--gpus", String(options.slurm.gpus)] : []),
  "--cpus-per-task",
  String(options.slurm.cpus_per_task),
  ...optional("--mem", options.slurm.memory),
  ...options.slurm.sbatch_flags,
  options.scriptPath
]
