// The JSON Schema editors check specs with (`scalelab schema`) against the decoder: a malformed
// spec that decoding rejects for a reason JSON Schema can state (a literal out of bounds, a
// fraction for an integer, an unknown word or key, a wrong type) is rejected by the schema too,
// checked with a real JSON Schema validator. Expressions and rules across fields are the
// decoder's alone: the schema must only never reject what decoding accepts.
import { readFileSync } from "node:fs"
import { Ajv } from "ajv"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { parse, stringify } from "yaml"
import { decodeSpecText, experimentJsonSchema } from "../src/index.ts"

interface Malformed {
  readonly label: string
  readonly spec: Record<string, unknown>
  /** Whether JSON Schema can state why it is wrong (false: an expression's value, or a rule across fields). */
  readonly expressible: boolean
}

/** A spec with one field set, e.g. at("model.context", 0). */
const at = (path: string, value: unknown): Record<string, unknown> => {
  const keys = path.split(".")
  const spec: Record<string, unknown> = { name: "bounds" }
  let node = spec
  for (const key of keys.slice(0, -1)) node = (node[key] = node[key] ?? {}) as Record<string, unknown>
  node[keys.at(-1)!] = value
  return spec
}

// Each numeric field and literals on the wrong side of its bounds.
const numericBounds: ReadonlyArray<readonly [string, ReadonlyArray<unknown>]> = [
  ["data.vocab", [0, 300.5]],
  ["data.validation", [0, 1, -0.1]],
  ["data.val_tokens", [0, 2.5]],
  ["data.max_train_tokens", [-1, 0.5]],
  ["model.context", [0, -128, 64.5]],
  ["model.aspect", [0, 1.5]],
  ["model.head_dim", [0, 8.5]],
  ["model.kv_heads", [0]],
  ["model.ffn_multiplier", [0, -2]],
  ["model.layers", [-1, 1.5]],
  ["sweep.budgets", [-5, 0, [1e11, -1]]],
  ["sweep.sizes_per_budget", [2, 3.5, 0]],
  ["sweep.span", [1, 0.5]],
  ["sweep.seeds", [0, 1.5]],
  ["training.optimizer.beta1", [1, -0.1]],
  ["training.optimizer.beta2", [1.5]],
  ["training.optimizer.eps", [0]],
  ["training.optimizer.weight_decay", [-0.1]],
  ["training.lr", [0, -1e-3]],
  ["training.warmup", [1, -0.5]],
  ["training.min_lr_fraction", [1.5]],
  ["training.batch_tokens", [0]],
  ["training.grad_clip", [-1]],
  ["eval.every", [0, 1.5]],
  ["eval.cloze.items", [-1, 2.5]],
  ["eval.cloze.choices", [1]],
  ["eval.cloze.answer_bytes", [1]],
  ["fit.bootstrap", [-1, 1.5, 100001]],
  ["forecast.compute", [[-1e13]]],
  ["execution.concurrency", [0, 1.5]],
  ["execution.retries", [-1]],
  ["execution.hang_timeout", [-5]],
  ["execution.divergence.retries", [-1]],
  ["execution.divergence.lr_factor", [1, 0]],
  ["execution.slurm.gpus", [-1]],
  ["execution.slurm.cpus_per_task", [0]],
  ["execution.slurm.poll_seconds", [0]]
]

const words: ReadonlyArray<readonly [string, unknown]> = [
  ["name", "Has Spaces"],
  ["data.tokenizer", "wordpiece"],
  ["model.family", "gpt"],
  ["flops", "7N"],
  ["sweep.centre", "hoffmann"],
  ["training.schedule", "step"],
  ["training.optimizer.name", "sgd"],
  ["fit.methods", ["parametric-typo"]],
  ["fit.tokens", "unique"],
  ["execution.executor", "kubernetes"],
  ["execution.backend", "tpu"],
  ["model.budget", 1e11],
  ["sweep.budget", 1e11],
  ["model.context", true],
  ["model.tied_embeddings", "yes"],
  ["sweep.adaptive", 1]
]

// Wrong only once evaluated, or only given another field: beyond JSON Schema.
const beyond: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ["a budget expression that is NaN", at("sweep.budgets", "NaN")],
  ["a negative budget expression", at("sweep.budgets", "-1e11")],
  ["a budget list of zero points", at("sweep.budgets", "logspace(1e11, 1e12, 0)")],
  ["a context expression that is not an integer", at("model.context", "2^7.5")],
  ["an lr expression negative at the representative run", at("training.lr", "-N")],
  ["an unknown symbol", at("sweep.span", "spam")],
  ["bytes with a vocabulary other than 256", { name: "bounds", data: { tokenizer: "bytes", vocab: 512 } }],
  ["answers longer than half the context", { name: "bounds", model: { context: 16 }, eval: { cloze: { answer_bytes: 12 } } }]
]

const corpus: ReadonlyArray<Malformed> = [
  ...numericBounds.flatMap(([path, values]) =>
    values.map((value) => ({ label: `${path}: ${JSON.stringify(value)}`, spec: at(path, value), expressible: true }))
  ),
  ...words.map(([path, value]) => ({ label: `${path}: ${JSON.stringify(value)}`, spec: at(path, value), expressible: true })),
  ...beyond.map(([label, spec]) => ({ label, spec, expressible: false }))
]

const ajv = new Ajv({ allErrors: true, strict: false })
const schemaAccepts = ajv.compile(experimentJsonSchema())
const decodes = (spec: Record<string, unknown>) => Result.isSuccess(decodeSpecText(stringify(spec), "bounds.yaml"))

describe("the JSON Schema against the decoder, on malformed specs", () => {
  it("holds 60 and more malformed specs, every one rejected by decoding", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60)
    expect(corpus.filter(({ spec }) => decodes(spec)).map(({ label }) => label)).toEqual([])
  })

  it("rejects every one whose fault JSON Schema can state", () => {
    const passing = corpus.filter(({ expressible, spec }) => expressible && schemaAccepts(spec)).map(({ label }) => label)
    expect(passing).toEqual([])
  })

  it("accepts every valid spec, expressions included", () => {
    for (const name of ["minimal.yaml", "full.yaml", "markov.yaml", "text-files.yaml"]) {
      const spec: unknown = parse(readFileSync(new URL(`../../../test/specs/valid/${name}`, import.meta.url), "utf8"))
      expect(schemaAccepts(spec), `${name}: ${ajv.errorsText(schemaAccepts.errors)}`).toBe(true)
    }
    // Beyond the schema's reach, these must not be flagged for anything else either.
    expect(corpus.filter(({ expressible, spec }) => !expressible && !schemaAccepts(spec)).map(({ label }) => label)).toEqual([])
  })
})
