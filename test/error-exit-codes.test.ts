// Bad input is known by the marker its error class carries (`[Runtime.errorExitCode] = 2`), never by
// the class's name: the CLI exits 2 on it and the worker exits 2, which the runner does not retry.
// These tests fail when a bad-input class loses its marker, when one of our own failures gains it,
// and when a new error class is declared without being sorted into one or the other here.
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Cause, Effect, Exit, Runtime } from "effect"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { BacktestNotPossible, ImpossibleLossForecast } from "../packages/analysis/src/index.ts"
import { EXIT_FAILURE, reportFailures } from "../packages/cli/src/failure.ts"
import { DatasetDownloadError, DatasetMirrorError, UnknownDatasetError } from "../packages/datasets/src/index.ts"
import { LawInputError } from "../packages/laws/src/index.ts"
import { PlanError } from "../packages/planner/src/index.ts"
import { RunFolderError, StoreBusy, SweepInputError } from "../packages/runner/src/index.ts"
import { ExpressionError, SpecError } from "../packages/spec/src/index.ts"
import { attempt, EXIT_BAD_INPUT, SweepIncomplete, UserInputError } from "../packages/sweep/src/index.ts"
import {
  BackendUnavailableError,
  ClozeTextTooSmallError,
  CorpusFileChangedError,
  CorpusFileUnreadableError,
  CorpusTooSmallError,
  CorruptCheckpointError,
  InvalidRunSpecError,
  InitialWeightsMismatchError,
  InvalidSplitError,
  MarkovMixingError,
  MissingInitialWeightsError,
  RunFolderWriteError,
  ValidationTooLargeError,
  VocabularyMismatchError
} from "../packages/train/src/index.ts"

/** One instance of every bad-input error class of every package. */
const badInput: ReadonlyArray<Error> = [
  new UserInputError({ message: "--compute must be positive" }),
  new BacktestNotPossible({ message: "the cutoff leaves one budget" }),
  new SpecError({ issues: [{ file: "spec.yaml", line: 3, column: 5, message: "expected a number" }] }),
  new ExpressionError({ source: "1e", message: "`1e`: cannot parse" }),
  new PlanError({ message: "budget 1e15 cannot pay for its runs" }),
  new LawInputError("3 points, the fit needs 4"),
  new UnknownDatasetError({ name: "nope" }),
  new DatasetMirrorError({ dataset: "tiny", file: "tiny.txt", reason: "missing" }),
  new SweepInputError({ experiment: "a", runId: "r1", runExperiment: "b" }),
  new InvalidRunSpecError({ file: "run.json", problem: "tokens: expected a number" }),
  new VocabularyMismatchError({ vocab: 300, tokenizer: "bytes" }),
  new CorpusTooSmallError({ tokens: 10, context: 64 }),
  new ValidationTooLargeError({ requested: 1000, available: 10 }),
  new ClozeTextTooSmallError({ items: 10, choices: 4, spans: 2 }),
  new CorruptCheckpointError({ file: "checkpoint.bin", problem: "truncated" }),
  new MissingInitialWeightsError({ run: "probe", base: "base", file: "runs/base/final.bin" }),
  new InitialWeightsMismatchError({ run: "probe", file: "runs/base/final.bin", problem: "it ended after 10 steps, not 12" }),
  new CorpusFileChangedError({ path: "corpus.txt", planned: "aa", found: "bb" }),
  new CorpusFileUnreadableError({ path: "corpus.txt", reason: "ENOENT" }),
  new InvalidSplitError({ validation: 1, documents: 1 }),
  new MarkovMixingError({ iterations: 10_000 })
]

