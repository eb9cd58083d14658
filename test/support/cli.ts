import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

export const cliEntry = fileURLToPath(new URL("../../packages/cli/bin/scalelab.js", import.meta.url))

export interface CliOutcome {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the real `scalelab` command as a user would, in `cwd`. */
export const runCli = (args: ReadonlyArray<string>, cwd: string): Promise<CliOutcome> =>
  new Promise((resolve, reject) => {
    // Not as a pnpm script: the CLI must not move to pnpm's INIT_CWD.
    const env = { ...process.env, npm_lifecycle_event: "", NO_COLOR: "1" }
    const child = spawn(process.execPath, [cliEntry, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

/** Every file below `dir`, as relative paths: to show that a command wrote nothing. */
export const listFiles = async (dir: string): Promise<ReadonlyArray<string>> => {
  const { readdir } = await import("node:fs/promises")
  const entries = await readdir(dir, { recursive: true })
  return entries.sort()
}
