// Known-answer tests of the law forms, their leave-largest-out scores and the extrapolation
// calibration, on IsoFLOP sweeps generated from laws with known constants.
import { describe, expect, it } from "vitest"
import type { BudgetedPoint, LawForm, LawFormParameters, LossLaw } from "../src/index.ts"
import {
  backtestLawForm,
  bootstrapLawForm,
  budgetGroups,
  calibrateExtrapolation,
  chooseLawForm,
  fitLawForm,
  LAW_FORMS,
  lawFormLaw,
  mulberry32,
  percentileInterval,
  runStepwise,
  scoreLawForms,
  standardNormal,
  widenLossInterval
} from "../src/index.ts"
import { kaplanObjective } from "../src/fit/kaplanLaw.ts"

const truths: { readonly [F in LawForm]: LawFormParameters } = {
  chinchilla: { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 },
  tied: { E: 1.8, A: 300, B: 900, alpha: 0.3, beta: 0.3 },
  "no-e": { E: 0, A: 60, B: 80, alpha: 0.15, beta: 0.12 },
  // Kaplan et al. 2020, eq. 1.5 and Table 2.
  kaplan: { N_c: 8.8e13, D_c: 5.4e13, alpha_N: 0.076, alpha_D: 0.095 }
}

/** `sizes` runs per budget over a factor of 8 in N around the law's optimum, loss × (1 + noise·z). */
const isoflopSweep = (law: LossLaw, budgets: ReadonlyArray<number>, options: { sizes: number; noise: number; seed: number }): BudgetedPoint[] => {
  const random = mulberry32(options.seed)
  return budgets.flatMap((budget) => {
    const optimum = law.optimumAt(budget)
    return Array.from({ length: options.sizes }, (_, i) => {
      const params = optimum.params * 8 ** ((i - (options.sizes - 1) / 2) / (options.sizes - 1))
      const tokens = budget / (6 * params)
      return { params, tokens, budget, loss: law.lossAt(params, tokens) * (1 + options.noise * standardNormal(random)) }
    })
  })
}

// Five budgets half a decade apart: two decades, 1e17 to 1e19 FLOPs.
const twoDecades = [0, 0.5, 1, 1.5, 2].map((decades) => 1e17 * 10 ** decades)

