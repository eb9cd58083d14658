// Property: whatever arguments a command gets, it exits 0 or 2, prints no stack trace, says
// something when it refuses, rejects a number outside a flag's range rather than using it, and
// writes nothing (but the report a successful `report` is documented to write). Most cases run
// the real command tree in this process (milliseconds each); a small sample spawns the real
// binary (seconds each) to check what only a process shows: its exit status and stray output.
import { spawn } from "node:child_process"
import { rmSync } from "node:fs"
import fc from "fast-check"
import { afterAll, beforeEach, describe, expect, it } from "vitest"
import { cliEntry } from "../support/cli.ts"
import { numberText } from "./support/generators.ts"
import { checkProperty, fuzzSeed, fuzzTimeout, stackTraceLine } from "./support/property.ts"
import { filesIn, makeWorkspace, resetWorkspace, runInProcess } from "./support/workspace.ts"

const THIS_FILE = "test/fuzz/cli-flags.test.ts"
const CASE_MS = 20_000
const SPAWNED_CASES = 6

/** What a numeric flag accepts; a value outside it must be refused (exit 2), not used. */
type Range = (value: number) => boolean
const count: Range = (value) => Number.isInteger(value) && value >= 0
const positive: Range = (value) => Number.isFinite(value) && value > 0

interface FlagSpec {
  readonly values: fc.Arbitrary<string> | undefined
  readonly range?: Range
}

const paths = fc.constantFrom(
  "runs.csv", "table.yaml", "spec.yaml", "bad.yaml", "law.yaml", "missing.yaml", "missing.csv", "missing.jsonl", ".", "..", "/",
  "/dev/null", "/dev/null/x", "", " ", "sub/dir", "runs.csv/", "-", "--json", "spec.yaml\u0000", "é/ü.yaml"
)
const numbers = fc.oneof(numberText, fc.constantFrom("", "abc", "1,000", "1e22", "1e18", "3"))
/** --bootstrap in this process stays small: a large count is a long, uninterruptible computation here. */
const smallCounts = fc.oneof(fc.integer({ min: -10, max: 5 }).map(String), fc.constantFrom("", "abc", "1.5", "NaN", "1e400", "-0", "0x2", "99999999999999999999"))
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("", "=", "params=Model Size", "params=loss,loss=params", "a=b=c", ",", "cloze", "x".repeat(500)))

const choices = (...names: ReadonlyArray<string>) => fc.oneof(fc.constantFrom(...names), text)

const commonFlags = {
  json: { values: undefined },
  store: { values: paths }
} satisfies Record<string, FlagSpec>

const bootstrapFlags = {
  bootstrap: { values: smallCounts, range: count },
  seed: { values: smallCounts, range: count }
} satisfies Record<string, FlagSpec>

/** Each command's flags (from its --help) and the positional inputs it may get. */
const commands: Readonly<Record<string, { readonly flags: Readonly<Record<string, FlagSpec>>; readonly inputs: ReadonlyArray<string>; readonly weight: number }>> = {
  validate: { flags: {}, inputs: ["spec.yaml", "table.yaml", "bad.yaml", "runs.csv", "missing.yaml"], weight: 2 },
  schema: { flags: { markdown: { values: undefined } }, inputs: [], weight: 1 },
  plan: { flags: commonFlags, inputs: ["spec.yaml", "table.yaml", "bad.yaml", "runs.csv", "missing.yaml"], weight: 2 },
  // No trainable spec: run, backtest and ui would train or serve. These cases check their flags.
  run: {
    flags: {
      ...commonFlags,
      concurrency: { values: numbers, range: (value) => Number.isInteger(value) && value >= 1 },
      executor: { values: choices("local", "command", "slurm") },
      force: { values: undefined },
      rerun: { values: text },
      quiet: { values: undefined }
    },
    inputs: ["bad.yaml", "runs.csv", "missing.yaml"],
    weight: 1
  },
  runs: {
    flags: { ...commonFlags, status: { values: choices("planned", "running", "completed", "failed", "planned,failed", ",,") }, csv: { values: undefined } },
    inputs: ["spec.yaml", "table.yaml", "bad.yaml", "missing.yaml"],
    weight: 2
  },
  fit: {
    flags: {
      ...commonFlags,
      ...bootstrapFlags,
      method: { values: choices("isoflop", "parametric", "envelope", "law", "downstream", "isoflop", "isoflop") },
      map: { values: text },
      "law-file": { values: paths },
      task: { values: text },
      compute: { values: numbers, range: positive }
    },
    inputs: ["runs.csv", "table.yaml", "spec.yaml", "bad.yaml", "missing.csv", "law.yaml"],
    weight: 3
  },
  forecast: {
    flags: {
      ...commonFlags,
      ...bootstrapFlags,
      compute: { values: numbers, range: positive },
      params: { values: numbers, range: positive },
      tokens: { values: numbers, range: positive },
      from: { values: paths },
      law: { values: choices("chinchilla", "epoch-2024", "deepseek", "kaplan") },
      method: { values: choices("isoflop", "parametric") },
      map: { values: text }
    },
    inputs: [],
    weight: 3
  },
  report: {
    flags: { ...commonFlags, ...bootstrapFlags, out: { values: paths }, map: { values: text }, compute: { values: numbers, range: positive } },
    inputs: ["runs.csv", "bad.yaml", "missing.csv", "spec.yaml"],
    weight: 1
  },
  backtest: {
    flags: {
      ...commonFlags,
      ...bootstrapFlags,
      cutoff: { values: numbers, range: positive },
      "loss-law": { values: choices("parametric", "isoflop") },
      out: { values: paths },
      concurrency: { values: numbers, range: (value) => Number.isInteger(value) && value >= 1 },
      executor: { values: choices("local", "command", "slurm") },
      quiet: { values: undefined }
    },
    inputs: ["bad.yaml", "runs.csv", "missing.yaml"],
    weight: 1
  },
  laws: { flags: { json: { values: undefined } }, inputs: [], weight: 1 },
  ui: { flags: { store: { values: paths }, port: { values: numbers, range: (value) => Number.isInteger(value) && value >= 0 && value <= 65_535 } }, inputs: ["bad.yaml", "missing.yaml", "runs.csv"], weight: 1 }
}

