// `scalelab data export` through the real command: the exported streams are, token for token and
// document for document, what the built-in trainer's own data preparation gives for the same data.
import { readFileSync } from "node:fs"
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { RunSpec } from "../packages/spec/src/index.ts"
import { prepareTrainingData, type TrainingData } from "../packages/train/src/data/trainingData.ts"
import { runCli } from "./support/cli.ts"

const quickstart = fileURLToPath(new URL("../experiments/quickstart.yaml", import.meta.url))

let scratch: string
let run: RunSpec
let runFile: string
let trainer: TrainingData

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "scalelab-data-export-"))
  const planned = await runCli(["plan", "--no-estimate", "--json", quickstart], scratch)
  expect(planned.stderr).toBe("")
  run = (JSON.parse(planned.stdout) as { runs: ReadonlyArray<{ run: RunSpec }> }).runs[0]!.run
  runFile = join(scratch, "run.json")
  await writeFile(runFile, JSON.stringify(run))
  trainer = prepareTrainingData(run)
}, 60_000)

afterAll(() => rm(scratch, { recursive: true, force: true }))

const exportTo = (source: ReadonlyArray<string>, out: string) => runCli(["data", "export", ...source, "--out", out], scratch)

/** A little-endian file of unsigned integers of `bytes` bytes, as the numbers they hold. */
const readUints = (file: string, bytes: 2 | 4): Array<number> => {
  const buffer = readFileSync(file)
  return Array.from({ length: buffer.length / bytes }, (_, i) => (bytes === 2 ? buffer.readUInt16LE(i * 2) : buffer.readUInt32LE(i * 4)))
}

const filesOf = async (dir: string) =>
  Object.fromEntries(await Promise.all((await readdir(dir)).sort().map(async (name) => [name, readFileSync(join(dir, name))] as const)))

