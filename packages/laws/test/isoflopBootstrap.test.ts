import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import type { Interval, IsoflopFit, IsoflopPoint } from "../src/index.ts"
import {
  bootstrapIsoflop,
  defaultIsoflopMinimum,
  fitIsoflop,
  forecastIsoflop,
  isoflopDiagnostics,
  isoflopMinimumEstimators,
  isoflopResidualResamples,
  LawInputError,
  mulberry32,
  runStepwise,
  standardNormal
} from "../src/index.ts"
import { syntheticSweep, trueExponent } from "./fixtures/isoflopSynthetic.ts"
import { analyticA, analyticB, budgets, sweep } from "./synthetic.ts"

const contains = ([low, high]: Interval, value: number): boolean => low <= value && value <= high
const width = ([low, high]: Interval): number => high - low

describe("bootstrapIsoflop", () => {
  it("puts the known exponents inside the 90% interval for about 90% of noisy sweeps", () => {
    // 20 independent sweeps at 0.2% loss noise. Were coverage the nominal 0.9, fewer than 15 of 20
    // would happen with probability ≈ 1%.
    let coveredA = 0
    let coveredB = 0
    for (let seed = 1; seed <= 20; seed++) {
      const result = runStepwise(bootstrapIsoflop(sweep({ noise: 0.002, seed }), { resamples: 200, seed, level: 0.9, compute: [] }))
      expect(result.resamples_used + result.failed_resamples).toBe(200)
      if (contains(result.params_opt_a, analyticA)) coveredA++
      if (contains(result.tokens_opt_b, analyticB)) coveredB++
    }
    expect(coveredA).toBeGreaterThanOrEqual(15)
    expect(coveredB).toBeGreaterThanOrEqual(15)
  })

  it("gives intervals around the full-data fit that shrink with the noise", () => {
    const options = { resamples: 300, seed: 11, level: 0.9, compute: [1e22] }
    const noisy = runStepwise(bootstrapIsoflop(sweep({ noise: 0.002, seed: 4 }), options))
    const quiet = runStepwise(bootstrapIsoflop(sweep({ noise: 0.0005, seed: 4 }), options))
    // A quarter of the noise: the spread of a least-squares estimate scales with the noise, so the
    // intervals should be about 4 times narrower; ask for at least 2.
    expect(width(quiet.params_opt_a)).toBeLessThan(width(noisy.params_opt_a) / 2)
    expect(width(quiet.tokens_opt_b)).toBeLessThan(width(noisy.tokens_opt_b) / 2)
    expect(width(quiet.forecasts[0]?.params ?? [0, 0])).toBeLessThan(width(noisy.forecasts[0]?.params ?? [0, 0]) / 2)

    const points = sweep({ noise: 0.002, seed: 4 })
    const fit = fitIsoflop(points)
    const forecast = forecastIsoflop(fit, 1e22)
    expect(contains(noisy.params_opt_a, fit.params_opt.a)).toBe(true)
    expect(contains(noisy.params_opt_k, fit.params_opt.k)).toBe(true)
    expect(contains(noisy.tokens_opt_b, fit.tokens_opt.b)).toBe(true)
    expect(contains(noisy.tokens_opt_k, fit.tokens_opt.k)).toBe(true)
    const [interval] = noisy.forecasts
    expect(interval?.compute).toBe(1e22)
    expect(contains(interval?.params ?? [0, 0], forecast.params)).toBe(true)
    expect(contains(interval?.tokens ?? [0, 0], forecast.tokens)).toBe(true)
    expect(contains(interval?.loss ?? [0, 0], forecast.loss)).toBe(true)
    expect(noisy.level).toBe(0.9)
  })

  it("is reproducible for a seed", () => {
    const points = sweep({ noise: 0.002, seed: 2 })
    const options = { resamples: 50, seed: 5, compute: [1e21] }
    expect(runStepwise(bootstrapIsoflop(points, options))).toEqual(runStepwise(bootstrapIsoflop(points, options)))
    expect(runStepwise(bootstrapIsoflop(points, { ...options, seed: 6 })).params_opt_a).not.toEqual(runStepwise(bootstrapIsoflop(points, options)).params_opt_a)
  })

  it("pauses after every resample, so a caller can stop it between two", () => {
    const steps = bootstrapIsoflop(sweep({ noise: 0.002, seed: 2 }), { resamples: 30, seed: 5, compute: [] })
    let pauses = 0
    for (let next = steps.next(); next.done !== true; next = steps.next()) pauses++
    expect(pauses).toBe(30)
    // A computation abandoned at a pause has done only the resamples before it.
    const stopped = bootstrapIsoflop(sweep({ noise: 0.002, seed: 2 }), { resamples: 1_000_000, seed: 5, compute: [] })
    for (let i = 0; i < 5; i++) expect(stopped.next().done).toBe(false)
    expect(stopped.return(undefined as never).done).toBe(true)
  })

  it("keeps every resample of a quickstart-like sweep, where resampling runs kept about 60%", () => {
    // 5 budgets of 5 sizes over a factor of 8, 1% noise. Resampling runs within each budget lost a
    // resample whenever a budget drew fewer than 3 sizes or lost a side of its minimum: 116 of 200
    // survived on this sweep. Resampling residuals keeps every size.
    const points = sweep({ noise: 0.01, seed: 1, budgets: [1e17, 1e18, 1e19, 1e20, 1e21], sizes: 5, span: 8 })
    const result = runStepwise(bootstrapIsoflop(points, { resamples: 200, seed: 1, compute: [] }))
    expect(result.resamples_requested).toBe(200)
    expect(result.resamples_used + result.failed_resamples).toBe(200)
    expect(result.resamples_used).toBeGreaterThanOrEqual(190)
    expect(result.trustworthy).toBe(true)
    expect(result.warning).toBeNull()
  })

  it("resamples a budget of 3 sizes from the other budgets' residuals", () => {
    // Budget 1e18 keeps 3 sizes: its curve passes through them exactly and has no residual of its
    // own, yet every resample keeps all three sizes.
    const points = sweep({ noise: 0.002, seed: 3 }).filter((p) => p.budget !== 1e18 || /-[345]$/.test(p.id ?? ""))
    const fit = fitIsoflop(points)
    const thin = points.flatMap((p, i) => (p.budget === 1e18 ? [i] : []))
    for (const sample of isoflopResidualResamples(points, fit, 20, 1)) {
      for (const i of thin) expect(sample[i]?.loss).not.toBe(points[i]?.loss)
    }
    const result = runStepwise(bootstrapIsoflop(points, { resamples: 400, seed: 1, compute: [] }))
    expect(result.resamples_used).toBe(400)
    expect(result.first_failure).toBeNull()
  })

  it("perturbs only the runs inside a budget's window, around its curve, keeping sizes and tokens", () => {
    const points = sweep({ noise: 0.002, seed: 5 })
    const full = fitIsoflop(points)
    // As a local estimator reports it: the minimum read from the middle five sizes of each budget.
    const fit = { ...full, budgets: full.budgets.map((curve) => {
      const sizes = points.filter((p) => p.budget === curve.budget).map((p) => p.params).sort((x, y) => x - y)
      return { ...curve, window: [sizes[2], sizes[6]] as const }
    }) }
    const inside = (p: IsoflopPoint): boolean => /-[23456]$/.test(p.id ?? "")
    let moved = 0
    for (const sample of isoflopResidualResamples(points, fit as IsoflopFit, 50, 2)) {
      sample.forEach((resampled, i) => {
        const point = points[i] as IsoflopPoint
        expect([resampled.params, resampled.tokens, resampled.budget]).toEqual([point.params, point.tokens, point.budget])
        if (!inside(point)) expect(resampled.loss).toBe(point.loss)
        else if (resampled.loss !== point.loss) moved++
      })
    }
    expect(moved).toBeGreaterThan(0.9 * 50 * 4 * 5)
  })

  it("counts refits that fail and flags the interval as untrustworthy when most do", () => {
    // Two budgets whose minima sit next to their smallest size: a resample's noise pushes one out of
    // the sweep about half the time, and with one budget left there is no power law.
    const points = sweep({ noise: 0.003, seed: 3, budgets: [1e18, 1e19], sizes: 5, span: 8, shift: () => 2.8 })
    const result = runStepwise(bootstrapIsoflop(points, { resamples: 200, seed: 1, compute: [] }))
    expect(result.resamples_requested).toBe(200)
    expect(result.resamples_used + result.failed_resamples).toBe(200)
    expect(result.failed_resamples).toBeGreaterThan(100)
    expect(result.trustworthy).toBe(false)
    expect(result.warning).toMatch(new RegExp(`only ${result.resamples_used} of 200 bootstrap resamples`))
    expect(result.first_failure).toMatch(/needs at least 2 budgets/)
  })

  it("fails when no curve has residuals, and when the data themselves cannot be fitted", () => {
    // Every budget keeps 3 sizes: each curve passes through its runs and measures no noise.
    const thin = sweep({ noise: 0.002, seed: 3 }).filter((p) => /-[345]$/.test(p.id ?? ""))
    expect(() => runStepwise(bootstrapIsoflop(thin, { resamples: 20, seed: 1, compute: [] }))).toThrow(/no residual measures the noise/)
    const shifted = sweep({ noise: 0, seed: 1, shift: (budget) => (budget >= 1e18 ? 1 / 32 : 1) })
    expect(() => runStepwise(bootstrapIsoflop(shifted, { resamples: 20, seed: 1, compute: [] }))).toThrow(/1 of 4 qualify/)
    const points = sweep({ noise: 0, seed: 1 })
    expect(() => runStepwise(bootstrapIsoflop(points, { resamples: 20, seed: 1, compute: [0] }))).toThrow(LawInputError)
    expect(() => runStepwise(bootstrapIsoflop(points, { resamples: 20, seed: 1, level: 90, compute: [] }))).toThrow(/between 0 and 1/)
  })

  it("refits every resample with the estimator the fit read its minima with", () => {
    // Sizes off the optimum by a different factor per budget: the parabola and the spline read
    // different minima, so the same resamples give different intervals.
    const shifts = [1, 4, 0.25, 3]
    const points = sweep({ noise: 0.001, seed: 3, shift: (budget) => shifts[budgets.indexOf(budget)] ?? 1 })
    const options = { resamples: 50, seed: 1, compute: [] }
    const byParabola = runStepwise(bootstrapIsoflop(points, { ...options, minimum: "parabola" }))
    const byAkima = runStepwise(bootstrapIsoflop(points, { ...options, minimum: "akima" }))
    expect(byAkima.params_opt_a).not.toEqual(byParabola.params_opt_a)
    expect(runStepwise(bootstrapIsoflop(points, { ...options, minimum: defaultIsoflopMinimum }))).toEqual(runStepwise(bootstrapIsoflop(points, options)))
  })
})

