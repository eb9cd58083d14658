// Runs a TypeScript entry point of this package in its own Node process and collects what it
// printed. Backends that open a WebGPU device keep a process alive until it exits explicitly, so
// tests select backends in children that do, never in the test process.
import { execFile } from "node:child_process"
import { join } from "node:path"

export interface ScriptRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const packageRoot = join(import.meta.dirname, "..")

export function runNodeScript(script: string, args: ReadonlyArray<string>): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", join(packageRoot, script), ...args],
      { cwd: packageRoot, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") reject(error)
        else resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr })
      }
    )
  })
}

/**
 * The JSON objects a script printed one per line. Dawn and tfjs also print notices on stdout;
 * lines that are not JSON objects are skipped.
 */
export function jsonLines<T>(stdout: string): Array<T> {
  return stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as T)
}
