import { describe, expect, it } from "vitest"
import { fitIsoflop } from "../src/index.ts"
import { loadPublishedSweeps } from "./fixtures/isoflop-published/published.ts"

// Porian et al. 2024's own runs (test/fixtures/isoflop-published, see its README): each budget's
// runs as the authors selected them, fitted over the budgets their fit used.
describe("IsoFLOP fits on the published sweeps of Porian et al. 2024", () => {
  const sweeps = loadPublishedSweeps()

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

  it("a parabola through all of a budget's runs misses most of them: the curves are asymmetric", () => {
    const misses = sweeps.filter((sweep) => Math.abs(fitIsoflop(sweep.points, { minimum: "parabola" }).params_opt.a - sweep.a) > 0.01)
    expect(misses.length).toBeGreaterThanOrEqual(10)
  })
})