/**
 * Sweeps whose every budget's loss is exactly a parabola in log10 N around a known N*(C) = 0.1·C^0.5,
 * with additive normal noise of `noise` per run (`seeds` runs per size, each with its own draw), 5
 * budgets of 5 sizes spanning 0.6 decades either side of N*. The per-budget parabola is then the
 * right model and its minimum is unbiased (up to the small bias of a ratio of noisy coefficients),
 * so whether the interval covers the truth measures the bootstrap, not a misfit of the estimator
 * (a Chinchilla-law curve is not a parabola, and its vertices sit off the true optimum).
 */
const parabolaTruth = { k: 0.1, a: 0.5 }
const parabolaSweep = (options: { readonly noise: number; readonly seed: number; readonly seeds?: number }): IsoflopPoint[] => {
  const random = mulberry32(options.seed)
  const seeds = options.seeds ?? 1
  return [1e17, 1e18, 1e19, 1e20, 1e21].flatMap((budget) => {
    const optimum = parabolaTruth.k * budget ** parabolaTruth.a
    const lowest = 20 * budget ** -0.05
    return Array.from({ length: 5 * seeds }, (_, run) => {
      const offset = (Math.floor(run / seeds) - 2) * 0.3
      const params = optimum * 10 ** offset
      return { params, tokens: budget / (6 * params), budget, loss: lowest + 0.3 * offset ** 2 + options.noise * standardNormal(random) }
    })
  })
}

