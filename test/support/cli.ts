import { expect } from "vitest"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

export const cliEntry = fileURLToPath(new URL("../../packages/cli/bin/scalelab.js", import.meta.url))

export interface CliOutcome {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** A `scalelab` process under way: its output so far, and its outcome once it exits. */
export interface RunningCli {
  readonly child: ChildProcess
  /** stdout so far. */
  readonly stdout: () => string
  readonly done: Promise<CliOutcome>
  /** Resolves once a line of stdout satisfies `test`; rejects if the process exits first. */
  readonly waitForLine: (test: (line: string) => boolean) => Promise<string>
}

/** Starts the real `scalelab` command as a user would, in `cwd`, with extra environment variables. */
export const startCli = (args: ReadonlyArray<string>, cwd: string, extraEnv: Readonly<Record<string, string>> = {}): RunningCli => {
  // Not as a pnpm script: the CLI must not move to pnpm's INIT_CWD.
  const env = { ...process.env, npm_lifecycle_event: "", NO_COLOR: "1", ...extraEnv }
  const child = spawn(process.execPath, [cliEntry, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  const watchers: Array<() => void> = []
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString()
    for (const watcher of [...watchers]) watcher()
  })
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
  const done = new Promise<CliOutcome>((resolve, reject) => {
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })
  const waitForLine = (test: (line: string) => boolean) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = stdout.split("\n").slice(0, -1).find(test)
        if (found === undefined) return
        watchers.splice(watchers.indexOf(check), 1)
        resolve(found)
      }
      watchers.push(check)
      check()
      void done.then((outcome) => reject(new Error(`scalelab exited (${outcome.code}) before the line awaited:\n${outcome.stdout}\n${outcome.stderr}`)))
    })
  return { child, stdout: () => stdout, done, waitForLine }
}

/** Runs the real `scalelab` command as a user would, in `cwd`. */
export const runCli = (args: ReadonlyArray<string>, cwd: string, extraEnv: Readonly<Record<string, string>> = {}): Promise<CliOutcome> =>
  startCli(args, cwd, extraEnv).done

/** Every file below `dir`, as relative paths: to show that a command wrote nothing. */
export const listFiles = async (dir: string): Promise<ReadonlyArray<string>> => {
  const { readdir } = await import("node:fs/promises")
  const entries = await readdir(dir, { recursive: true })
  return entries.sort()
}

/** The outcomes of several commands run side by side, by name. */
export class CliBatch {
  private constructor(private readonly outcomes: ReadonlyMap<string, CliOutcome>) {}

  /** Each CLI process costs seconds to start: run the commands concurrently. */
  static async run(commands: Readonly<Record<string, ReadonlyArray<string>>>, cwd: string): Promise<CliBatch> {
    const entries = await Promise.all(Object.entries(commands).map(async ([name, args]) => [name, await runCli(args, cwd)] as const))
    return new CliBatch(new Map(entries))
  }

  outcome(name: string): CliOutcome {
    const result = this.outcomes.get(name)
    if (result === undefined) throw new Error(`no outcome for ${name}`)
    return result
  }

  /** The JSON a command printed, after checking it succeeded without a word on stderr. */
  json(name: string): any {
    const result = this.outcome(name)
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    return JSON.parse(result.stdout)
  }
}