/** One generated argument: a flag with its value, a bare word, or a flag nobody defined. */
type Token =
  | { readonly kind: "flag"; readonly name: string; readonly value: string | undefined; readonly range: Range | undefined }
  | { readonly kind: "word"; readonly text: string }

const flagToken = (flags: Readonly<Record<string, FlagSpec>>): fc.Arbitrary<Token> => {
  const known = Object.entries(flags).map(([name, spec]) =>
    spec.values === undefined
      ? fc.constant<Token>({ kind: "flag", name, value: undefined, range: undefined })
      : spec.values.map((value): Token => ({ kind: "flag", name, value, range: spec.range })))
  const strangers = fc.oneof(
    fc.constantFrom("--help", "-h", "--version", "--log-level", "--log-level=debug", "--completions", "--", "-", "---", "--=", "-x", "--json=false", "--no-json"),
    fc.stringMatching(/^--[a-z-]{1,10}$/),
    fc.tuple(fc.constantFrom(...Object.keys(flags), "bootstrap"), numbers).map(([name, value]) => `--${name}=${value}`)
  ).map((text): Token => ({ kind: "word", text }))
  return known.length === 0 ? strangers : fc.oneof({ weight: 4, arbitrary: fc.oneof(...known) }, { weight: 1, arbitrary: strangers })
}

interface Invocation {
  readonly command: string
  readonly tokens: ReadonlyArray<Token>
}

const invocation: fc.Arbitrary<Invocation> = fc.oneof(
  ...Object.entries(commands).map(([command, { flags, inputs, weight }]) => ({
    weight,
    arbitrary: fc.tuple(
      fc.array(flagToken(flags), { maxLength: 5 }),
      fc.subarray([...inputs]),
      fc.array(paths.map((text): Token => ({ kind: "word", text })), { maxLength: 1 })
    ).chain(([flagTokens, chosen, extra]) =>
      fc.shuffledSubarray(
        [...flagTokens, ...chosen.map((text): Token => ({ kind: "word", text })), ...extra],
        { minLength: flagTokens.length + chosen.length + extra.length }
      )
    ).map((tokens) => ({ command, tokens }))
  }))
)

/** Invocations that succeed as they are, for one hostile flag to be added to. */
const validBases: ReadonlyArray<Invocation> = [
  ["fit", "runs.csv", "--method", "isoflop"],
  ["fit", "table.yaml", "--method", "isoflop", "--json"],
  ["forecast", "--law", "chinchilla", "--compute", "1e22"],
  ["forecast", "--from", "runs.csv", "--compute", "1e21"],
  ["forecast", "--from", "runs.csv", "--params", "1e9", "--json"],
  ["plan", "table.yaml"],
  ["validate", "spec.yaml"],
  ["laws"]
].map(([command, ...words]) => ({ command: command!, tokens: words.map((text): Token => ({ kind: "word", text })) }))

/** A valid invocation with one more flag of its command, given a generated value. */
const oneHostileFlag: fc.Arbitrary<Invocation> = fc.constantFrom(...validBases).chain((base) => {
  const { flags } = commands[base.command]!
  const named = Object.entries(flags).filter(([, spec]) => spec.values !== undefined)
  if (named.length === 0) return fc.constant(base)
  return fc.constantFrom(...named).chain(([name, spec]) =>
    fc.oneof(spec.values!, numbers).map((value): Invocation => ({
      command: base.command,
      tokens: [...base.tokens, { kind: "flag", name, value, range: spec.range }]
    })))
})

// plan estimates run times by training a few steps (seconds, and a cache in the store) unless told not to.
const argv = ({ command, tokens }: Invocation): Array<string> => [
  command,
  ...(command === "plan" ? ["--no-estimate"] : []),
  ...tokens.flatMap((token) => token.kind === "word" ? [token.text] : token.value === undefined ? [`--${token.name}`] : [`--${token.name}`, token.value])
]