describe("bootstrapIsoflop on curves the estimator models exactly", () => {
  it("puts the true N*(C) exponent inside the 80% interval for about 80% of independent sweeps", () => {
    const sweeps = 150
    let covered = 0
    for (let seed = 1; seed <= sweeps; seed++) {
      const result = runStepwise(bootstrapIsoflop(parabolaSweep({ noise: 0.01, seed }), { resamples: 200, seed, compute: [] }))
      if (contains(result.params_opt_a, parabolaTruth.a)) covered++
    }
    // Seen: 140 of 150 with the default (adaptive) estimator, 118 (79%) with the parabola's.
    // Residuals not rescaled for the curve's 3 coefficients covered 56%.
    expect(covered / sweeps).toBeGreaterThanOrEqual(0.75)
  })

  it("widens the intervals as replicate seeds scatter more", () => {
    const options = { resamples: 300, seed: 3, compute: [1e22] }
    const quiet = parabolaSweep({ noise: 0.005, seed: 8, seeds: 3 })
    const noisy = parabolaSweep({ noise: 0.02, seed: 8, seeds: 3 })
    const quietResult = runStepwise(bootstrapIsoflop(quiet, options))
    const noisyResult = runStepwise(bootstrapIsoflop(noisy, options))
    // Four times the seed noise: the vertices scatter about four times as far; ask for 2.
    expect(width(noisyResult.params_opt_a)).toBeGreaterThan(2 * width(quietResult.params_opt_a))
    expect(width(noisyResult.forecasts[0]?.params ?? [0, 0])).toBeGreaterThan(2 * width(quietResult.forecasts[0]?.params ?? [0, 0]))
    // The seed spread is measured, not assumed: it is the noise the sweep was drawn with.
    expect(isoflopDiagnostics(quiet, fitIsoflop(quiet)).seed_spread?.sd).toBeCloseTo(0.005, 2)
    expect(isoflopDiagnostics(noisy, fitIsoflop(noisy)).seed_spread?.sd).toBeCloseTo(0.02, 2)
  })
})

