import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Result } from "effect"
import { corpusFacts, documentSeparator, loadCorpus, runCorpus, splitDocuments } from "@scalelab/train"
import { computeOptimal, countParams, effectiveTokens, flopsPerToken, lawByName } from "@scalelab/laws"
import { decodeExperimentText, type Experiment, trainerIdentity } from "@scalelab/spec"
import { afterAll, describe, expect, it } from "vitest"
import { type CorpusFacts, PlanError, planIsoflop, planIsoflopSteps, previewPlan, previewPlanSteps, runsAtSize } from "../src/index.ts"

const decode = (yaml: string): Experiment => {
  const result = decodeExperimentText(yaml, "test.yaml")
  if (Result.isFailure(result)) throw new Error(result.failure.message)
  return result.success
}

const base = `
name: plan-test
model: { context: 64, aspect: 16, head_dim: 8, kv_heads: 2 }
sweep:
  budgets: [1e12, 1e13]
  sizes_per_budget: 5
  span: 8
  centre: chinchilla
training:
  lr: 3e-3 * (N / 1e5)^-0.25
  batch_tokens: D / 200
`

describe("planIsoflop", () => {
  const plan = planIsoflop(decode(base))

  it("pauses after each budget, so that a caller on an event loop can stop a sweep of many budgets part way", () => {
    const many = decode(base.replace("[1e12, 1e13]", "\"logspace(1e12, 1e14, 7)\""))
    for (const steps of [planIsoflopSteps(many), previewPlanSteps(many)]) {
      let pauses = 0
      let next = steps.next()
      for (; next.done !== true; next = steps.next()) pauses++
      expect(pauses).toBe(7)
    }
    const stepped = planIsoflopSteps(many)
    let last = stepped.next()
    while (last.done !== true) last = stepped.next()
    expect(last.value).toEqual(planIsoflop(many))
  })

  it("places sizes around the centre law's optimum, spread evenly in log N over the span", () => {
    for (const budget of [1e12, 1e13]) {
      const runs = plan.runs.filter((p) => p.run.budget === budget)
      expect(runs).toHaveLength(5)
      const centre = computeOptimal(lawByName("chinchilla"), budget).params
      const logMean = runs.reduce((sum, p) => sum + Math.log(p.target_params), 0) / runs.length
      expect(Math.exp(logMean)).toBeCloseTo(centre, 0)
      const targets = runs.map((p) => p.target_params)
      expect(Math.max(...targets) / Math.min(...targets)).toBeCloseTo(8, 6)
      // Actual sizes follow the targets (shapes are discrete) and stay in order.
      const sizes = runs.map((p) => p.run.params)
      expect(sizes).toEqual([...sizes].sort((a, b) => a - b))
      for (const p of runs) expect(Math.abs(Math.log(p.run.params / p.target_params))).toBeLessThan(Math.log(1.25))
    }
  })

  it("spends each budget to within one sequence, on whole sequences, under the declared FLOP convention", () => {
    for (const { run } of plan.runs) {
      expect(run.params).toBe(countParams(run.shape).total)
      expect(run.tokens % 64).toBe(0)
      const perToken = flopsPerToken(run.shape, "6N")
      expect(run.flops).toBeCloseTo(perToken * run.tokens, 0)
      expect(Math.abs(run.flops - run.budget)).toBeLessThanOrEqual(perToken * 64 / 2 + 1)
    }
  })

  it("evaluates lr and batch expressions per run, batches rounded to whole sequences", () => {
    for (const { run } of plan.runs) {
      expect(run.training.lr).toBeCloseTo(3e-3 * (run.params / 1e5) ** -0.25, 12)
      expect(run.training.batch_tokens % 64).toBe(0)
      expect(Math.abs(run.training.batch_tokens - run.tokens / 200)).toBeLessThanOrEqual(32)
    }
  })

  it("gives ids that depend on content only: reformatting changes none, one field changes only its runs", () => {
    const reformatted = planIsoflop(decode(base.replace("[1e12, 1e13]", "\"logspace(1e12, 1e13, 2)\"")))
    expect(reformatted.runs.map((p) => p.run.id)).toEqual(plan.runs.map((p) => p.run.id))

    const oneMoreBudget = planIsoflop(decode(base.replace("[1e12, 1e13]", "[1e12, 1e13, 1e14]")))
    const ids = new Set(oneMoreBudget.runs.map((p) => p.run.id))
    for (const { run } of plan.runs) expect(ids.has(run.id)).toBe(true)
    expect(oneMoreBudget.runs).toHaveLength(15)

    const otherLr = planIsoflop(decode(base.replace("3e-3 * (N / 1e5)^-0.25", "2e-3")))
    const otherIds = new Set(otherLr.runs.map((p) => p.run.id))
    for (const { run } of plan.runs) expect(otherIds.has(run.id)).toBe(false)
    expect(new Set(plan.runs.map((p) => p.run.id)).size).toBe(plan.runs.length)
  })

  it("says why each size: its place in the budget's log spacing around the published law's centre", () => {
    expect(plan.runs.filter((p) => p.run.budget === 1e12).map((p) => p.reason)).toEqual(
      ["×0.35", "×0.59", "×1", "×1.7", "×2.8"].map((factor, index) =>
        `size ${index + 1} of 5 at C=1e12: N*(C)=1.6e5 from the published law chinchilla, ${factor} in log spacing over span 8`
      )
    )
    expect(plan.runs.every((p) => p.centre === "chinchilla")).toBe(true)
  })

  it("puts the trainer the executor implies in every run and its id", () => {
    const experiment = decode(base)
    for (const { run } of plan.runs) expect(run.trainer).toBe(trainerIdentity(experiment.execution))
    const external = { ...experiment, execution: { ...experiment.execution, executor: "command", command: { run: "python3 t.py {run_dir}", version: "2" } } } as const
    const otherTrainer = planIsoflop(external)
    for (const { run } of otherTrainer.runs) expect(run.trainer).toBe("command 2")
    expect(otherTrainer.runs.map(({ run }) => ({ ...run, id: "", trainer: "" })))
      .toEqual(plan.runs.map(({ run }) => ({ ...run, id: "", trainer: "" })))
    const ids = new Set(plan.runs.map((p) => p.run.id))
    for (const { run } of otherTrainer.runs) expect(ids.has(run.id)).toBe(false)
    // Slurm jobs run the command when it is set, else the built-in trainer: where a run executes
    // does not change it, which trainer does.
    const inJobs = (run: string) => planIsoflop({ ...experiment, execution: { ...experiment.execution, executor: "slurm", command: { run, version: "2" } } })
    expect(inJobs("python3 t.py {run_dir}").runs.map(({ run }) => run.id)).toEqual(otherTrainer.runs.map(({ run }) => run.id))
    expect(inJobs("").runs.map(({ run }) => run.id)).toEqual(plan.runs.map(({ run }) => run.id))
  })

  it("carries document masking and the cloze settings into every run, and into its id", () => {
    for (const { run } of plan.runs) {
      expect(run.data.document_masking).toBe(true)
      expect(run.eval.cloze).toEqual({ items: 32, choices: 4, answer_bytes: 32 })
    }
    const changed = planIsoflop(decode(`${base}data: { document_masking: false }\neval: { cloze: { items: 0 } }\n`))
    expect(changed.runs.every(({ run }) => !run.data.document_masking && run.eval.cloze.items === 0)).toBe(true)
    const ids = new Set(plan.runs.map((p) => p.run.id))
    for (const { run } of changed.runs) expect(ids.has(run.id)).toBe(false)
  })

  it("plans one run per seed", () => {
    const seeded = planIsoflop(decode(base.replace("span: 8", "span: 8\n  seeds: 2")))
    expect(seeded.runs).toHaveLength(20)
    expect(new Set(seeded.runs.map((p) => p.run.seed))).toEqual(new Set([0, 1]))
  })

  it("fails with PlanError naming the field and the run when an expression breaks inside the sweep", () => {
    // Valid at the spec's representative run (N = 1e6) but negative for the sweep's small models.
    const experiment = decode(base.replace("3e-3 * (N / 1e5)^-0.25", "1e-3 * log10(N / 1e5)"))
    expect(() => planIsoflop(experiment)).toThrow(PlanError)
    expect(() => planIsoflop(experiment)).toThrow(/training\.lr: .* it must be positive over the whole sweep/)
  })

  it("knows which runs repeat their corpus and what their tokens are worth, without changing any id", () => {
    const trainingTokens = 2e6
    const sized = planIsoflop(decode(base), { corpus: "moby-dick", training_tokens: trainingTokens })
    expect(sized.runs.map((p) => p.run.id)).toEqual(plan.runs.map((p) => p.run.id))
    for (const { run, epochs, effective_tokens } of sized.runs) {
      expect(epochs).toBeCloseTo(run.tokens / trainingTokens, 12)
      expect(effective_tokens).toBe(effectiveTokens(run.tokens, trainingTokens))
      if (run.tokens <= trainingTokens) expect(effective_tokens).toBe(run.tokens)
      else expect(effective_tokens).toBeLessThan(run.tokens)
    }
    expect(sized.runs.some((p) => (p.epochs ?? 0) > 1)).toBe(true)
    expect(plan.runs.every((p) => p.epochs === undefined)).toBe(true)
  })
})

