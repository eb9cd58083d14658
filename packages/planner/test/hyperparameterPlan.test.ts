import { Result } from "effect"
import { computeOptimal, lawByName } from "@scalelab/laws"
import { decodeExperimentText, decodeSpecText, type Experiment, type HyperparameterExperiment, specOfKind } from "@scalelab/spec"
import { describe, expect, it } from "vitest"
import { runStepwise } from "@scalelab/laws"
import { PlanError, planHyperparameters, planIsoflop, previewHyperparametersSteps } from "../src/index.ts"

const decodeHyperparameters = (yaml: string): HyperparameterExperiment => {
  const result = decodeSpecText(yaml, "test.yaml")
  if (Result.isFailure(result)) throw new Error(result.failure.message)
  const kind = specOfKind(result.success)
  if (kind._tag !== "Hyperparameters") throw new Error(`expected a hyperparameter spec, got ${kind._tag}`)
  return kind.experiment
}

const decodeIsoflop = (yaml: string): Experiment => {
  const result = decodeExperimentText(yaml, "test.yaml")
  if (Result.isFailure(result)) throw new Error(result.failure.message)
  return result.success
}

const model = "model: { context: 64, layers: 2, head_dim: 8, kv_heads: 2, tied_embeddings: false }"

describe("planHyperparameters", () => {
  const experiment = decodeHyperparameters(`
name: grid
${model}
sweep:
  kind: hyperparameters
  budgets: [1e10, 1e11]
  lr: [1e-2, 3e-3, 3e-2]
  batch_tokens: [256, 1024]
  params: 14000
`)

  it("plans one run per budget × lr × batch, every one at the fixed size and spending its budget", () => {
    const plan = planHyperparameters(experiment)
    expect(plan.runs).toHaveLength(2 * 3 * 2)
    const cells = plan.runs.map(({ run }) => [run.budget, run.training.lr, run.training.batch_tokens])
    expect(cells).toEqual([1e10, 1e11].flatMap((budget) => [3e-3, 1e-2, 3e-2].flatMap((lr) => [256, 1024].map((batch) => [budget, lr, batch]))))
    expect(new Set(plan.runs.map(({ run }) => run.id)).size).toBe(plan.runs.length)
    expect(new Set(plan.runs.map(({ run }) => run.params)).size).toBe(1)
    for (const { run } of plan.runs) expect(Math.abs(run.flops / run.budget - 1)).toBeLessThan(0.05)
  })

  it("says why each run is in the plan: its grid point and the size", () => {
    const [first] = planHyperparameters(experiment).runs
    expect(first?.reason).toBe("grid point at C=1e10: lr 1 of 3 (3e-3) × batch 1 of 2 (256 tokens); N=1.4e4 fixed by sweep.params")
  })

  it("gives the same ids for the same grid point (ids are content), and others when the lr changes", () => {
    const ids = (lrs: ReadonlyArray<number>) =>
      new Map(planHyperparameters({ ...experiment, sweep: { ...experiment.sweep, lr: lrs } }).runs.map(({ run }) => [run.id, run.training.lr]))
    const before = ids([3e-3, 1e-2, 3e-2])
    expect([...ids([3e-3, 1e-2, 3e-2]).keys()]).toEqual([...before.keys()])
    const after = ids([4e-3, 1e-2, 3e-2])
    const kept = [...after.keys()].filter((id) => before.has(id))
    expect(kept).toHaveLength(8)
    expect(kept.every((id) => after.get(id) !== 4e-3)).toBe(true)
  })

  it("sizes each budget's model by a published law's N*(C) with `centre`", () => {
    const byLaw = decodeHyperparameters(`
name: grid
${model}
sweep: { kind: hyperparameters, budgets: [1e10, 1e11], lr: [1e-2], batch_tokens: [256], centre: deepseek-llm }
`)
    const runs = planHyperparameters(byLaw).runs
    for (const { run, target_params, reason } of runs) {
      expect(target_params).toBeCloseTo(computeOptimal(lawByName("deepseek-llm"), run.budget).params, 6)
      expect(reason).toMatch(/from the published law deepseek-llm$/u)
    }
  })

  it("refuses two batch sizes that round to one whole number of sequences", () => {
    const clash = { ...experiment, sweep: { ...experiment.sweep, batch_tokens: [256, 270] } }
    expect(() => planHyperparameters(clash)).toThrow(PlanError)
    expect(() => planHyperparameters(clash)).toThrow(/256 and 270 both round to 256 tokens/u)
  })
})

describe("previewHyperparametersSteps", () => {
  it("reports every budget that cannot pay for its grid, at the budgets", () => {
    const experiment = decodeHyperparameters(`
name: grid
${model}
sweep: { kind: hyperparameters, budgets: [1e8, 2e8, 1e10], lr: [1e-2], batch_tokens: [256, 4096], params: 14000 }
`)
    const { problems } = runStepwise(previewHyperparametersSteps(experiment))
    expect(problems.map((problem) => problem.message)).toEqual([
      expect.stringMatching(/^budget 1e8: lr 0.01 × batch 4096 .* fewer than one batch of sweep.batch_tokens = 4096/u),
      expect.stringMatching(/^budget 2e8: lr 0.01 × batch 4096 /u)
    ])
    expect(problems[0]?.fields).toEqual([["sweep", "budgets"], ["sweep", "batch_tokens"]])
  })
})

describe("training.lr naming a law", () => {
  it("plans each run's lr as the published law's value at the run's C (DeepSeek LLM: 0.3118·C^−0.125)", () => {
    const experiment = decodeIsoflop(`
name: named-lr
${model}
sweep: { budgets: [1e10, 1e11], sizes_per_budget: 3, span: 4 }
training: { lr: deepseek-llm, batch_tokens: deepseek-llm }
`)
    expect(experiment.training.lr).toBe("deepseek-llm")
    const plan = planIsoflop(experiment)
    for (const { run } of plan.runs) {
      expect(run.training.lr).toBeCloseTo(0.3118 * run.flops ** -0.125, 12)
      expect(run.training.batch_tokens).toBe(64 * Math.max(1, Math.round((0.292 * run.flops ** 0.3271) / 64)))
    }
  })

  it("plans a fitted law written as its expression in C, as loading `{ from: <spec> }` writes it", () => {
    const experiment = decodeIsoflop(`
name: fitted-lr
${model}
sweep: { budgets: [1e10], sizes_per_budget: 3, span: 4 }
training: { lr: "2.00000e-1 * C^(-1.00000e-1)" }
`)
    for (const { run } of planIsoflop(experiment).runs) expect(run.training.lr).toBeCloseTo(0.2 * run.flops ** -0.1, 12)
  })

  it("a `{ from: <spec> }` not read from its file is a plan error that says how to read it", () => {
    const experiment = decodeIsoflop(`
name: unread
${model}
sweep: { budgets: [1e10], sizes_per_budget: 3, span: 4 }
training: { lr: { from: hyperparameters.yaml } }
`)
    expect(() => planIsoflop(experiment)).toThrow(/training.lr: the law fitted by hyperparameters.yaml is read when the spec is loaded from its file/u)
  })
})
