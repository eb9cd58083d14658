import { Result } from "effect"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { stringify } from "yaml"
import { DEFAULT_LAW_FORM, decodeExperimentText, defaultIsoflopMinimum, effectiveSpec, type Experiment, formatSpecIssue, memorizationWindow, moeShapeOf, SpecError } from "../src/index.ts"

const fixture = (name: string) => readFileSync(new URL(`../../../test/specs/valid/${name}`, import.meta.url), "utf8")

const decoded = (text: string, file = "spec.yaml"): Experiment => {
  const result = decodeExperimentText(text, file)
  if (Result.isFailure(result)) throw new Error(result.failure.message)
  return result.success
}

const issuesOf = (text: string): ReadonlyArray<string> => {
  const result = decodeExperimentText(text, "spec.yaml")
  if (Result.isSuccess(result)) throw new Error("expected the spec to be rejected")
  return result.failure.issues.map(formatSpecIssue)
}

describe("model families", () => {
  it("a dense model has no mixture-of-experts fields; a mixture of experts takes top_k 1 and α 0.01 unless given", () => {
    const dense = decoded("name: dense\n").model
    expect(dense).not.toHaveProperty("experts")
    expect(moeShapeOf(dense)).toBeUndefined()
    expect(moeShapeOf(decoded("name: moe\nmodel: { family: moe, experts: 8 }\n").model)).toEqual({ experts: 8, top_k: 1, aux_loss_weight: 0.01 })
    expect(moeShapeOf(decoded("name: moe\nmodel: { family: moe, experts: 8, top_k: 2, aux_loss_weight: 0.001 }\n").model))
      .toEqual({ experts: 8, top_k: 2, aux_loss_weight: 0.001 })
  })
})

describe("defaults", () => {
  it("fills every field of a spec that gives only a name", () => {
    const experiment = decoded(fixture("minimal.yaml"))
    expect(experiment).toEqual({
      name: "minimal",
      description: "",
      data: { corpus: "moby-dick", tokenizer: "bytes", vocab: 256, validation: 0.05, val_tokens: 16384, max_train_tokens: 0, document_masking: true },
      model: {
        family: "llama",
        context: 128,
        aspect: 32,
        head_dim: 16,
        kv_heads: 2,
        ffn_multiplier: 2.6667,
        tied_embeddings: true,
        layers: 0
      },
      flops: "6N",
      sweep: {
        kind: "isoflop",
        budgets: [1e11, expect.closeTo(10 ** 11.5, 0), 1e12],
        sizes_per_budget: 5,
        span: 8,
        centre: "chinchilla",
        adaptive: false,
        seeds: 1
      },
      training: {
        optimizer: { name: "adamw", beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1 },
        lr: "3e-3 * (N / 1e5)^-0.25",
        warmup: 0.05,
        schedule: "cosine",
        min_lr_fraction: 0.1,
        batch_tokens: "4096",
        grad_clip: 1
      },
      eval: {
        every: 0.1,
        cloze: { items: 32, choices: 4, answer_bytes: 32 },
        memorization: { prompts: 0, prefix_tokens: "auto", continuation_tokens: "auto" }
      },
      fit: { methods: ["isoflop", "parametric", "downstream"], isoflop_minimum: defaultIsoflopMinimum, law_form: DEFAULT_LAW_FORM, tokens: "total", bootstrap: 200 },
      forecast: { compute: [1e13, 1e14] }, // ten and a hundred times the largest budget
      execution: {
        executor: "local",
        concurrency: "auto",
        retries: 2,
        hang_timeout: 900,
        divergence: { retries: 0, lr_factor: 0.5 },
        command: { run: "", version: "1" },
        slurm: { partition: "", time: "", gpus: 0, cpus_per_task: 1, memory: "", sbatch_flags: [], poll_seconds: 5 },
        backend: "auto"
      }
    })
  })

  it("fills the rest of a section that sets some of its fields", () => {
    const experiment = decoded("name: partial\ntraining: { warmup: 0.2 }\nsweep: { seeds: 3 }\n")
    expect(experiment.training.warmup).toBe(0.2)
    expect(experiment.training.batch_tokens).toBe("4096")
    expect(experiment.training.optimizer.beta2).toBe(0.95)
    expect(experiment.sweep.seeds).toBe(3)
    expect(experiment.sweep.sizes_per_budget).toBe(5)
  })
})

