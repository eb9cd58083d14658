import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Exit, Result } from "effect"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { decodeExperimentText, decodeSpecText, formatSpecIssue, loadExperimentSpec, SpecError, specOfKind } from "../src/index.ts"

const problems = (yaml: string): ReadonlyArray<string> => {
  const result = decodeSpecText(yaml, "spec.yaml")
  if (Result.isSuccess(result)) throw new Error("expected the spec to be refused")
  return result.failure.issues.map(formatSpecIssue)
}

const load = (file: string) => Effect.runPromiseExit(loadExperimentSpec(file).pipe(Effect.provide(NodeFileSystem.layer)))

const loadFailure = async (file: string): Promise<ReadonlyArray<string>> => {
  const exit = await load(file)
  if (Exit.isSuccess(exit)) throw new Error(`expected ${file} to fail`)
  const error = exit.cause.reasons.map((reason) => (reason._tag === "Fail" ? reason.error : undefined)).find(Boolean)
  if (!(error instanceof SpecError)) throw new Error(`expected a SpecError, got ${String(exit.cause)}`)
  return error.issues.map(formatSpecIssue)
}

const scratch = mkdtempSync(join(tmpdir(), "scalelab-hyper-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe("sweep.kind: hyperparameters", () => {
  it("decodes the grid, sorted, with `centre` left out", () => {
    const result = decodeSpecText(
      "name: grid\nsweep:\n  kind: hyperparameters\n  budgets: logspace(1e10, 1e11, 3)\n  lr: [3e-2, 1e-2]\n  batch_tokens: 512\n",
      "spec.yaml"
    )
    if (Result.isFailure(result)) throw new Error(result.failure.message)
    const kind = specOfKind(result.success)
    if (kind._tag !== "Hyperparameters") throw new Error(kind._tag)
    const { budgets, ...grid } = kind.experiment.sweep
    expect(budgets.map((budget) => Math.log10(budget))).toEqual([10, 10.5, 11].map((exponent) => expect.closeTo(exponent, 12)))
    expect(grid).toEqual({ kind: "hyperparameters", lr: [1e-2, 3e-2], batch_tokens: [512], seeds: 1 })
  })

  it("names file, line and column of each problem", () => {
    expect(problems("name: grid\nsweep:\n  kind: hyperparameters\n  lr: [1e-2, -1]\n")).toEqual(["spec.yaml:4:14: expected a positive learning rate, got `-1`"])
    expect(problems("name: grid\nsweep:\n  kind: hyperparameters\n  centre: chinchilla\n  params: 1e4\n")).toEqual([
      "spec.yaml:5:11: expected `centre` (a published law's N*(C) at each budget) or `params` (one size for every budget), not both: remove one of them"
    ])
    const tracked = decodeExperimentText("name: grid\nsweep:\n  kind: hyperparameters\n", "spec.yaml")
    expect(Result.isFailure(tracked) && tracked.failure.issues.map(formatSpecIssue)).toEqual([
      "spec.yaml:3:9: sweep.kind: `hyperparameters` is a learning rate × batch size grid, which this command does not take; " +
      "`scalelab validate`, `plan`, `run` and `report` do"
    ])
    expect(problems("name: grid\nsweep:\n  kind: hyperparameter\n")[0]).toMatch(/^spec\.yaml:3:9: .*`hyperparameters`/u)
    expect(problems("name: grid\nsweep:\n  kind: hyperparameters\n  sizes_per_budget: 3\n")[0]).toMatch(/^spec\.yaml:4:3: unknown key `sizes_per_budget`/u)
  })
})

describe("training.lr naming a law", () => {
  it("takes a published law with a learning rate by name, and refuses one without", () => {
    const result = decodeSpecText("name: named\ntraining: { lr: deepseek-llm }\n", "spec.yaml")
    expect(Result.isSuccess(result) && result.success.training.lr).toBe("deepseek-llm")
    expect(problems("name: named\ntraining:\n  lr: chinchilla\n")).toEqual([
      "spec.yaml:3:7: expected a positive learning rate: the published law `chinchilla` does not give one; laws that do: deepseek-llm"
    ])
  })

  const writeSpecs = (folder: string, fit: unknown) => {
    mkdirSync(join(folder, ".scalelab", "reports", "grid"), { recursive: true })
    writeFileSync(join(folder, "grid.yaml"), "name: grid\nsweep: { kind: hyperparameters, lr: [1e-2], batch_tokens: [512] }\n")
    if (fit !== undefined) writeFileSync(join(folder, ".scalelab", "reports", "grid", "fit.json"), JSON.stringify(fit))
    writeFileSync(join(folder, "user.yaml"), "name: user\ntraining:\n  lr: { from: grid.yaml }\n  batch_tokens: 4096\n")
  }

  it("reads `{ from: <spec> }` from that spec's fit when loaded, as an expression in C", async () => {
    const folder = join(scratch, "fitted")
    writeSpecs(folder, { laws: { lr: { fitted: true, k: 0.25, exponent: -0.1 }, batch_tokens: { fitted: false, reason: "edge" } } })
    const exit = await load(join(folder, "user.yaml"))
    if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
    expect(exit.value.training.lr).toBe("0.250000 * C^(-0.100000)")
  })

  it("says, at the field, when the named spec has no fit yet or no such law", async () => {
    const unfitted = join(scratch, "unfitted")
    writeSpecs(unfitted, undefined)
    expect((await loadFailure(join(unfitted, "user.yaml")))[0]).toMatch(/user\.yaml:3:15: training\.lr: `grid\.yaml` has no fit yet .*run `scalelab run grid\.yaml` first/u)
    const noLaw = join(scratch, "no-law")
    writeSpecs(noLaw, { laws: { lr: { fitted: false, reason: "edge" } } })
    expect((await loadFailure(join(noLaw, "user.yaml")))[0]).toMatch(/training\.lr: the fit of `grid\.yaml` has no learning rate law/u)
    const missing = join(scratch, "missing")
    mkdirSync(missing, { recursive: true })
    writeFileSync(join(missing, "user.yaml"), "name: user\ntraining:\n  lr: { from: nowhere.yaml }\n")
    expect((await loadFailure(join(missing, "user.yaml")))[0]).toMatch(/training\.lr: `nowhere\.yaml` not found/u)
  })
})
