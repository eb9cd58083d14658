import { Result } from "effect"
import { computeOptimal, fitIsoflopCurves, type IsoflopPoint, lawByName, type ParametricLaw, parametricLoss } from "@scalelab/laws"
import { decodeExperimentText, type Experiment } from "@scalelab/spec"
import { describe, expect, it } from "vitest"
import { adaptiveCentre, planAdaptive, planIsoflop, type PlannedRun, publishedCentre } from "../src/index.ts"

const decode = (yaml: string): Experiment => {
  const result = decodeExperimentText(yaml, "test.yaml")
  if (Result.isFailure(result)) throw new Error(result.failure.message)
  return result.success
}

const experiment = decode(`
name: adaptive-test
model: { context: 64, aspect: 16, head_dim: 8, kv_heads: 2 }
sweep:
  budgets: "logspace(1e12, 1e15, 5)"
  sizes_per_budget: 5
  span: 8
  centre: chinchilla
  adaptive: true
training:
  lr: 3e-3 * (N / 1e5)^-0.25
  batch_tokens: D / 200
# The runs below are exact parabolas in log N, or smooth curves of a law: these tests are about how
# the plan moves its centres, so each budget's minimum is read by the parabola, the same every time.
fit: { isoflop_minimum: parabola }
`)

const chinchilla = lawByName("chinchilla") as ParametricLaw
// Chinchilla's parametric law gives N*(C) ∝ C^(β/(α+β)).
const chinchillaExponent = chinchilla.beta / (chinchilla.alpha + chinchilla.beta)

/**
 * Runs of one budget whose loss is an exact parabola in log10 N with its minimum at `optimum`:
 * the fitted optimum is `optimum` itself wherever it lies among `sizes`.
 */
const parabolaRuns = (budget: number, optimum: number, sizes: ReadonlyArray<number>): IsoflopPoint[] =>
  sizes.map((params) => ({ budget, params, tokens: budget / (6 * params), loss: 2 + Math.log10(params / optimum) ** 2 }))

/** Five sizes spread over a factor of 8 around `centre`, as a sweep with span 8 plans them. */
const sizesAround = (centre: number): number[] => [-2, -1, 0, 1, 2].map((step) => centre * 8 ** (step / 4))

