import { describe, expect, it } from "vitest"
import { defaultIsoflopMinimum, fitIsoflop } from "../src/index.ts"
import { loadPublishedSweeps } from "./fixtures/isoflop-published/published.ts"

// Porian et al. 2024's own runs (test/fixtures/isoflop-published, see its README): each budget's
// runs as the authors selected them, fitted over the budgets their fit used.
describe("IsoFLOP fits on the published sweeps of Porian et al. 2024", () => {
  const sweeps = loadPublishedSweeps()
  const misses = (minimum: "adaptive" | "akima" | "parabola"): string[] =>
    sweeps.filter((sweep) => Math.abs(fitIsoflop(sweep.points, { minimum }).params_opt.a - sweep.a) > 0.01).map((sweep) => sweep.config)

  it("holds 15 configurations with their published exponents", () => {
    expect(sweeps).toHaveLength(15)
    for (const sweep of sweeps) expect(sweep.points.length).toBeGreaterThan(80)
  })

  it("akima reproduces every published N*(C) exponent within 0.01", () => {
    for (const sweep of sweeps) {
      const fit = fitIsoflop(sweep.points, { minimum: "akima" })
      expect(fit.used_budgets).toHaveLength(sweep.used_budgets.length)
      expect(Math.abs(fit.params_opt.a - sweep.a), sweep.config).toBeLessThanOrEqual(0.01)
    }
  })

  it("the default (adaptive) reproduces 10 of the 15 within 0.01, and every one within 0.02", () => {
    // Not all 15: on the budgets where the curve's asymmetry is smaller than 10 times its noise
    // estimate, it reads the parabola's minimum (the measured trade-off; see defaultIsoflopMinimum).
    // The five it misses by 0.010-0.018 are sweeps where akima's own exponent moves by 0.014-0.025
    // (sd) when 0.3% loss noise, the runs' own scatter, is redrawn (pnpm bench:isoflop, table c):
    // there the published value is as uncertain as the miss.
    expect(defaultIsoflopMinimum).toBe("adaptive")
    expect(misses("adaptive")).toEqual([
      "rw-base-long-kaplan-kaplan-train",
      "rw-tuned-short-const-standard-val",
      "owt2-base-long-kaplan-kaplan-train",
      "owt2-base-short-chinchilla-standard-val",
      "owt2-tuned-short-const-standard-val"
    ])
    for (const sweep of sweeps) expect(Math.abs(fitIsoflop(sweep.points).params_opt.a - sweep.a), sweep.config).toBeLessThan(0.02)
  })

  it("a parabola through all of a budget's runs misses most of them: the curves are asymmetric", () => {
    expect(misses("parabola").length).toBeGreaterThanOrEqual(10)
  })
})