describe("planIsoflop on each kind of corpus", () => {
  const scratch = mkdtempSync(join(tmpdir(), "scalelab-plan-"))
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))
  const withData = (data: string) => decode(`${base}data:\n${data}`)
  const utf8Bytes = (text: string) => new TextEncoder().encode(text).length
  /** Tokens of the training split under the bytes tokenizer: each document and its separator. */
  const trainingBytes = (experiment: Experiment) =>
    splitDocuments(loadCorpus(runCorpus(experiment.data.corpus)), experiment.data.validation).train
      .reduce((sum, document) => sum + utf8Bytes(document.text + documentSeparator), 0)

  const expectEpochs = (experiment: Experiment, facts: CorpusFacts) => {
    const planned = planIsoflop(experiment, facts)
    for (const { run, epochs } of planned.runs) {
      expect(run.data.corpus).toEqual(facts.corpus)
      expect(epochs).toBeCloseTo(run.tokens / facts.training_tokens, 12)
    }
    return planned
  }

  it("counts a built-in corpus in bytes: moby-dick and sotu", () => {
    for (const corpus of ["moby-dick", "sotu"]) {
      const experiment = withData(`  corpus: ${corpus}\n`)
      const facts = corpusFacts(experiment.data)
      expect(facts.corpus).toBe(corpus)
      expect(facts.training_tokens).toBe(trainingBytes(experiment))
      expectEpochs(experiment, facts)
    }
  })

  it("counts a synthetic source exactly, and puts all its parameters in the run", () => {
    const experiment = withData("  corpus: { kind: markov, alphabet: 8, order: 2, branching: 3, documents: 40, length: 1000, seed: 3 }\n")
    const facts = corpusFacts(experiment.data)
    // One byte per symbol, two for the separator, over the 38 documents left after holding out 5%.
    expect(facts.training_tokens).toBe(38 * 1002)
    const planned = expectEpochs(experiment, facts)
    expect(planned.runs[0]?.run.data.corpus).toEqual({ kind: "markov", alphabet: 8, order: 2, branching: 3, documents: 40, length: 1000, seed: 3 })
    // The spec alone fixes a synthetic source: planning without the facts gives the same ids.
    expect(planIsoflop(experiment).runs.map((p) => p.run.id)).toEqual(planned.runs.map((p) => p.run.id))
    const reseeded = planIsoflop(withData("  corpus: { kind: markov, alphabet: 8, order: 2, branching: 3, documents: 40, length: 1000, seed: 4 }\n"))
    expect(reseeded.runs.some((p) => planned.runs.some((q) => q.run.id === p.run.id))).toBe(false)
  })

  it("counts text files in BPE tokens, sizes the embedding with the vocabulary, and ties ids to the files' content", () => {
    const paths = ["a.txt", "b.txt", "c.txt"].map((name) => join(scratch, name))
    paths.forEach((path, i) => writeFileSync(path, `Document ${i}: the whale, the whale, the white whale. `.repeat(20)))
    const experiment = decode(`${base}data:\n  corpus: [${paths.join(", ")}]\n  tokenizer: bpe\n  vocab: 300\n  validation: 0.34\n`)
    const facts = corpusFacts(experiment.data)
    expect(facts.training_tokens).toBeLessThan(trainingBytes(experiment) / 2)
    const planned = expectEpochs(experiment, facts)
    for (const { run } of planned.runs) expect(run.shape.vocab).toBe(300)
    expect(() => planIsoflop(experiment)).toThrow(PlanError)

    writeFileSync(paths[0] as string, "edited")
    const edited = planIsoflop(experiment, corpusFacts(experiment.data))
    expect(edited.runs.some((p) => planned.runs.some((q) => q.run.id === p.run.id))).toBe(false)
  })
})