describe("adaptiveCentre", () => {
  it("uses the published law before any budget has finished", () => {
    const centre = adaptiveCentre(experiment, 1e12, [])
    expect(centre).toEqual(publishedCentre(experiment, 1e12))
    expect(centre.params).toBeCloseTo(computeOptimal(chinchilla, 1e12).params, 6)
    expect(centre.source).toBe("chinchilla")
    expect(centre.reason).toBe("N*(C)=1.6e5 from the published law chinchilla")
  })

  it("carries a single bracketed optimum with the published law's exponent", () => {
    const finished = parabolaRuns(1e12, 3e5, sizesAround(2e5))
    const centre = adaptiveCentre(experiment, 1e13, finished)
    expect(centre.params / (3e5 * 10 ** chinchillaExponent)).toBeCloseTo(1, 9)
    expect(centre.reason).toBe("N*(C)=8.5e5 from budget 1e12's fitted optimum 3e5 scaled by C^0.45 (chinchilla's exponent)")
  })

  it("reads each budget's minimum with the spec's fit.isoflop_minimum, as the final fit does", () => {
    // An asymmetric curve (the Chinchilla law along one budget, swept over two decades off-centre):
    // the estimators disagree on its minimum.
    const budget = 1e12
    const centre = computeOptimal(chinchilla, budget).params * 3
    const runs = [-2, -1, 0, 1, 2].map((step) => centre * 100 ** (step / 4)).map((params) => ({
      budget,
      params,
      tokens: budget / (6 * params),
      loss: parametricLoss(chinchilla, params, budget / (6 * params))
    }))
    const withEstimator = (minimum: "parabola" | "akima"): Experiment => ({ ...experiment, fit: { ...experiment.fit, isoflop_minimum: minimum } })
    for (const minimum of ["parabola", "akima"] as const) {
      const curve = fitIsoflopCurves(runs, { minimum })[0]!
      const centre = adaptiveCentre(withEstimator(minimum), 1e13, runs)
      expect(centre.params / (curve.params_opt! * 10 ** chinchillaExponent)).toBeCloseTo(1, 9)
    }
    const [byParabola, byAkima] = [withEstimator("parabola"), withEstimator("akima")].map((spec) => adaptiveCentre(spec, 1e13, runs).params)
    expect(Math.abs(Math.log(byParabola! / byAkima!))).toBeGreaterThan(0.01)
  })

  it("fits N*(C) = k·C^a across two or more bracketed budgets and evaluates it at the budget", () => {
    const law = (compute: number) => 0.5 * compute ** 0.6
    const finished = [1e12, 1e13].flatMap((budget) => parabolaRuns(budget, law(budget), sizesAround(law(budget) * 1.3)))
    const centre = adaptiveCentre(experiment, 1e14, finished)
    expect(centre.params / law(1e14)).toBeCloseTo(1, 9)
    expect(centre.source).toBe("fit of earlier budgets")
    expect(centre.reason).toBe("N*(C)=1.3e8 from the fit of budgets 1e12, 1e13 (N* = 0.5·C^0.6)")
  })

  it("clamps a fitted exponent above 1 to 1, anchored at the largest fitted budget", () => {
    const optimum = (compute: number) => 1e-13 * compute ** 1.5
    const finished = [1e12, 1e13].flatMap((budget) => parabolaRuns(budget, optimum(budget), sizesAround(optimum(budget))))
    const centre = adaptiveCentre(experiment, 1e14, finished)
    expect(centre.params / (optimum(1e13) * 10)).toBeCloseTo(1, 9)
    expect(centre.reason).toContain("C^1.5, exponent clamped to 1")
  })

  it("moves beyond the edge of an unbracketed budget: the edge ×sqrt(span), carried with the law's exponent", () => {
    // Published centre 1.6e5 at 1e12; the true optimum 2e6 is far above the largest size swept.
    const sizes = sizesAround(1.6e5)
    const largest = sizes[4] as number
    const above = adaptiveCentre(experiment, 1e13, parabolaRuns(1e12, 2e6, sizes))
    expect(above.params / (largest * Math.sqrt(8) * 10 ** chinchillaExponent)).toBeCloseTo(1, 9)
    expect(above.source).toBe("beyond an unbracketed budget")
    expect(above.reason).toBe(
      "N*(C)=3.6e6 beyond budget 1e12, whose minimum was not bracketed (its best size 4.5e5 was its largest; " +
        "the published law chinchilla put N* there at 1.6e5): 4.5e5×sqrt(8) scaled by C^0.45 (chinchilla's exponent)"
    )

    const smallest = sizes[0] as number
    const below = adaptiveCentre(experiment, 1e13, parabolaRuns(1e12, 1e4, sizes))
    expect(below.params / (smallest / Math.sqrt(8) * 10 ** chinchillaExponent)).toBeCloseTo(1, 9)
    expect(below.reason).toContain("was its smallest")
    expect(below.reason).toContain("÷sqrt(8)")
  })

  it("lets the latest budget's bound overrule a fit that falls short of it, and a later optimum supersede an earlier bound", () => {
    const law = (compute: number) => 0.5 * compute ** 0.5
    const fitted = [1e12, 1e13].flatMap((budget) => parabolaRuns(budget, law(budget), sizesAround(law(budget))))
    // At 1e14 the fit predicts 5e6, but the sizes there all lie below the true optimum.
    const sizes = sizesAround(law(1e14))
    const bounded = adaptiveCentre(experiment, 1e15, [...fitted, ...parabolaRuns(1e14, 1e8, sizes)])
    expect(bounded.params / ((sizes[4] as number) * Math.sqrt(8) * 10 ** 0.5)).toBeCloseTo(1, 9)
    expect(bounded.reason).toContain("the fit of budgets 1e12, 1e13 (N* = 0.5·C^0.5) put N* there at 5e6")
    expect(bounded.reason).toContain("(the fitted exponent)")

    const superseded = adaptiveCentre(experiment, 1e14, [
      ...parabolaRuns(1e12, 1e8, sizesAround(law(1e12))),
      ...parabolaRuns(1e13, law(1e13), sizesAround(law(1e13)))
    ])
    expect(superseded.params / (law(1e13) * 10 ** chinchillaExponent)).toBeCloseTo(1, 9)
  })
})

/** Chinchilla's law with its optimum N* moved by `factor` at every budget (A scaled, exponents kept). */
const scaledChinchilla = (factor: number): ParametricLaw => ({
  ...chinchilla,
  name: `chinchilla ×${factor}`,
  A: chinchilla.A * factor ** (chinchilla.alpha + chinchilla.beta)
})

interface SweepStep {
  readonly budget: number
  readonly runs: ReadonlyArray<PlannedRun>
  /** The planned centre over the true N*(C). */
  readonly centreRatio: number
}

/**
 * The lead's loop with a known truth: plan, "train" every planned run without a result by
 * evaluating the true loss at its actual N and D, feed the results back, plan again, until the
 * plan stops growing (each budget's window, its extensions past an edge, the next budget).
 */
const simulateSweep = (truth: ParametricLaw) => {
  const finished: IsoflopPoint[] = []
  const trained = new Set<string>()
  let plan = planAdaptive(experiment, finished)
  for (;;) {
    const fresh = plan.runs.filter(({ run }) => !trained.has(run.id))
    if (fresh.length === 0) break
    for (const { run } of fresh) {
      trained.add(run.id)
      finished.push({ budget: run.budget, params: run.params, tokens: run.tokens, loss: parametricLoss(truth, run.params, run.tokens) })
    }
    plan = planAdaptive(experiment, finished)
  }
  const steps: SweepStep[] = experiment.sweep.budgets.map((budget) => {
    const runs = plan.runs.filter((planned) => planned.run.budget === budget)
    const centre = runs[0]?.centre_params ?? Number.NaN
    return { budget, runs, centreRatio: centre / computeOptimal(truth, budget).params }
  })
  return { steps, finished, plan }
}

