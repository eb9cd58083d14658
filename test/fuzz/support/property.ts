// Seeded property checks for the fuzz suite. A failure names the seed and fast-check's
// counterexample path, and the command that replays exactly that case.
import fc from "fast-check"

const DEFAULT_SEED = 20_261_206

const envNumber = (name: string): number | undefined => {
  const text = process.env[name]
  if (text === undefined || text.trim() === "") return undefined
  const value = Number(text)
  if (!Number.isFinite(value)) throw new Error(`${name}=${text}: expected a number`)
  return value
}

/** SCALELAB_FUZZ_SEED, else a fixed seed: every CI run checks the same cases unless told otherwise. */
export const fuzzSeed: number = envNumber("SCALELAB_FUZZ_SEED") ?? DEFAULT_SEED

/** SCALELAB_FUZZ_SCALE multiplies every property's case count, for longer hunts than CI affords. */
const scale: number = envNumber("SCALELAB_FUZZ_SCALE") ?? 1

/** A test's time limit for `ms` at the default case counts, grown with SCALELAB_FUZZ_SCALE. */
export const fuzzTimeout = (ms: number): number => Math.round(ms * Math.max(1, scale))

/** SCALELAB_FUZZ_PATH replays one counterexample (with its seed) instead of a whole run. */
const replayPath: string | undefined = process.env.SCALELAB_FUZZ_PATH

/**
 * Checks `property` on `runs` generated cases (times SCALELAB_FUZZ_SCALE). On failure the error
 * carries fast-check's report (counterexample, shrunk) and the environment that replays it.
 */
export const checkProperty = async <T>(
  testFile: string,
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => void | Promise<void>,
  runs: number
): Promise<void> => {
  const property = fc.asyncProperty(arbitrary, async (value) => {
    await predicate(value)
  })
  const details = await fc.check(property, {
    seed: fuzzSeed,
    numRuns: Math.max(1, Math.round(runs * scale)),
    ...(replayPath === undefined ? {} : { path: replayPath, endOnFailure: true })
  })
  if (!details.failed) return
  const replay = `SCALELAB_FUZZ_SEED=${details.seed} SCALELAB_FUZZ_PATH=${details.counterexamplePath ?? ""} ` +
    `pnpm vitest run ${testFile}`
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)
  throw new Error(`${fc.defaultReportMessage(details) ?? "property failed"}\nGot: ${error}\n\nreplay with: ${replay}`)
}

/** A line of a JavaScript stack trace, which must never reach a user. */
export const stackTraceLine = /^ {4}at /m

/** Milliseconds `run` took, and its value. */
export const timed = <A>(run: () => A): { readonly value: A; readonly ms: number } => {
  const start = performance.now()
  const value = run()
  return { value, ms: performance.now() - start }
}