describe("law forms", () => {
  it.each(LAW_FORMS)("%s: the fit recovers the generating constants from noise-free runs", (form) => {
    const points = isoflopSweep(lawFormLaw(form, truths[form]), [1e17, 1e18, 1e19, 1e20], { sizes: 9, noise: 0, seed: 1 })
    const fit = fitLawForm(form, points, { grid: "full" })
    expect(fit.form).toBe(form)
    for (const [name, value] of Object.entries(truths[form])) {
      expect(Math.abs((fit.parameters[name] as number) - value), name).toBeLessThanOrEqual(1e-6 * Math.max(Math.abs(value), 1e-9))
    }
  })

  it.each(LAW_FORMS)("%s: with 1 percent noise the exponents come back within 0.05 and the fitted-range loss within 1 percent", (form) => {
    const law = lawFormLaw(form, truths[form])
    const fit = fitLawForm(form, isoflopSweep(law, [1e17, 1e18, 1e19, 1e20], { sizes: 9, noise: 0.01, seed: 2 }), { grid: "full" })
    for (const name of ["alpha", "beta", "alpha_N", "alpha_D"].filter((name) => name in truths[form])) {
      expect(Math.abs((fit.parameters[name] as number) - (truths[form][name] as number)), name).toBeLessThan(0.05)
    }
    const optimum = law.optimumAt(1e19)
    expect(Math.abs(fit.law.lossAt(optimum.params, optimum.tokens) / optimum.loss - 1)).toBeLessThan(0.01)
  })

  it("tied fits one exponent and no-e has no floor", () => {
    const points = isoflopSweep(lawFormLaw("chinchilla", truths.chinchilla), twoDecades, { sizes: 7, noise: 0.01, seed: 3 })
    const tied = fitLawForm("tied", points, { grid: "small" })
    expect(tied.parameters.alpha).toBe(tied.parameters.beta)
    const noFloor = fitLawForm("no-e", points, { grid: "small" })
    expect(noFloor.parameters.E).toBe(0)
    expect(noFloor.law.floor).toBe(0)
  })

  it("kaplan: the objective has the gradient of its value (central differences)", () => {
    const points = isoflopSweep(lawFormLaw("kaplan", truths.kaplan), twoDecades, { sizes: 7, noise: 0.02, seed: 4 })
    const objective = kaplanObjective({
      logParams: Float64Array.from(points, (p) => Math.log(p.params)),
      logTokens: Float64Array.from(points, (p) => Math.log(p.tokens)),
      logLoss: Float64Array.from(points, (p) => Math.log(p.loss))
    }, 10)
    const x = Float64Array.from([30, 29, 0.09, 0.11])
    const gradient = new Float64Array(4)
    objective(x, gradient)
    const scratch = new Float64Array(4)
    for (let i = 0; i < 4; i++) {
      const h = 1e-6
      const up = Float64Array.from(x)
      const down = Float64Array.from(x)
      up[i] = (up[i] as number) + h
      down[i] = (down[i] as number) - h
      const numeric = (objective(up, scratch) - objective(down, scratch)) / (2 * h)
      expect(Math.abs((gradient[i] as number) - numeric)).toBeLessThan(1e-5 * Math.max(1, Math.abs(numeric)))
    }
  })

  it("kaplan: the closed-form optimum is the minimum of the loss along 6·N·D = C (a fine scan in ln N)", () => {
    const law = lawFormLaw("kaplan", truths.kaplan)
    for (const compute of [1e15, 1e20, 1e25]) {
      const optimum = law.optimumAt(compute)
      expect(6 * optimum.params * optimum.tokens).toBeCloseTo(compute, -Math.log10(compute) + 9)
      for (const step of [-0.01, 0.01, -0.5, 0.5]) {
        const params = optimum.params * Math.exp(step)
        expect(law.lossAt(params, compute / (6 * params))).toBeGreaterThan(optimum.loss)
      }
      // Kaplan's own exponent: N* ∝ C^(α_D/(α_N+α_D)).
      const tenfold = law.optimumAt(compute * 10)
      expect(Math.log10(tenfold.params / optimum.params)).toBeCloseTo(0.095 / (0.076 + 0.095), 9)
    }
  })

  it("kaplan: a law whose exponents are not both positive has no optimum, and says so", () => {
    expect(() => lawFormLaw("kaplan", { ...truths.kaplan, alpha_N: -0.1 }).optimumAt(1e20)).toThrow(/no compute-optimal model size/)
  })
})

describe("leave-largest-out scores", () => {
  it("backtests leave out the largest one and two budgets, measuring distance from the largest fitted one", () => {
    const points = isoflopSweep(lawFormLaw("chinchilla", truths.chinchilla), twoDecades, { sizes: 7, noise: 0, seed: 1 })
    const backtests = backtestLawForm("chinchilla", points)
    expect(backtests.map((b) => [b.held_out, b.fitted_budgets])).toEqual([[1, 4], [2, 3]])
    expect(backtests[1]?.errors.map((e) => e.budget)).toEqual([...Array(7).fill(twoDecades[3]), ...Array(7).fill(twoDecades[4])])
    expect(backtests[1]?.errors[0]?.decades).toBeCloseTo(0.5, 6)
    expect(backtests[1]?.errors[7]?.decades).toBeCloseTo(1, 6)
    // Noise-free runs of the form itself: the held-out forecasts are exact.
    for (const backtest of backtests) expect(backtest.rms_log_error).toBeLessThan(1e-6)
  })

  it("with too few budgets every form is unscored and the choice falls back, saying why", () => {
    const points = isoflopSweep(lawFormLaw("chinchilla", truths.chinchilla), [1e17, 1e18], { sizes: 7, noise: 0.01, seed: 1 })
    const scores = scoreLawForms(points, LAW_FORMS)
    expect(scores.every((entry) => entry.score === undefined)).toBe(true)
    const choice = chooseLawForm(scores, "chinchilla")
    expect(choice.form).toBe("chinchilla")
    expect(choice.reason).toMatch(/too few budgets/)
  })

  it("on runs of a Kaplan law, auto picks a form that extrapolates well (the generating form here)", () => {
    const truth = lawFormLaw("kaplan", truths.kaplan)
    for (const seed of [1, 2, 3]) {
      const points = isoflopSweep(truth, twoDecades, { sizes: 7, noise: 0.01, seed })
      const scores = scoreLawForms(points, LAW_FORMS)
      const choice = chooseLawForm(scores, "chinchilla")
      const kaplanScore = scores.find((entry) => entry.form === "kaplan")?.score as number
      const chosenScore = scores.find((entry) => entry.form === choice.form)?.score as number
      expect(chosenScore).toBeLessThanOrEqual(kaplanScore * 1.1)
      // The chosen form's compute-optimal loss two decades past the sweep is within 2% of the truth.
      const forecast = fitLawForm(choice.form, points, { grid: "small" }).law.optimumAt(1e21)
      expect(Math.abs(Math.log(forecast.loss / truth.lossAt(forecast.params, forecast.tokens)))).toBeLessThan(0.02)
    }
  })
})