describe("scalelab data export", () => {
  it("exports the quickstart's data: the trainer's training and validation tokens and document starts, and meta.json", async () => {
    const out = join(scratch, "quickstart")
    const outcome = await exportTo([quickstart], out)
    expect(outcome.stderr).toBe("")
    expect(outcome.code).toBe(0)
    const { train, validationStream } = trainer
    expect(outcome.stdout).toBe(
      `${out}: ${train.tokens.length} training tokens in ${train.documentStarts.length} documents, ` +
        `${validationStream.tokens.length} validation tokens in ${validationStream.documentStarts.length} documents (bytes, vocab 256, uint16)\n`
    )
    expect((await readdir(out)).sort()).toEqual(["meta.json", "train.bin", "train.docs.bin", "val.bin", "val.docs.bin"])
    expect(readUints(join(out, "train.bin"), 2)).toEqual(Array.from(train.tokens))
    expect(readUints(join(out, "train.docs.bin"), 4)).toEqual(Array.from(train.documentStarts))
    expect(readUints(join(out, "val.bin"), 2)).toEqual(Array.from(validationStream.tokens))
    expect(readUints(join(out, "val.docs.bin"), 4)).toEqual(Array.from(validationStream.documentStarts))
    // More than one document on each side, so the boundaries are really checked.
    expect(train.documentStarts.length).toBeGreaterThan(100)
    expect(validationStream.documentStarts.length).toBeGreaterThan(1)
    const meta = JSON.parse(readFileSync(join(out, "meta.json"), "utf8"))
    expect(meta).toMatchObject({
      format: "scalelab-tokens-1",
      dtype: "uint16",
      documents_dtype: "uint32",
      vocab: 256,
      tokenizer: "bytes",
      corpus: "moby-dick",
      split: { validation: 0.05, train_tokens: null, document_separator: "\n\n" },
      train: { tokens: "train.bin", documents: "train.docs.bin", token_count: train.tokens.length, document_count: train.documentStarts.length },
      val: { tokens: "val.bin", documents: "val.docs.bin", token_count: validationStream.tokens.length }
    })
    expect(meta.run).toBeUndefined()
  }, 60_000)

  it("--run exports a run's data with its validation settings; its fixed validation windows are the first windows of val.bin", async () => {
    const out = join(scratch, "run")
    const outcome = await exportTo(["--run", runFile], out)
    expect(outcome.stderr).toBe("")
    expect(outcome.code).toBe(0)
    const meta = JSON.parse(readFileSync(join(out, "meta.json"), "utf8"))
    expect(meta.run).toEqual({ id: run.id, context: run.shape.context, val_tokens: run.data.val_tokens, document_masking: true })
    expect(readUints(join(out, "train.bin"), 2)).toEqual(Array.from(trainer.train.tokens))
    const val = readUints(join(out, "val.bin"), 2)
    const { sequences, context, inputs, targets } = trainer.validation
    expect(sequences).toBe(Math.ceil(run.data.val_tokens / run.shape.context))
    expect(Array.from(inputs)).toEqual(val.slice(0, sequences * context))
    expect(Array.from(targets)).toEqual(val.slice(1, sequences * context + 1))
  }, 60_000)

  it("is deterministic: a second export, elsewhere or over the first, is byte-identical", async () => {
    const [first, second] = [join(scratch, "first"), join(scratch, "second")]
    for (const out of [first, second, first]) expect((await exportTo([quickstart], out)).code).toBe(0)
    const files = await filesOf(first)
    expect(Object.keys(files)).toEqual(["meta.json", "train.bin", "train.docs.bin", "val.bin", "val.docs.bin"])
    expect(await filesOf(second)).toEqual(files)
  }, 60_000)

  it("bad input: exit 2, a message naming the file or flag, nothing written", async () => {
    const out = join(scratch, "bad")
    await writeFile(join(scratch, "broken-run.json"), JSON.stringify({ ...run, data: { ...run.data, validation: "lots" } }))
    await writeFile(join(scratch, "bad-split.yaml"), readFileSync(quickstart, "utf8").replace("validation: 0.05", "validation: 1.5"))
    await writeFile(join(scratch, "a-file"), "")
    await writeFile(join(scratch, "bpe-256.json"), JSON.stringify({ ...run, data: { ...run.data, tokenizer: "bpe" } }))
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
      [["data", "export", "--out", out], "nothing to export; name the data to export: `scalelab data export SPEC --out DIR`"],
      [["data", "export", quickstart, "--run", runFile, "--out", out], "both a spec and --run given"],
      [["data", "export", "--run", "broken-run.json", "--out", out], "broken-run.json: "],
      [["data", "export", "--run", "missing.json", "--out", out], "missing.json: ENOENT"],
      [["data", "export", "bad-split.yaml", "--out", out], "bad-split.yaml:"],
      [["data", "export", quickstart, "--out", join(scratch, "a-file")], "export folder"],
      [["data", "export", "--run", "bpe-256.json", "--out", out], 'shape.vocab is 256 but the "bpe" tokenizer needs more than 256 tokens']
    ]
    const outcomes = await Promise.all(cases.map(([args]) => runCli(args, scratch)))
    outcomes.forEach((outcome, i) => {
      const [args, message] = cases[i]!
      expect(outcome.code, args.join(" ")).toBe(2)
      expect(outcome.stdout, args.join(" ")).toBe("")
      expect(outcome.stderr, args.join(" ")).toContain(message)
      expect(outcome.stderr, args.join(" ")).not.toMatch(/\.[jt]s:\d+:\d+/) // no stack trace
    })
    expect(outcomes[2]!.stderr).toContain("validation")
    expect(outcomes[4]!.stderr).toBe("bad-split.yaml:15:58: expected a fraction in (0, 1), got `1.5`\n")
    expect(outcomes[5]!.stderr).toContain("not a folder (it is a file)")
    expect(await readdir(scratch)).not.toContain("bad")
  }, 60_000)
})
