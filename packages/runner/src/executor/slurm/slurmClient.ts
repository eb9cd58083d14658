// The Slurm operations a run needs, each one command whose output is parsed here.
import { Effect, Option } from "effect"
import { type RunSlurmCommand, SlurmCommandFailed } from "./slurmCommand.ts"

/** A job still in Slurm's queue: pending, running, completing, suspended... */
export interface QueuedJob {
  /** Slurm's state name, e.g. PENDING or RUNNING. */
  readonly state: string
  readonly name: string
}

/** How a job that left the queue ended, as Slurm recorded it. */
export interface JobEnd {
  /** Slurm's state name, e.g. COMPLETED, FAILED, CANCELLED, TIMEOUT. */
  readonly state: string
  /** The batch script's exit code. */
  readonly exitCode: number
  /** The signal that ended it; 0 when none did. */
  readonly signal: number
  /** Slurm's reason for the state (e.g. JobLaunchFailure), when scontrol still knows the job. */
  readonly reason?: string
}

export interface SlurmClient {
  /** Submits a batch job (`sbatch --parsable ARGS`) and returns its id. */
  readonly submit: (args: ReadonlyArray<string>) => Effect.Effect<string, SlurmCommandFailed>
  /** The jobs among `ids` still in the queue, by id; jobs that have ended are absent. */
  readonly queued: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, QueuedJob>, SlurmCommandFailed>
  /** How a job ended; none when Slurm no longer knows it. */
  readonly jobEnd: (id: string) => Effect.Effect<Option.Option<JobEnd>>
  /** Cancels a job: Slurm sends its processes SIGTERM, and SIGKILL after its KillWait. */
  readonly cancel: (id: string) => Effect.Effect<void, SlurmCommandFailed>
}

// squeue and scontrol say this of a job the controller has forgotten (it ended more than
// MinJobAge ago), which for squeue just means that it is not queued.
const unknownJob = /Invalid job id/i

const parseJobId = (output: string): Option.Option<string> => {
  // `--parsable` prints `ID` or `ID;CLUSTER`.
  const id = output.trim().split(";")[0] ?? ""
  return /^\d+$/.test(id) ? Option.some(id) : Option.none()
}

const parseQueue = (output: string): ReadonlyMap<string, QueuedJob> => {
  const jobs = new Map<string, QueuedJob>()
  for (const line of output.split("\n")) {
    const [id, state, ...name] = line.trim().split("|")
    if (id === undefined || state === undefined || id === "") continue
    jobs.set(id, { state, name: name.join("|") })
  }
  return jobs
}

const exitCodeOf = (field: string): { readonly exitCode: number; readonly signal: number } => {
  const [code = "0", signal = "0"] = field.split(":")
  return { exitCode: Number(code), signal: Number(signal) }
}

// `scontrol show job -o ID`: one line of Key=Value fields.
const parseScontrol = (output: string): Option.Option<JobEnd> => {
  const state = /\bJobState=(\S+)/.exec(output)?.[1]
  const exit = /\bExitCode=(\d+:\d+)/.exec(output)?.[1]
  const reason = /\bReason=(\S+)/.exec(output)?.[1]
  if (state === undefined || exit === undefined) return Option.none()
  return Option.some({ state, ...exitCodeOf(exit), ...(reason === undefined || reason === "None" ? {} : { reason }) })
}

// `sacct -n -P -o State,ExitCode`: one line per record, e.g. `CANCELLED by 0|0:15`. A reused job
// id (a cluster whose state was reset) has several: the last is the newest.
const parseSacct = (output: string): Option.Option<JobEnd> => {
  const last = output.trim().split("\n").filter((line) => line.includes("|")).at(-1)
  if (last === undefined) return Option.none()
  const [state = "", exit = "0:0"] = last.split("|")
  return Option.some({ state: state.split(" ")[0] ?? state, ...exitCodeOf(exit) })
}

export const makeSlurmClient = (run: RunSlurmCommand): SlurmClient => {
  const submit = (args: ReadonlyArray<string>) =>
    run("sbatch", ["--parsable", ...args]).pipe(
      Effect.flatMap((output) =>
        Option.match(parseJobId(output), {
          onSome: Effect.succeed,
          onNone: () =>
            Effect.fail(new SlurmCommandFailed({ commandLine: "sbatch --parsable", detail: `printed "${output.trim()}", not a job id` }))
        })
      )
    )

  const queued = (ids: ReadonlyArray<string>) =>
    run("squeue", ["--noheader", "--jobs", ids.join(","), "--format", "%i|%T|%j"]).pipe(
      Effect.map(parseQueue),
      Effect.catchIf((error) => unknownJob.test(error.detail), () => Effect.succeed(new Map<string, QueuedJob>()))
    )

  // The controller keeps an ended job for MinJobAge (5 minutes by default); after that only
  // accounting knows it: the database when the cluster has one, else the job completion file.
  const jobEnd = (id: string) => {
    const ask = (program: string, args: ReadonlyArray<string>, parse: (output: string) => Option.Option<JobEnd>) =>
      run(program, args).pipe(Effect.map(parse), Effect.orElseSucceed(Option.none<JobEnd>))
    const sacctArguments = ["--jobs", id, "--noheader", "--parsable2", "--allocations", "--format", "State,ExitCode"]
    const sources = [
      ask("scontrol", ["show", "job", "--oneliner", id], parseScontrol),
      ask("sacct", sacctArguments, parseSacct),
      ask("sacct", ["--completion", ...sacctArguments], parseSacct)
    ]
    return Effect.gen(function*() {
      for (const source of sources) {
        const found = yield* source
        if (Option.isSome(found)) return found
      }
      return Option.none<JobEnd>()
    })
  }

  const cancel = (id: string) => Effect.asVoid(run("scancel", [id]))

  return { submit, queued, jobEnd, cancel }
}