describe("extrapolation calibration", () => {
  it("needs two backtests (four budgets) and says so otherwise", () => {
    const points = isoflopSweep(lawFormLaw("chinchilla", truths.chinchilla), [1e17, 1e18, 1e19], { sizes: 7, noise: 0.01, seed: 1 })
    const calibration = calibrateExtrapolation(backtestLawForm("chinchilla", points), 1e19)
    expect(calibration.calibrated).toBe(false)
  })

  it("takes the conformal quantile of the misses per decade, and widens more the further out", () => {
    const backtests = [1, 2].map((held_out) => ({
      held_out,
      fitted_budgets: 3,
      errors: [0.01, -0.02, 0.03, -0.04, 0.05].map((log_error) => ({ budget: 1, decades: 1, log_error })),
      rms_log_error: 0,
      mean_log_error: 0
    }))
    const calibration = calibrateExtrapolation(backtests, 1e19, 0.8)
    if (!calibration.calibrated) throw new Error(calibration.reason)
    // n = 10 misses of 0.01..0.05 per decade (each twice): the ⌈11·0.8⌉ = 9th smallest is 0.05.
    expect(calibration.per_decade).toBeCloseTo(0.05, 12)
    const inside = widenLossInterval(calibration, [2, 2.1], 1e9, 1e9)
    expect(inside).toEqual([2, 2.1])
    const oneDecade = widenLossInterval(calibration, [2, 2.1], 1e9, 1e19 / 6e9 * 10)
    expect(oneDecade[0]).toBeCloseTo(2 * Math.exp(-0.05), 9)
    const twoDecades = widenLossInterval(calibration, [2, 2.1], 1e9, 1e19 / 6e9 * 100)
    expect(twoDecades[1]).toBeCloseTo(2.1 * Math.exp(0.1), 9)
  })

  // The claim the calibration exists for: on sweeps from a known Chinchilla law over two decades
  // with 1% noise, the widened 80% interval of the loss forecast one to two decades past the
  // largest budget holds the truth in at least 70% of cases.
  it("the calibrated 80% interval holds the truth one to two decades out in at least 70% of sweeps", () => {
    const truth = lawFormLaw("chinchilla", truths.chinchilla)
    let held = 0
    let heldUncalibrated = 0
    let cases = 0
    for (let seed = 1; seed <= 30; seed++) {
      const points = isoflopSweep(truth, twoDecades, { sizes: 7, noise: 0.01, seed })
      const fit = fitLawForm("chinchilla", points, { grid: "small" })
      const groups = budgetGroups(points)
      const calibration = calibrateExtrapolation(backtestLawForm("chinchilla", points), groups[groups.length - 1]?.compute as number)
      if (!calibration.calibrated) throw new Error(calibration.reason)
      const { laws } = runStepwise(bootstrapLawForm("chinchilla", points, fit.parameters, { resamples: 40, seed }))
      for (const multiple of [10, 30, 100]) {
        const { params, tokens } = fit.law.optimumAt(1e19 * multiple)
        const interval = percentileInterval(laws.map((law) => law.lossAt(params, tokens)))
        const widened = widenLossInterval(calibration, interval, params, tokens)
        const actual = truth.lossAt(params, tokens)
        cases++
        if (widened[0] <= actual && actual <= widened[1]) held++
        if (interval[0] <= actual && actual <= interval[1]) heldUncalibrated++
      }
    }
    console.log(`calibrated 80% interval held the truth in ${held}/${cases}; the bootstrap's alone in ${heldUncalibrated}/${cases}`)
    expect(held / cases).toBeGreaterThanOrEqual(0.7)
    expect(held).toBeGreaterThanOrEqual(heldUncalibrated)
  }, 60_000)
})
