import { describe, expect, it } from "vitest"
import { bootstrapHyperparameterLaws, fitHyperparameterLaws, type HyperparameterRun, mulberry32, standardNormal } from "../src/index.ts"

// A loss surface whose optimum moves as a known power of C: lr*(C) = 0.3·C^−0.125 and
// B*(C) = 0.3·C^0.33, quadratic in log lr and log B around it (with a cross term), plus noise.
const truth = { lr: { k: 0.3, exponent: -0.125 }, batch: { k: 0.3, exponent: 0.33 } }
const lrStar = (c: number) => truth.lr.k * c ** truth.lr.exponent
const batchStar = (c: number) => truth.batch.k * c ** truth.batch.exponent

const surface = (c: number, lr: number, batch: number): number => {
  const u = Math.log(lr / lrStar(c))
  const v = Math.log(batch / batchStar(c))
  return 3 - 0.1 * Math.log10(c) + 0.08 * u * u + 0.05 * v * v + 0.02 * u * v
}

const budgets = [1e16, 1e17, 1e18, 1e19, 1e20]
// The grid follows each budget's optimum (as a user centres it on a published law), off by a
// budget-dependent offset so that the optimum never sits on a grid point.
const gridRuns = (noise: number, seed: number, lrSteps = [-2, -1, 0, 1, 2]): HyperparameterRun[] => {
  const random = mulberry32(seed)
  return budgets.flatMap((c, b) => {
    const offset = 0.3 * (b % 3) - 0.3
    return lrSteps.flatMap((i) =>
      [-2, -1, 0, 1, 2].map((j) => {
        const lr = lrStar(c) * Math.exp(0.7 * i + offset)
        const batch = batchStar(c) * Math.exp(0.7 * j - offset / 2)
        return { budget: c, lr, batch_tokens: batch, loss: surface(c, lr, batch) + noise * standardNormal(random) }
      })
    )
  })
}

describe("fitHyperparameterLaws", () => {
  it("recovers lr*(C) and B*(C) exactly from a noiseless quadratic surface", () => {
    const fit = fitHyperparameterLaws(gridRuns(0, 1))
    if (fit.lr._tag !== "Fitted" || fit.batch_tokens._tag !== "Fitted") throw new Error("expected both laws fitted")
    expect(fit.lr.law.exponent).toBeCloseTo(truth.lr.exponent, 8)
    expect(fit.lr.law.k).toBeCloseTo(truth.lr.k, 6)
    expect(fit.batch_tokens.law.exponent).toBeCloseTo(truth.batch.exponent, 8)
    expect(fit.batch_tokens.law.k / truth.batch.k).toBeCloseTo(1, 6)
    for (const budget of fit.budgets) {
      expect(budget.lr).toMatchObject({ _tag: "Interior", refined: true })
    }
  })

  it("with noise, the 80% bootstrap intervals hold the true exponents", () => {
    const runs = gridRuns(0.002, 7)
    const fit = fitHyperparameterLaws(runs)
    if (fit.lr._tag !== "Fitted" || fit.batch_tokens._tag !== "Fitted") throw new Error("expected both laws fitted")
    expect(Math.abs(fit.lr.law.exponent - truth.lr.exponent)).toBeLessThan(0.03)
    const bootstrap = bootstrapHyperparameterLaws(runs, { resamples: 200, seed: 3 })
    expect(bootstrap.resamples_requested).toBe(200)
    expect(bootstrap.resamples_used).toBeGreaterThan(150)
    expect(bootstrap.lr!.succeeded).toBeLessThanOrEqual(bootstrap.resamples_used)
    const [lrLow, lrHigh] = bootstrap.lr!.exponent
    const [batchLow, batchHigh] = bootstrap.batch_tokens!.exponent
    expect(lrLow).toBeLessThan(truth.lr.exponent)
    expect(lrHigh).toBeGreaterThan(truth.lr.exponent)
    expect(batchLow).toBeLessThan(truth.batch.exponent)
    expect(batchHigh).toBeGreaterThan(truth.batch.exponent)
    // The fitted exponent sits inside its own interval.
    expect(fit.lr.law.exponent).toBeGreaterThan(lrLow)
    expect(fit.lr.law.exponent).toBeLessThan(lrHigh)
  })

  it("leaves a budget whose best learning rate is on the grid's edge out of the lr law, and says why", () => {
    // Only learning rates above the optimum: the minimum lands on the smallest one tried.
    const runs = gridRuns(0, 1).map((run) => run.budget === 1e18 ? { ...run, lr: run.lr * Math.exp(2.1) } : run)
      .map((run) => run.budget === 1e18 ? { ...run, loss: surface(run.budget, run.lr, run.batch_tokens) } : run)
    const fit = fitHyperparameterLaws(runs)
    const edge = fit.budgets.find((budget) => budget.budget === 1e18)!
    expect(edge.lr._tag).toBe("OnEdge")
    if (edge.lr._tag === "OnEdge") expect(edge.lr.message).toMatch(/smallest learning rate tried.*left out of the learning rate law/u)
    if (fit.lr._tag !== "Fitted") throw new Error("expected the lr law fitted from the other budgets")
    expect(fit.lr.law.budgets).toEqual([1e16, 1e17, 1e19, 1e20])
    expect(fit.lr.law.exponent).toBeCloseTo(truth.lr.exponent, 8)
  })

  it("fits no law when fewer than two budgets bracket their optimum", () => {
    const runs = gridRuns(0, 1, [1, 2, 3])
    const fit = fitHyperparameterLaws(runs)
    expect(fit.lr._tag).toBe("Unfitted")
    if (fit.lr._tag === "Unfitted") expect(fit.lr.reason).toMatch(/0 budgets have an interior learning rate optimum/u)
    expect(fit.batch_tokens._tag).toBe("Fitted")
  })
})
