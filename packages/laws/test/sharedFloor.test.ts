import { describe, expect, it } from "vitest"
import {
  bootstrapSharedFloor,
  fitLawForm,
  fitSharedFloor,
  LawInputError,
  type ParametricCoefficients,
  runStepwise
} from "../src/index.ts"
import { sweep, truth } from "./synthetic.ts"

const budgets = [1e17, 1e18, 1e19, 1e20, 1e21]
// Same floor, other reducible terms: an architecture change on the same data.
const steeper: ParametricCoefficients = { ...truth, A: 900, B: 300, alpha: 0.4, beta: 0.31 }
const exact = (law: ParametricCoefficients) => sweep({ law, noise: 0, seed: 1, budgets, sizes: 7 })
const coefficients = (law: ParametricCoefficients) => ({ E: law.E, A: law.A, B: law.B, alpha: law.alpha, beta: law.beta })
const nudged = (law: ParametricCoefficients, by: number) => ({ E: law.E * by, A: law.A * by, B: law.B / by, alpha: law.alpha * by, beta: law.beta / by })

const expectLaw = (parameters: Readonly<Record<string, number>>, law: ParametricCoefficients) => {
  for (const name of ["E", "A", "B", "alpha", "beta"] as const) expect(parameters[name] as number).toBeCloseTo(law[name], name === "A" || name === "B" ? 0 : 4)
}

describe("fitSharedFloor", () => {
  it("recovers one floor and each experiment's own constants from exact losses, starting away from them", () => {
    const fit = fitSharedFloor(
      [{ form: "chinchilla", points: exact(truth) }, { form: "chinchilla", points: exact(steeper) }],
      { starts: [nudged(truth, 1.1), nudged(steeper, 0.9)] }
    )
    expect(fit.floor).toBeCloseTo(truth.E, 5)
    expectLaw(fit.fits[0]?.parameters ?? {}, truth)
    expectLaw(fit.fits[1]?.parameters ?? {}, steeper)
    expect(fit.fits.map((law) => law.law.floor)).toEqual([fit.floor, fit.floor])
    expect(fit.objective).toBeLessThan(1e-10)
    expect(fit.objective).toBeCloseTo((fit.fits[0]?.objective ?? 0) + (fit.fits[1]?.objective ?? 0), 15)
  })

  it("shares the floor between forms of the family: a tied law beside a chinchilla one", () => {
    const tiedLaw: ParametricCoefficients = { ...steeper, beta: steeper.alpha }
    const fit = fitSharedFloor(
      [{ form: "chinchilla", points: exact(truth) }, { form: "tied", points: exact(tiedLaw) }],
      { starts: [coefficients(truth), { ...nudged(tiedLaw, 1.05), E: truth.E }], floors: [1.2] }
    )
    expect(fit.floor).toBeCloseTo(truth.E, 5)
    expect(fit.fits[1]?.form).toBe("tied")
    expectLaw(fit.fits[1]?.parameters ?? {}, tiedLaw)
    // Two values of E to start from: the experiments' own (one, as both start at 1.69) and 1.2.
    expect(fit.starts).toBe(2)
  })

  it("of one experiment is that experiment's own fit", () => {
    const points = sweep({ noise: 0.01, seed: 4, budgets, sizes: 7 })
    const own = fitLawForm("chinchilla", points, { grid: "small" })
    const joint = fitSharedFloor([{ form: "chinchilla", points }], { starts: [own.parameters] })
    expect(joint.objective).toBeCloseTo(own.objective, 10)
    expect(joint.floor).toBeCloseTo(own.parameters.E as number, 4)
  })

  it("pools the floor: with noise, the joint floor lies nearer the truth than the worse of the separate floors", () => {
    const noisy = [31, 32, 33].map((seed) => sweep({ noise: 0.01, seed, budgets, sizes: 7 }))
    const separate = noisy.map((points) => fitLawForm("chinchilla", points, { grid: "small" }))
    const joint = fitSharedFloor(noisy.map((points) => ({ form: "chinchilla" as const, points })), { starts: separate.map((fit) => fit.parameters) })
    const worst = Math.max(...separate.map((fit) => Math.abs((fit.parameters.E as number) - truth.E)))
    expect(Math.abs(joint.floor - truth.E)).toBeLessThan(worst)
    // The joint objective can be no lower than the separate fits' sum: it fits the same runs with one constraint more.
    expect(joint.objective).toBeGreaterThanOrEqual(separate.reduce((sum, fit) => sum + fit.objective, 0) - 1e-12)
  })

  it("refuses a form with no floor to share", () => {
    const points = exact(truth)
    expect(() => fitSharedFloor([{ form: "chinchilla", points }, { form: "kaplan", points }], { starts: [coefficients(truth), { N_c: 1e13, D_c: 1e13, alpha_N: 0.08, alpha_D: 0.1 }] }))
      .toThrow(LawInputError)
    expect(() => fitSharedFloor([{ form: "no-e", points }], { starts: [{ A: 400, B: 400, alpha: 0.3, beta: 0.3 }] })).toThrow(/no irreducible loss to share/)
  })
})

describe("bootstrapSharedFloor", () => {
  it("refits every joint resample: exact losses give the same floor in every replicate, laws paired by index", () => {
    const experiments = [{ form: "chinchilla" as const, points: exact(truth) }, { form: "chinchilla" as const, points: exact(steeper) }]
    const fit = fitSharedFloor(experiments, { starts: [coefficients(truth), coefficients(steeper)] })
    const bootstrap = runStepwise(bootstrapSharedFloor(experiments, fit, { resamples: 12, seeds: [5, 6] }))
    expect(bootstrap).toMatchObject({ resamples_requested: 12, resamples_used: 12, failed_resamples: 0 })
    expect(bootstrap.laws.map((laws) => laws.length)).toEqual([12, 12])
    for (const [index, floor] of bootstrap.floors.entries()) {
      expect(floor).toBeCloseTo(truth.E, 4)
      expect(bootstrap.laws[0]?.[index]?.floor).toBe(floor)
      expect(bootstrap.laws[1]?.[index]?.floor).toBe(floor)
    }
  })

  it("resamples each experiment from its own seed: the same seeds give the same refits, other seeds other ones", () => {
    const experiments = [31, 32].map((seed) => ({ form: "chinchilla" as const, points: sweep({ noise: 0.01, seed, budgets, sizes: 7 }) }))
    const fit = fitSharedFloor(experiments, { starts: experiments.map((experiment) => fitLawForm("chinchilla", experiment.points, { grid: "small" }).parameters) })
    const floors = (seeds: ReadonlyArray<number>) => runStepwise(bootstrapSharedFloor(experiments, fit, { resamples: 6, seeds })).floors
    expect(floors([1, 2])).toEqual(floors([1, 2]))
    expect(floors([1, 3])).not.toEqual(floors([1, 2]))
    expect(() => runStepwise(bootstrapSharedFloor(experiments, fit, { resamples: 6, seeds: [1] }))).toThrow(/one seed per experiment/)
  })
})
