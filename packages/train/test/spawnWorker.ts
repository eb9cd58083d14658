// The built-in trainer's worker as a child process, as the runner starts it: its exit code and stderr.
import { execFile } from "node:child_process"
import { join } from "node:path"
import { promisify } from "node:util"

const run = promisify(execFile)

/** The worker's entry point, and the folder to start it in (its package, so that tsx finds its imports). */
export const worker = join(import.meta.dirname, "..", "src", "run", "worker.ts")

export const spawnWorker = (runDir: string): Promise<{ readonly code: number; readonly stderr: string }> =>
  run(process.execPath, ["--import", "tsx", worker, runDir], { cwd: join(import.meta.dirname, "..") }).then(
    (out) => ({ code: 0, stderr: out.stderr }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr })
  )
