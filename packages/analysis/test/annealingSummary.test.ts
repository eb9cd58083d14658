import { Result } from "effect"
import { planAnnealing } from "@scalelab/planner"
import { type AnnealingExperiment, decodeSpecText, type RunResult, specOfKind } from "@scalelab/spec"
import { describe, expect, it } from "vitest"
import { changeCell, changeVerdict, summarizeAnnealing } from "../src/annealingSummary.ts"

const experiment = ((): AnnealingExperiment => {
  const decoded = decodeSpecText(`name: anneal
model: { context: 64, aspect: 16, head_dim: 8, kv_heads: 2 }
sweep:
  kind: annealing
  base: moby-dick
  candidates: { good: sotu, bad: { kind: markov, documents: 50 } }
  budgets: 1e12
  seeds: 3
  target: { base: 0.5, good: 0.5 }
training: { batch_tokens: D / 200 }
`, "anneal.yaml")
  if (Result.isFailure(decoded)) throw new Error(decoded.failure.message)
  const kind = specOfKind(decoded.success)
  if (kind._tag !== "Annealing") throw new Error(kind._tag)
  return kind.annealing
})()

const plan = planAnnealing(experiment)

const result = (id: string, losses: Readonly<Record<string, number>>, status: RunResult["status"] = "completed"): RunResult => ({
  id,
  status,
  val_loss: 0,
  val_loss_by_domain: losses,
  train_loss: 0,
  params: 1,
  tokens: 1,
  flops: 1,
  steps: 1,
  backend: "wasm",
  wall_s: 1,
  tokens_per_s: 1
})

// Seeds differ by a lot (0, 0.3, 0.6 nats); the anneals move every seed by the same amounts, so the
// paired changes are exact and their intervals have no width, while unpaired ones would not.
const seedOffset = [0, 0.3, 0.6]
const checkpointLoss = { base: 2.5, good: 2.3, bad: 4.5 }
const controlMove = { base: -0.05, good: -0.05, bad: 0.1 }
const goodMove = { base: 0.01, good: -0.04, bad: 0.02 }
const badMove = { base: 0.12, good: 0.18, bad: -3 }

const shifted = (losses: Readonly<Record<string, number>>, ...moves: ReadonlyArray<Readonly<Record<string, number>>>) =>
  Object.fromEntries(Object.entries(losses).map(([domain, loss]) => [domain, moves.reduce((sum, move) => sum + (move[domain] ?? 0), loss)]))

const allResults = () => {
  const results = new Map<string, RunResult>()
  for (const probe of plan.probes) {
    const offset = { base: seedOffset[probe.seed]!, good: seedOffset[probe.seed]!, bad: seedOffset[probe.seed]! }
    results.set(probe.checkpoint.id, result(probe.checkpoint.id, shifted(checkpointLoss, offset)))
    results.set(probe.control.id, result(probe.control.id, shifted(checkpointLoss, offset, controlMove)))
    const [good, bad] = probe.candidates
    results.set(good!.run.id, result(good!.run.id, shifted(checkpointLoss, offset, controlMove, goodMove)))
    results.set(bad!.run.id, result(bad!.run.id, shifted(checkpointLoss, offset, controlMove, badMove)))
  }
  return results
}

describe("summarizeAnnealing", () => {
  it("measures each candidate against the control of its own checkpoint, per domain and on the target", () => {
    const summary = summarizeAnnealing(experiment, plan.probes, allResults())
    expect(summary.columns).toEqual(["base", "good", "bad", "target"])
    const [budget] = summary.budgets
    expect(budget).toMatchObject({ budget: 1e12, seeds: 3, plannedSeeds: 3 })
    expect(budget!.checkpoint[0]).toBeCloseTo(2.8, 12) // 2.5 + mean offset 0.3
    expect(budget!.controlGain.map((change) => change.mean)).toEqual([-0.05, -0.05, 0.1, -0.05].map((value) => expect.closeTo(value, 12)))
    const [good, bad] = budget!.candidates
    expect(good!.name).toBe("good")
    expect(good!.change.map((change) => change.mean)).toEqual([0.01, -0.04, 0.02, -0.015].map((value) => expect.closeTo(value, 12)))
    expect(bad!.change.map((change) => change.mean)).toEqual([0.12, 0.18, -3, 0.15].map((value) => expect.closeTo(value, 12)))
    // Paired, the seeds' offsets cancel: three equal differences have an interval of no width.
    for (const change of good!.change) {
      expect(change.n).toBe(3)
      expect(change.interval![1] - change.interval![0]).toBeCloseTo(0, 10)
    }
    expect(changeVerdict("good", good!.change[3]!)).toBe("good lowers it by 0.0150 [0.0150, 0.0150]")
    expect(summary.plot.changes.filter((mark) => mark.candidate === "bad")).toHaveLength(4)
    expect(summary.plot.losses.filter((mark) => mark.role === "checkpoint")).toHaveLength(3 * 4)
  })

  it("leaves out seeds whose anneal did not complete or diverged, and says when one seed gives no interval", () => {
    const results = allResults()
    const [first, second] = plan.probes
    results.delete(first!.candidates[0]!.run.id)
    results.set(second!.candidates[0]!.run.id, result(second!.candidates[0]!.run.id, { base: 9, good: 9, bad: 9 }, "diverged"))
    const good = summarizeAnnealing(experiment, plan.probes, results).budgets[0]!.candidates[0]!
    expect(good.change[3]!.n).toBe(1)
    expect(good.change[3]!.interval).toBeUndefined()
    expect(changeCell(good.change[3]!)).toBe("−0.0150")
    expect(changeVerdict("good", good.change[3]!)).toBe("good: −0.0150 from one seed, no interval (add seeds)")
  })

  it("gives an interval that contains zero when the candidate's effect is within the seeds' noise", () => {
    const results = allResults()
    // The good candidate's target change, seed by seed: −0.03, +0.02, +0.004: no clear sign.
    plan.probes.forEach((probe, seed) => {
      const run = probe.candidates[0]!.run
      const previous = results.get(run.id)!.val_loss_by_domain!
      const noise = [-0.03, 0.02, 0.004][seed]! + 0.015
      results.set(run.id, result(run.id, { ...previous, base: previous["base"]! + noise, good: previous["good"]! + noise }))
    })
    const change = summarizeAnnealing(experiment, plan.probes, results).budgets[0]!.candidates[0]!.change[3]!
    expect(change.interval![0]).toBeLessThan(0)
    expect(change.interval![1]).toBeGreaterThan(0)
    expect(changeVerdict("good", change)).toMatch(/^good does not change it beyond the seeds' noise \(/)
  })
})