// What each centre source says in a run's reason.
const sourceWords: Record<string, string> = {
  chinchilla: "from the published law chinchilla",
  "beyond an unbracketed budget": "whose minimum was not bracketed",
  "earlier budget's optimum": "fitted optimum",
  "fit of earlier budgets": "from the fit of budgets"
}

describe("an adaptive sweep from a wrong published centre", () => {
  // True N* 4× Chinchilla's: beyond the first budget's largest size (sqrt(8) ≈ 2.8× its centre).
  const offScale = simulateSweep(scaledChinchilla(4))
  // True N* ∝ C^0.55 instead of C^0.45, 6× Chinchilla's at the first budget and 12× at the last.
  const offExponent = simulateSweep({ ...chinchilla, name: "steeper", alpha: 0.28, beta: 0.34 })

  it("brackets the first budget's minimum at that budget by extending it past its edge", () => {
    for (const { steps } of [offScale, offExponent]) {
      const first = steps[0]?.runs ?? []
      const extensions = first.filter((planned) => planned.reason.startsWith("extension"))
      expect(extensions.length).toBeGreaterThan(0)
      expect(extensions[0]?.reason).toMatch(/^extension 1 at C=1e12: the best size so far, \S+, was the largest trained, so ×[\d.]+ past it/)
      // Every extension is larger than every size of the window: the true N* lies beyond its largest.
      const window = first.filter((planned) => !planned.reason.startsWith("extension"))
      const largestWindow = Math.max(...window.map(({ run }) => run.params))
      for (const { run } of extensions) expect(run.params).toBeGreaterThan(largestWindow)
    }
  })

  it("converges to the true N*(C): within 25% from the second budget, 5% from the third", () => {
    expect(offScale.steps.map((step) => step.centreRatio.toFixed(3))).toEqual(["0.250", "0.986", "1.032", "1.025", "1.021"])
    expect(offExponent.steps.map((step) => step.centreRatio.toFixed(3))).toEqual(["0.153", "0.833", "1.001", "0.995", "0.994"])
    for (const { steps } of [offScale, offExponent]) {
      for (const step of steps.slice(1)) expect(Math.abs(Math.log(step.centreRatio))).toBeLessThan(Math.log(1.25))
      for (const step of steps.slice(2)) expect(Math.abs(Math.log(step.centreRatio))).toBeLessThan(Math.log(1.05))
    }
  })

  it("goes from the published law to the first budget's optimum, then a fit", () => {
    for (const { steps } of [offScale, offExponent]) {
      expect(steps.map((step) => step.runs[0]?.centre)).toEqual([
        "chinchilla",
        "earlier budget's optimum",
        "fit of earlier budgets",
        "fit of earlier budgets",
        "fit of earlier budgets"
      ])
    }
  })

  it("says in every run's reason which size it is, at which budget, and where its centre comes from", () => {
    for (const { steps } of [offScale, offExponent]) {
      for (const { runs } of steps) {
        runs.filter((planned) => !planned.reason.startsWith("extension")).forEach((planned, index) => {
          expect(planned.reason).toMatch(new RegExp(`^size ${index + 1} of 5 at C=\\S+: N\\*\\(C\\)=\\S+ `))
          expect(planned.reason).toContain(sourceWords[planned.centre])
          expect(planned.reason).toMatch(/, ×[\d.]+ in log spacing over span 8$/)
        })
      }
    }
    expect(offScale.steps[3]?.runs[0]?.reason).toBe(
      "size 1 of 5 at C=1.78e14: N*(C)=6.7e6 from the fit of budgets 1e12, 5.62e12, 3.16e13 (N* = 2·C^0.46), ×0.35 in log spacing over span 8"
    )
  })

  it("plans each budget from the budgets below it only, so the same results give the same ids", () => {
    const ids = (runs: ReadonlyArray<PlannedRun>) => runs.map(({ run }) => run.id)
    const whole = planAdaptive(experiment, offScale.finished)
    expect(ids(whole.runs)).toEqual(offScale.steps.flatMap((step) => ids(step.runs)))
    expect(ids(planAdaptive(experiment, [...offScale.finished].reverse()).runs)).toEqual(ids(whole.runs))
    expect(new Set(ids(whole.runs)).size).toBe(whole.runs.length)
    // A resumed sweep, given the first two budgets' results, plans those budgets as they were run.
    const resumed = planAdaptive(experiment, offScale.finished.filter((point) => point.budget < 3e13))
    expect(ids(resumed.runs)).toEqual(offScale.steps.slice(0, 3).flatMap((step) => ids(step.runs)))
  })

  it("plans nothing beyond the first unfinished budget, which until then is the static plan's", () => {
    const first = planAdaptive(experiment, [])
    expect(new Set(first.runs.map(({ run }) => run.budget))).toEqual(new Set([1e12]))
    const staticFirst = planIsoflop(experiment).runs.filter(({ run }) => run.budget === 1e12)
    expect(first.runs).toEqual(staticFirst)
  })
})
