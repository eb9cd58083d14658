// A scratch folder holding one of each input a command takes (a trainable spec, a table spec, a
// results table, a broken spec), and a way to run the real `scalelab` command tree on argument
// vectors inside this process, with its output captured.
import { NodeServices } from "@effect/platform-node"
import { Cause, Effect, Exit, Runtime } from "effect"
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { formatWithOptions } from "node:util"
import { runScalelab } from "../../../packages/cli/src/scalelab.ts"

/** A Chinchilla-shaped sweep: three budgets, five sizes each, losses from the published law. */
const resultsCsv = (): string => {
  const rows = [1e17, 1e18, 1e19].flatMap((budget) =>
    [0.25, 0.5, 1, 2, 4].map((shift) => {
      const params = shift * 0.6 * Math.sqrt(budget / 6) / 4.5
      const tokens = budget / (6 * params)
      const loss = 1.69 + 406.4 / params ** 0.34 + 410.7 / tokens ** 0.28
      return `${params.toPrecision(6)},${tokens.toPrecision(6)},${loss.toFixed(5)},${budget}`
    }))
  return `params,tokens,loss,budget\n${rows.join("\n")}\n`
}

export const WORKSPACE_FILES: Readonly<Record<string, string>> = {
  "spec.yaml": "name: fuzz-spec\nsweep: { budgets: [1e9, 1e10], sizes_per_budget: 3 }\n",
  "table.yaml": "name: fuzz-table\nsweep: { kind: table, file: runs.csv }\n",
  "bad.yaml": "name: fuzz-bad\ntraining: { lr: 1e-2 * (N / 1e4)^-0.25, schedule: cosin }\n",
  "runs.csv": resultsCsv(),
  "law.yaml": "expression: E + A / params^alpha\nparameters: { E: { start: [1, 2] }, A: { start: [100, 500] }, alpha: { start: [0.2, 0.5] } }\n"
}

/** A fresh scratch folder with the workspace's files. */
export const makeWorkspace = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "scalelab-fuzz-cli-"))
  for (const [name, text] of Object.entries(WORKSPACE_FILES)) writeFileSync(join(dir, name), text)
  return dir
}

/** Every path below `dir` (folders end in `/`), sorted. */
export const filesIn = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((entry) => `${join(entry.parentPath, entry.name).slice(dir.length + 1)}${entry.isDirectory() ? "/" : ""}`)
    .sort()

/** Puts `dir` back to the workspace's files alone. */
export const resetWorkspace = (dir: string): void => {
  for (const name of readdirSync(dir)) {
    if (!(name in WORKSPACE_FILES)) rmSync(join(dir, name), { recursive: true, force: true })
  }
  for (const [name, text] of Object.entries(WORKSPACE_FILES)) writeFileSync(join(dir, name), text)
}

export interface InProcessOutcome {
  readonly code: number
  /** stdout and stderr together, as a terminal shows them. */
  readonly output: string
  readonly ms: number
}

/**
 * Runs `scalelab ...args` in this process with `cwd` as the working folder: the exit code the
 * process would end with, and everything it printed.
 */
export const runInProcess = async (args: ReadonlyArray<string>, cwd: string): Promise<InProcessOutcome> => {
  const previousCwd = process.cwd()
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write }
  // The test runner wraps console itself, so its methods are captured as well as the streams.
  const consoleMethods = ["log", "error", "warn", "info", "debug"] as const
  const consoleWrites = consoleMethods.map((name) => [name, console[name]] as const)
  let output = ""
  const capture = ((chunk: string | Uint8Array) => {
    output += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString()
    return true
  }) as typeof process.stdout.write
  const started = performance.now()
  process.chdir(cwd)
  process.stdout.write = capture
  process.stderr.write = capture
  for (const name of consoleMethods) console[name] = (...parts: ReadonlyArray<unknown>) => void capture(`${formatWithOptions({}, ...parts)}\n`)
  try {
    const exit = await Effect.runPromiseExit(runScalelab(args).pipe(Effect.provide(NodeServices.layer)))
    const code = Exit.isSuccess(exit) ? 0 : Runtime.getErrorExitCode(Cause.squash(exit.cause))
    return { code, output, ms: performance.now() - started }
  } finally {
    process.stdout.write = writes.stdout
    process.stderr.write = writes.stderr
    for (const [name, write] of consoleWrites) console[name] = write
    process.chdir(previousCwd)
  }
}