describe("decodeExperimentText", () => {
  it("decodes every field of a full spec, evaluating expressions", () => {
    const experiment = decoded(fixture("full.yaml"))
    expect(experiment.data).toEqual({
      corpus: "sotu",
      tokenizer: "bpe",
      vocab: 1024,
      validation: 0.1,
      val_tokens: 32768,
      max_train_tokens: 0,
      document_masking: false
    })
    expect(experiment.model.ffn_multiplier).toBeCloseTo(8 / 3, 15)
    expect(experiment.flops).toBe("6N+attention")
    // sorted, duplicates dropped, expressions evaluated
    expect(experiment.sweep.budgets).toEqual([expect.closeTo(1e11 * 10 ** 0.5, 0), 1e12, 3e12])
    expect(experiment.training.lr).toBe("0.01 * (C / 1e12)^-0.1")
    expect(experiment.training.min_lr_fraction).toBe(0)
    expect(experiment.forecast.compute).toEqual([1e14, 1e15, 1e16])
    expect(experiment.eval).toMatchObject({ every: 0.25, cloze: { items: 64, choices: 5, answer_bytes: 24 } })
    expect(experiment.fit).toEqual({ methods: ["isoflop"], isoflop_minimum: "window", law_form: "tied", tokens: "total", bootstrap: 0 })
    expect(experiment.execution).toMatchObject({ executor: "local", concurrency: 4, retries: 0, backend: "wasm", hang_timeout: 900 })
  })

  it("keeps a numeric learning rate as an expression", () => {
    expect(decoded("name: numeric-lr\ntraining: { lr: 1e-3 }\n").training.lr).toBe("0.001")
  })

  it("reports an empty file at its first line", () => {
    expect(issuesOf("")).toEqual([
      "spec.yaml:1:1: the file holds no settings; an experiment needs at least `name: <name>`"
    ])
    expect(issuesOf("\n  \n")).toHaveLength(1)
  })

  it("reports every problem, sorted by position", () => {
    const issues = issuesOf("sweep: { span: 0.5 }\nname: Bad\nmodel: { context: -1 }\n")
    expect(issues).toEqual([
      "spec.yaml:1:16: expected a number > 1, got `0.5`",
      "spec.yaml:2:7: expected a name of lowercase letters, digits, `-` and `_`, starting with a letter or digit, got `Bad`",
      "spec.yaml:3:19: expected a positive integer, got `-1`"
    ])
  })

  it("asks for the command of `executor: command`, and refuses one that `executor: local` would leave unused", () => {
    expect(issuesOf("name: x\nexecution: { executor: command }\n")).toEqual([
      expect.stringMatching(/^spec\.yaml:2:\d+: expected the external trainer's command line with `executor: command`/)
    ])
    const local = issuesOf("name: x\nexecution:\n  executor: local\n  command: { run: \"python3 t.py {run_dir}\" }\n")
    expect(local).toEqual([expect.stringMatching(/^spec\.yaml:4:\d+: `executor: local` trains with the built-in trainer/)])
    const slurm = decodeExperimentText("name: x\nexecution:\n  executor: slurm\n  command: { run: \"python3 t.py {run_dir}\" }\n", "spec.yaml")
    expect(Result.isSuccess(slurm)).toBe(true)
  })

  it("turns memorization off by default, and scales its n-gram to the context when on", () => {
    expect(decoded("name: x\n").eval.memorization).toEqual({ prompts: 0, prefix_tokens: "auto", continuation_tokens: "auto" })
    const on = decoded("name: x\nmodel: { context: 64 }\neval: { memorization: { prompts: 48 } }\n")
    expect(memorizationWindow(on.eval.memorization, 32)).toEqual({ prefix_tokens: 16, continuation_tokens: 16 })
    expect(memorizationWindow(on.eval.memorization, 128)).toEqual({ prefix_tokens: 78, continuation_tokens: 50 })
    expect(memorizationWindow(on.eval.memorization, 33)).toEqual({ prefix_tokens: 17, continuation_tokens: 16 })
    expect(memorizationWindow({ prefix_tokens: 8, continuation_tokens: "auto" }, 64)).toEqual({ prefix_tokens: 8, continuation_tokens: 32 })
  })

  it("refuses a memorization window that does not fit the context, naming the field's line and column", () => {
    expect(issuesOf("name: x\nmodel: { context: 64 }\neval:\n  memorization: { prompts: 8, continuation_tokens: 80 }\n")).toEqual([
      expect.stringMatching(/^spec\.yaml:4:\d+: expected eval\.memorization\.prefix_tokens \+ continuation_tokens at most model\.context \(64\).*got -16 \+ 80/)
    ])
    expect(issuesOf("name: x\nmodel: { context: 64 }\neval:\n  memorization:\n    prompts: 8\n    prefix_tokens: 40\n")).toEqual([
      expect.stringMatching(/^spec\.yaml:6:20: expected eval\.memorization\.prefix_tokens \+ continuation_tokens at most model\.context \(64\).*got 40 \+ 32/)
    ])
    // Off, the window is never used, so it is not checked.
    expect(decoded("name: x\nmodel: { context: 64 }\neval: { memorization: { prefix_tokens: 80 } }\n").eval.memorization.prefix_tokens).toBe(80)
    expect(issuesOf("name: x\neval: { memorization: { prompts: -1 } }\n")).toEqual([
      expect.stringMatching(/^spec\.yaml:2:\d+: expected an integer >= 0, got `-1`/)
    ])
    expect(issuesOf("name: x\neval: { memorization: { continuation_tokens: 0 } }\n")).toEqual([
      expect.stringMatching(/^spec\.yaml:2:\d+: expected `auto` or an integer >= 1/)
    ])
  })

  it("shows what an expression evaluated to when the value is out of range", () => {
    expect(issuesOf("name: x\ndata: { validation: 1 / 2 + 1 }\n")).toEqual([
      "spec.yaml:2:21: expected a fraction in (0, 1), got `1 / 2 + 1` = 1.5"
    ])
  })

  it("reports each bad value of a vector expression at the expression", () => {
    expect(issuesOf("name: x\nsweep:\n  budgets: linspace(-1e11, 1e11, 3)\n")).toEqual([
      "spec.yaml:3:12: expected a positive number, got `linspace(-1e11, 1e11, 3)` = -1e11",
      "spec.yaml:3:12: expected a positive number, got `linspace(-1e11, 1e11, 3)` = 0"
    ])
  })

  it("reports an expression too large to evaluate at its field, echoing only its start", () => {
    const terms = Array(10_000).fill("1e-5").join(" + ")
    const nested = `${"(".repeat(500)}1e-3${")".repeat(500)}`
    expect(issuesOf(`name: x\ntraining:\n  lr: ${terms}\n`)).toEqual([
      "spec.yaml:3:7: `1e-5 + 1e-5 + 1e-5 + 1e-5 + 1e-5 + 1e-5 + 1e-5 + 1e-5 + 1...`: 69,997 characters, " +
      "more than the 500 an expression may have; write the number it stands for, or a shorter expression"
    ])
    expect(issuesOf(`name: x\nsweep: { budgets: ["${"(".repeat(100)}1e12${")".repeat(100)}"] }\ntraining: { lr: ${nested} }\n`)).toEqual([
      expect.stringMatching(/^spec\.yaml:2:20: `\({57}\.\.\.`: brackets nest 100 deep, more than the 20/),
      expect.stringMatching(/^spec\.yaml:3:17: `\({57}\.\.\.`: 1,004 characters, more than the 500/)
    ])
  })

  it("fails with a SpecError whose message lists the issues", () => {
    const result = decodeExperimentText("name: x\nflops: 7N\n", "x.yaml")
    expect(Result.isFailure(result)).toBe(true)
    if (Result.isFailure(result)) {
      expect(result.failure).toBeInstanceOf(SpecError)
      expect(result.failure._tag).toBe("SpecError")
      expect(result.failure.message).toBe(
        "x.yaml:2:8: expected one of `6N`, `6N+attention`, `exact`, got `7N`; did you mean `6N`?"
      )
    }
  })
})

describe("data.corpus", () => {
  const corpusOf = (corpus: string) => decoded(`name: x\ndata:\n  corpus: ${corpus}\n`).data.corpus

  it("reads a built-in name, a path or glob, a list of them, and a synthetic source with defaults", () => {
    expect(corpusOf("sotu")).toBe("sotu")
    expect(corpusOf("\"texts/*.txt\"")).toEqual({ kind: "files", paths: ["texts/*.txt"] })
    expect(corpusOf("./moby-dick")).toEqual({ kind: "files", paths: ["./moby-dick"] })
    expect(corpusOf("[a.txt, \"b/**/*.md\"]")).toEqual({ kind: "files", paths: ["a.txt", "b/**/*.md"] })
    expect(corpusOf("{ kind: markov, order: 1, length: 2^10 }")).toEqual({
      kind: "markov",
      alphabet: 32,
      order: 1,
      branching: 4,
      documents: 200,
      length: 1024,
      seed: 1
    })
  })

  it("rejects an empty path, and a synthetic source's out-of-range fields at the field", () => {
    expect(issuesOf("name: x\ndata:\n  corpus: [a.txt, \"\"]\n")).toEqual([
      "spec.yaml:3:19: expected a non-empty path or glob, got `\"\"`"
    ])
    expect(issuesOf("name: x\ndata:\n  corpus: { kind: markov, alphabet: 95 }\n")).toEqual([
      "spec.yaml:3:37: expected an integer in [2, 94], got `95`"
    ])
  })

  it("needs more than 256 tokens for bpe, and exactly 256 for bytes", () => {
    expect(decoded("name: x\ndata: { tokenizer: bpe, vocab: 2^9 }\n").data).toMatchObject({ tokenizer: "bpe", vocab: 512 })
    expect(issuesOf("name: x\ndata: { tokenizer: bpe }\n")).toEqual([
      "spec.yaml:2:7: expected more than 256 with `tokenizer: bpe` (the 256 bytes plus its merges), got 256; set e.g. `vocab: 1024`"
    ])
  })
})

describe("effectiveSpec", () => {
  it("writes out every default as plain data that decodes to the same experiment", () => {
    for (const name of ["minimal.yaml", "full.yaml", "markov.yaml", "text-files.yaml"]) {
      const experiment = decoded(fixture(name))
      const effective = effectiveSpec(experiment)
      expect(JSON.parse(JSON.stringify(effective))).toEqual(effective)
      expect(decoded(stringify(effective))).toEqual(experiment)
    }
  })

  it("writes out a mixture of experts' routing defaults, which decode to the same routing", () => {
    const experiment = decoded("name: moe\nmodel: { family: moe, experts: 4 }\n")
    const effective = effectiveSpec(experiment)
    expect(effective["model"]).toMatchObject({ family: "moe", experts: 4, top_k: 1, aux_loss_weight: 0.01 })
    expect(moeShapeOf(decoded(stringify(effective)).model)).toEqual(moeShapeOf(experiment.model))
    expect(effectiveSpec(decoded(fixture("minimal.yaml")))["model"]).not.toHaveProperty("top_k")
  })

  it("shows evaluated values and keeps the learning rate as written", () => {
    const effective = effectiveSpec(decoded(fixture("minimal.yaml")))
    expect(effective["training"]).toMatchObject({ lr: "3e-3 * (N / 1e5)^-0.25", warmup: 0.05 })
    expect(effective["forecast"]).toEqual({ compute: [1e13, 1e14] })
  })
})
