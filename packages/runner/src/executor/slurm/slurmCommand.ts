// Slurm is driven through its command-line tools (sbatch, squeue, scontrol, sacct, scancel): they
// are the interface every cluster has, whatever its version and authentication.
import { Data, Effect, Stream } from "effect"
import { ChildProcess, type ChildProcessSpawner, CommandLine } from "effect/process"

/** What a user can do about a failed Slurm command, judged from what it printed. */
const adviceFor = (detail: string): string => {
  if (/ENOENT|not found/i.test(detail)) {
    return "Slurm's commands are not on PATH: run scalelab where `sbatch` works (a cluster's login node); " +
      "for a single-node test cluster run scripts/slurm/install.sh, then `eval \"$(scripts/slurm/start.sh)\"`"
  }
  if (/configuration source|fetch_config|slurm\.conf/i.test(detail)) {
    return "Slurm found no configuration: set SLURM_CONF to the cluster's slurm.conf " +
      "(scripts/slurm/start.sh prints it for the single-node test cluster)"
  }
  if (/contact slurm controller|Connection refused|timed out|Zero Bytes|munge/i.test(detail)) {
    return "the Slurm controller did not answer: check that `sinfo` works and that slurmctld and munged are running"
  }
  return "check `sinfo`, and execution.slurm in the spec (partition, time, gpus, memory, sbatch_flags)"
}

/** A Slurm command could not be run, or it exited non-zero. */
export class SlurmCommandFailed extends Data.TaggedError("SlurmCommandFailed")<{
  readonly commandLine: string
  /** What it wrote to stderr, or why it could not start. */
  readonly detail: string
}> {
  override get message() {
    return `\`${this.commandLine}\` failed: ${this.detail}. ${adviceFor(this.detail)}`
  }
}

export type RunSlurmCommand = (program: string, args: ReadonlyArray<string>) => Effect.Effect<string, SlurmCommandFailed>

const collectText = <E>(bytes: Stream.Stream<Uint8Array, E>): Effect.Effect<string, E> =>
  Stream.mkString(Stream.decodeText(bytes))

/** Runs a Slurm command to its end and returns what it printed on stdout. */
export const slurmCommandRunner = (spawner: ChildProcessSpawner.ChildProcessSpawner["Service"]): RunSlurmCommand =>
  (program, args) => {
    const commandLine = CommandLine.display([program, ...args])
    const failed = (detail: string) => new SlurmCommandFailed({ commandLine, detail })
    return Effect.scoped(Effect.gen(function*() {
      const handle = yield* spawner.spawn(ChildProcess.make(program, args, { stdin: "ignore" }))
      const [stdout, stderr, exitCode] = yield* Effect.all(
        [collectText(handle.stdout), collectText(handle.stderr), handle.exitCode],
        { concurrency: "unbounded" }
      )
      if (exitCode !== 0) return yield* failed(stderr.trim().replaceAll("\n", " / ") || `exit code ${exitCode}`)
      return stdout
    })).pipe(Effect.catchTag("PlatformError", (error) => Effect.fail(failed(error.message))))
  }