/** Some of our own failures, or a run's: no marker, exit 1. */
const ourFailures: ReadonlyArray<Error> = [
  new SweepIncomplete({ failed: ["r1"], storeDir: ".scalelab" }),
  // A fitted law that forecasts a loss below its own floor: the fit failed, not the request.
  new ImpossibleLossForecast({ message: "forecasts loss 1.6 below its irreducible loss 1.7" }),
  new StoreBusy({ storeDir: ".scalelab", pid: 42 }),
  new RunFolderError({ path: "runs/r1", cause: new Error("ENOSPC") }),
  new RunFolderWriteError({ file: "result.json", cause: new Error("EACCES") }),
  new BackendUnavailableError({ requested: "wasm", attempts: [] }),
  new DatasetDownloadError({ dataset: "tiny", fileName: "tiny.txt", url: "https://example.invalid", reason: "timeout" })
]

/**
 * Every other error class declared in the packages, by name: ours to fix or a run's to retry
 * (exit 1), or answered as an HTTP status by the dashboard and never an exit code.
 */
const notBadInput: ReadonlySet<string> = new Set([
  "ExitWith", "ThroughputProbeFailed", "EstimateUnavailable", "ThroughputCacheError", "ReportWriteError",
  "RunFailed", "StoreError", "ResultUnreadable", "MetricsProblem", "JobFileError", "SlurmCommandFailed",
  "DatasetCacheError", "DatasetChecksumError", "PlotRenderError",
  "BadRequest", "NotFound", "AssetMissing",
  ...ourFailures.map((error) => error.constructor.name)
])

const packagesFolder = join(import.meta.dirname, "..", "packages")

/** The names of the error classes declared in the packages' sources. */
const declaredErrorClasses = (): ReadonlyArray<string> =>
  readdirSync(packagesFolder).flatMap((pkg) => {
    const src = join(packagesFolder, pkg, "src")
    const files = readdirSync(src, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
    return files.flatMap((file) =>
      [...readFileSync(join(src, file), "utf8").matchAll(/class (\w+) extends (?:Data\.TaggedError|Schema\.TaggedError|Error\b)/g)]
        .map((match) => match[1] as string))
  })

const exitCodeOfCli = async (error: Error): Promise<number> => {
  const exit = await Effect.runPromiseExit(reportFailures(Effect.fail(error)))
  return Exit.isFailure(exit) ? Runtime.getErrorExitCode(Cause.squash(exit.cause)) : 0
}

describe("the exit code an error carries", () => {
  // reportFailures prints each message; the tests read the exit code alone.
  beforeEach(() => {
    vi.spyOn(console, "error").mockImplementation(() => undefined)
  })
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it.each(badInput.map((error) => [error.constructor.name, error] as const))("%s is marked bad input", (_, error) => {
    expect(Runtime.getErrorExitCode(error)).toBe(EXIT_BAD_INPUT)
  })

  it.each(ourFailures.map((error) => [error.constructor.name, error] as const))("%s is not bad input", (_, error) => {
    expect(Runtime.getErrorExitCode(error)).toBe(EXIT_FAILURE)
  })

  it("every error class declared in the packages is sorted into bad input or not", () => {
    const sorted = new Set([...badInput.map((error) => error.constructor.name), ...notBadInput])
    const declared = declaredErrorClasses()
    expect(declared.length).toBeGreaterThan(30)
    expect(declared.filter((name) => !sorted.has(name))).toEqual([])
  })

  it("the CLI exits 2 on every bad-input error and 1 on our failures", async () => {
    for (const error of badInput) expect([error.constructor.name, await exitCodeOfCli(error)]).toEqual([error.constructor.name, 2])
    for (const error of ourFailures) expect([error.constructor.name, await exitCodeOfCli(error)]).toEqual([error.constructor.name, 1])
  })

  it("a marked error thrown by pure code is the user's input; anything else thrown is a defect", async () => {
    for (const error of [new LawInputError("3 points, the fit needs 4"), new PlanError({ message: "no runs fit" })]) {
      const exit = await Effect.runPromiseExit(attempt(() => { throw error }))
      const failure = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      expect(failure).toBeInstanceOf(UserInputError)
      expect(failure).toMatchObject({ message: error.message })
    }
    const exit = await Effect.runPromiseExit(attempt(() => { throw new TypeError("undefined is not a function") }))
    expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause) && !Cause.hasFails(exit.cause)).toBe(true)
  })
})