describe("runsAtSize", () => {
  const experiment = decode(base.replace("centre: chinchilla", "centre: chinchilla\n  seeds: 2"))

  it("gives the planned runs of a size: a sweep's run and a run asked for at its target are the same run", () => {
    for (const planned of planIsoflop(experiment).runs) {
      const sized = runsAtSize(experiment, planned.run.budget, planned.target_params)
      expect(sized.runs[planned.run.seed]).toEqual(planned.run)
    }
  })

  it("builds one run per seed at the shape for the target, spending the budget", () => {
    const sized = runsAtSize(experiment, 3e12, 2e5)
    expect(sized.runs.map((run) => run.seed)).toEqual([0, 1])
    expect(new Set(sized.runs.map((run) => run.id)).size).toBe(2)
    for (const run of sized.runs) {
      expect(run.shape).toEqual(sized.shape)
      expect(Math.abs(Math.log(run.params / 2e5))).toBeLessThan(Math.log(1.25))
      expect(Math.abs(run.flops - 3e12)).toBeLessThanOrEqual(flopsPerToken(run.shape, "6N") * 64 / 2 + 1)
    }
  })
})

describe("budgets a plan cannot honour, and sizes planned other than asked", () => {
  const problemsOf = (yaml: string) => previewPlan(decode(yaml)).problems

  it("refuses a budget too small for one model's whole sequences, naming the budget's entry, then model.context", () => {
    const experiment = decode("name: tiny\nsweep: { budgets: [1e11, 1e3] }\n")
    // Planned as before, one sequence of the smallest model would spend thousands of times the budget.
    expect(() => planIsoflop(experiment)).toThrow(PlanError)
    const [problem, ...others] = previewPlan(experiment).problems
    expect(others).toEqual([])
    expect(problem?.message).toMatch(/^budget 1000: size 1 of 5 \(.* params\) cannot spend it: .* raise the budget to at least .* or shorten model\.context$/)
    expect(problem?.fields).toEqual([["sweep", "budgets"], ["model", "context"]])
  })

  it("refuses a context so long that one sequence overspends every budget", () => {
    const problems = problemsOf("name: long\nmodel: { context: 1e9 }\n")
    expect(problems).toHaveLength(3)
    for (const problem of problems) expect(problem.message).toMatch(/cannot spend it: .*model\.context = 1000000000 tokens/)
  })

  it("refuses a run shorter than one batch, naming training.batch_tokens", () => {
    const [problem] = problemsOf("name: short\nmodel: { context: 16, head_dim: 8, kv_heads: 1 }\nsweep: { budgets: 1e8, sizes_per_budget: 3 }\neval: { cloze: { items: 0 } }\n")
    expect(problem?.message).toMatch(/fewer than one batch of training\.batch_tokens = 4096; raise the budget to at least/)
    expect(problem?.fields?.at(-1)).toEqual(["training", "batch_tokens"])
  })

  it("keeps every planned run within 5% of its budget", () => {
    for (const { run } of planIsoflop(decode(base)).runs) expect(Math.abs(run.flops / run.budget - 1)).toBeLessThanOrEqual(0.05)
  })

  it("refuses at once a budget that would need models beyond what it shapes", () => {
    const [problem] = problemsOf("name: huge\ndata: { tokenizer: bpe, vocab: 1024 }\nsweep: { budgets: 1e30 }\n")
    expect(problem?.message).toMatch(/^budget 1e30: size 1 of 5 asks for a model of .* parameters, more than the 1e12 this planner shapes/)
  }, 10_000)

  it("checks an adaptive sweep's later budgets for their smallest model", () => {
    const problems = problemsOf("name: adaptive\nsweep: { budgets: [1e3, 1e4], adaptive: true }\n")
    expect(problems.map((problem) => problem.message)).toEqual([
      expect.stringMatching(/^budget 1000: size 1 of 5 \(/),
      expect.stringMatching(/^budget 1e4: the smallest model \(/)
    ])
  })

  it("notes, never silently, a size moved off its place and a size merged into another's shape", () => {
    const yaml = "name: bpe\ndata: { tokenizer: bpe, vocab: 4096 }\nsweep: { budgets: 3e10, sizes_per_budget: 3 }\n"
    const plan = planIsoflop(decode(yaml))
    expect(plan.runs).toHaveLength(2)
    expect(plan.notes.map((note) => note.message)).toEqual([
      expect.stringMatching(/^budget 3e10: size 1 of 3 \(1\.1e4 params asked\) is planned as 1 layer × d_model 16, 6\.9e4 params, the nearest shape/),
      expect.stringMatching(/^budget 3e10: size 2 of 3 \(3\.2e4 params asked\) lands on the shape of size 1 of 3 .* so it is trained once/)
    ])
    expect(previewPlan(decode(yaml))).toEqual({ problems: [], notes: plan.notes })
    expect(plan.notes[0]?.fields).toEqual([["sweep", "budgets"]])
    // A sweep whose sizes all land near their places has nothing to note.
    expect(planIsoflop(decode(base)).notes).toEqual([])
  })
})

describe("memorization", () => {
  it("records the resolved window in every run only when it is on, so runs without it keep their ids", () => {
    const off = planIsoflop(decode(base))
    const explicitOff = planIsoflop(decode(base.replace("name:", "eval: { memorization: { prompts: 0 } }\nname:")))
    expect(explicitOff.runs.map((p) => p.run.id)).toEqual(off.runs.map((p) => p.run.id))
    for (const { run } of off.runs) expect(run.eval.memorization).toBeUndefined()
    const on = planIsoflop(decode(base.replace("name:", "eval: { memorization: { prompts: 32 } }\nname:")))
    const offIds = new Set(off.runs.map((p) => p.run.id))
    for (const { run } of on.runs) {
      expect(run.eval.memorization).toEqual({ prompts: 32, prefix_tokens: 32, continuation_tokens: 32 }) // context 64
      expect(offIds.has(run.id)).toBe(false)
    }
  })
})

describe("mixture of experts", () => {
  const moeBase = base.replace("model: { context: 64,", "model: { family: moe, experts: 4, top_k: 2, context: 64,")
  const plan = planIsoflop(decode(moeBase))

  it("keeps a dense plan's run ids as they were before mixtures of experts existed", () => {
    // Ids of `base` planned by the planner before `model.family: moe`: dense runs must not retrain.
    expect(planIsoflop(decode(base)).runs.slice(0, 3).map((p) => p.run.id)).toEqual(["8907f0ebd818bdb8", "2ef977d035f48021", "2d2d0162b8d59d73"])
    for (const planned of planIsoflop(decode(base)).runs) {
      expect(planned.run.params_total).toBeUndefined()
      expect(planned.params_total).toBe(planned.run.params)
    }
  })

  it("sizes runs by active parameters, charges their FLOPs and records the total beside them", () => {
    for (const { run, params_total, target_params } of plan.runs) {
      const counts = countParams(run.shape)
      expect(run.shape.moe).toEqual({ experts: 4, top_k: 2, aux_loss_weight: 0.01 })
      expect(run.params).toBe(counts.active)
      expect(run.params_total).toBe(counts.total)
      expect(params_total).toBe(counts.total)
      expect(run.params_total).toBeGreaterThan(run.params)
      expect(run.flops).toBe(6 * counts.active * run.tokens)
      expect(Math.abs(Math.log(run.params / target_params))).toBeLessThan(Math.log(1.25))
    }
  })

  it("gives mixture-of-experts runs ids of their own, apart from the dense sweep's", () => {
    const denseIds = new Set(planIsoflop(decode(base)).runs.map((p) => p.run.id))
    for (const { run } of plan.runs) expect(denseIds.has(run.id)).toBe(false)
  })
})