/** Flags given once whose value is a number outside the flag's range: the command must refuse them. */
const outOfRange = ({ tokens }: Invocation): ReadonlyArray<string> => {
  const words = tokens.flatMap((token) => token.kind === "word" ? [token.text] : [])
  // Help, version and completions print and exit before anything reads a value.
  if (words.some((word) => ["--help", "-h", "--version", "--completions"].includes(word))) return []
  return tokens.flatMap((token) => {
    if (token.kind !== "flag" || token.range === undefined || token.value === undefined) return []
    const given = tokens.filter((other) => other.kind === "flag" && other.name === token.name).length
    const value = Number(token.value)
    return given === 1 && token.value.trim() !== "" && Number.isFinite(value) && !token.range(value) ? [`--${token.name} ${token.value}`] : []
  })
}

/** The files a command may leave behind: only a successful report writes (its folder). */
const mayWrite = (command: string, code: number): boolean => command === "report" && code === 0

/** The property for one command's outcome. */
const expectCleanOutcome = (invocation: Invocation, code: number, output: string, written: ReadonlyArray<string>): void => {
  const args = argv(invocation)
  const command = `scalelab ${args.map((arg) => JSON.stringify(arg)).join(" ")}`
  // A Node warning ("(node:123) Warning: ...") is noise a user cannot act on, like a stack trace.
  const defect = (code !== 0 && code !== 2) || stackTraceLine.test(output) || /^\(node:\d+\) /m.test(output)
  expect(defect, `${command}: exit ${code}, output:\n${output.slice(0, 3_000)}`).toBe(false)
  if (code === 2) expect(output.trim(), `${command}: a refusal says why`).not.toBe("")
  if (code === 0 && /\bNaN\b/.test(output)) {
    expect.fail(`${command}: succeeded printing NaN:\n${output.slice(0, 3_000)}`)
  }
  const accepted = code === 0 ? outOfRange(invocation) : []
  expect(accepted, `${command}: out-of-range values must be refused with exit 2`).toEqual([])
  if (!mayWrite(invocation.command, code)) expect(written, `${command}: files written`).toEqual([])
}

describe("the commands on generated arguments", () => {
  const dir = makeWorkspace()
  const original = filesIn(dir)
  beforeEach(() => resetWorkspace(dir))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  /** Runs each generated invocation in this process and checks its outcome as a process's would be. */
  const inProcess = (generated: Invocation) =>
    runInProcess(argv(generated), dir).then((outcome) => {
      const written = filesIn(dir).filter((file) => !original.includes(file))
      resetWorkspace(dir)
      expect(outcome.ms, "time (ms)").toBeLessThan(CASE_MS)
      expectCleanOutcome(generated, outcome.code, outcome.output, written)
    })

  it("exit 0 or 2 with a message, refuse out-of-range values and write nothing, in this process", async () => {
    await checkProperty(THIS_FILE, invocation, inProcess, 400)
  }, fuzzTimeout(120_000))

  it("refuse a hostile value added to a valid invocation, in this process", async () => {
    await checkProperty(THIS_FILE, oneHostileFlag, inProcess, 200)
  }, fuzzTimeout(60_000))

  it("exit 0 or 2 as a process, with no stack trace, within the time bound", async () => {
    // A process costs seconds to start: a few cases, two at a time, each checked as above.
    const sample = fc.sample(invocation, { seed: fuzzSeed, numRuns: SPAWNED_CASES })
    for (let start = 0; start < sample.length; start += 2) {
      const pair = sample.slice(start, start + 2)
      const outcomes = await Promise.all(pair.map(async (generated) => {
        const folder = makeWorkspace()
        try {
          const outcome = await spawnScalelab(argv(generated), folder)
          return { generated, outcome, written: filesIn(folder).filter((file) => !original.includes(file)) }
        } finally {
          rmSync(folder, { recursive: true, force: true })
        }
      }))
      for (const { generated, outcome, written } of outcomes) {
        const replay = `scalelab ${argv(generated).map((arg) => JSON.stringify(arg)).join(" ")} (SCALELAB_FUZZ_SEED=${fuzzSeed})`
        expect(outcome.timedOut, `${replay}: still running after ${CASE_MS} ms`).toBe(false)
        try {
          expectCleanOutcome(generated, outcome.code, outcome.output, written)
        } catch (error) {
          throw new Error(`${replay}: ${(error as Error).message}`)
        }
      }
    }
  }, fuzzTimeout(120_000))
})

/** The real binary, killed after CASE_MS, with its memory capped so a runaway allocation fails fast. */
const spawnScalelab = (args: ReadonlyArray<string>, cwd: string) =>
  new Promise<{ readonly code: number; readonly output: string; readonly timedOut: boolean }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--max-old-space-size=1024", cliEntry, ...args], {
      cwd,
      env: { ...process.env, npm_lifecycle_event: "", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill("SIGKILL")
    }, CASE_MS)
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.on("error", reject)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code: code ?? (signal === null ? -1 : 128), output, timedOut })
    })
  })