/**
 * A real sweep: 20 runs of tied-embedding byte-level models over 4 budgets of 4 to 6 sizes, one
 * seed each (fixtures/compare-tied.csv). Its curves are noisy and uneven: the adaptive estimator
 * reads budget 1e11's minimum from the spline (83,600 where the window's parabola has 37,200) and
 * drops budget 4.64e10 as not convex.
 */
const compareTied = (): IsoflopPoint[] => {
  const [header = "", ...rows] = readFileSync(fileURLToPath(new URL("fixtures/compare-tied.csv", import.meta.url)), "utf8").trim().split("\n")
  const columns = header.split(",")
  return rows.map((row) => {
    const cells = row.split(",")
    const field = (name: string): string => cells[columns.indexOf(name)] ?? ""
    return { id: field("run_id"), budget: Number(field("budget")), params: Number(field("params")), tokens: Number(field("tokens")), loss: Number(field("loss")) }
  })
}

describe("bootstrapIsoflop around the curve each minimum was read from", () => {
  it("puts every estimator's own point estimate inside its 80% interval on a real sweep", () => {
    // Resampled around the window's parabola, the adaptive fit's N*(C) exponent 0.596 lay above its
    // own 80% interval [0.066, 0.437] and N* at 1e12 (3e5) above [36900, 1.47e5]; the window
    // estimator, whose parabolas pass through 3 sizes each, had no residual and could not resample.
    const points = compareTied()
    expect(fitIsoflop(points).budgets.filter((curve) => curve.curve !== undefined).map((curve) => curve.budget)).toEqual([1e11])
    for (const minimum of isoflopMinimumEstimators) {
      const fit = fitIsoflop(points, { minimum })
      const forecast = forecastIsoflop(fit, 1e12)
      for (const seed of [0, 1]) {
        const result = runStepwise(bootstrapIsoflop(points, { resamples: 200, seed, minimum, compute: [1e12] }))
        expect(result.resamples_used, `${minimum}, seed ${seed}`).toBeGreaterThanOrEqual(190)
        expect(contains(result.params_opt_a, fit.params_opt.a), `${minimum}, seed ${seed}: a ${fit.params_opt.a} in ${result.params_opt_a}`).toBe(true)
        const params = result.forecasts[0]?.params ?? [0, 0]
        expect(contains(params, forecast.params), `${minimum}, seed ${seed}: N* ${forecast.params} in ${params}`).toBe(true)
      }
    }
  })

  it("covers the true exponent where the adaptive estimator reads most minima from the spline", () => {
    // Chinchilla-law curves over 3 decades of sizes, off-centre by up to half a decade, with 0.05%
    // noise: asymmetric beyond the noise, so most budgets are read from the Akima spline, and their
    // resamples are drawn around it. Seen: 113 of 150 budgets read from the spline, 28 of 30 covered.
    const sweeps = 30
    let covered = 0
    let fromSpline = 0
    for (let seed = 1; seed <= sweeps; seed++) {
      const points = syntheticSweep({ sizes: 7, spanDecades: 3, budgetDecades: 2, budgets: 5, offset: (b) => 0.5 * (b / 2 - 1), noise: 0.0005, seed })
      fromSpline += fitIsoflop(points).budgets.filter((curve) => curve.curve !== undefined).length
      const result = runStepwise(bootstrapIsoflop(points, { resamples: 200, seed, compute: [] }))
      expect(result.resamples_used).toBeGreaterThanOrEqual(190)
      if (contains(result.params_opt_a, trueExponent)) covered++
    }
    expect(fromSpline).toBeGreaterThan(0.6 * sweeps * 5)
    expect(covered / sweeps).toBeGreaterThanOrEqual(0.75)
  })

  it("draws a spline budget's every run around the spline, and measures a 3-size window's noise off the cubic", () => {
    const points = compareTied()
    const spline = points.flatMap((p, i) => (p.budget === 1e11 ? [i] : []))
    const sample = [...isoflopResidualResamples(points, fitIsoflop(points), 1, 3)][0] ?? []
    for (const i of spline) expect(sample[i]?.loss).not.toBe(points[i]?.loss)
    // Every window of 3 sizes passes through its runs; the budgets of 5 and 6 sizes measure the noise.
    const windowFit = fitIsoflop(points, { minimum: "window" })
    expect(windowFit.budgets.every((curve) => curve.log10_params_opt_se === null)).toBe(true)
    expect([...isoflopResidualResamples(points, windowFit, 5, 1)]).toHaveLength(5)
  })
})
