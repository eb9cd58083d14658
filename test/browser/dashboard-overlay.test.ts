import { describe, expect, it } from "vitest"
import {
  comparedExperiments,
  experiment,
  makeComparisonStore,
  makeOverlayStore,
  secondExperiment
} from "../../packages/dashboard/test/dashboardFixture.ts"
import { drawnMarks, saveScreenshot, skipBrowserTests, watchPageErrors } from "../support/browser.ts"
import { dashboardInChromium } from "../support/dashboardInChromium.ts"

/** The labels of a drawn plot's legends. */
const legendLabels = (page: import("playwright-core").Page, plotSelector: string) =>
  page.locator(`${plotSelector} svg g.role-legend-label text`).allTextContents()

describe.skipIf(skipBrowserTests)("the dashboard's overlay of two experiments in headless Chromium", () => {
  const session = dashboardInChromium(makeOverlayStore)

  it("overlays the ticked experiments' runs and fits, both in each plot's legend, and keeps the single-experiment view", async () => {
    const page = await session.browser.context.newPage()
    const errors = watchPageErrors(page)
    await page.goto(`${session.dashboard.url}/`)

    const tick = (name: string) => page.locator(`#overlay-picker input[value="${name}"]`)
    await expect.poll(() => tick(secondExperiment).count()).toBe(1)
    await expect.poll(() => page.locator("#overlay-plots .plot").count()).toBe(0)
    expect(await page.locator("#overlay-hint").isVisible()).toBe(true)

    // One ticked is not an overlay yet.
    await tick(experiment).check()
    expect(await page.locator("#overlay-hint").isVisible()).toBe(true)
    await tick(secondExperiment).check()

    const isoflop = '#overlay-plots [data-plot="isoflop"]'
    await expect.poll(() => drawnMarks(page, isoflop), { timeout: 15_000 }).toBeGreaterThanOrEqual(8)
    await expect.poll(() => legendLabels(page, isoflop)).toEqual(expect.arrayContaining([experiment, secondExperiment, "1e13", "1e14"]))
    for (const name of ["frontier", "loss"]) {
      const plot = `#overlay-plots [data-plot="${name}"]`
      await expect.poll(() => drawnMarks(page, plot), { timeout: 15_000 }).toBeGreaterThan(0)
      expect(await legendLabels(page, plot)).toEqual(expect.arrayContaining([experiment, secondExperiment]))
    }
    expect(await page.locator("#overlay-hint").isVisible()).toBe(false)
    expect(await page.locator("#overlay-notes").textContent()).toContain(`${experiment}: no parametric law`)
    // Two experiments too small to compare: the multiplier panel says why, and draws nothing.
    await expect.poll(() => page.locator("#comparison-status").textContent(), { timeout: 30_000 }).toContain(`No comparison: ${experiment}: no IsoFLOP fit to compare by`)
    expect(await page.locator("#multiplier svg").count()).toBe(0)
    // The single-experiment view works beside it: the picker shows one experiment's runs and fit.
    await page.locator("#experiment").selectOption(experiment)
    await expect.poll(() => page.locator("#runs tbody tr").count()).toBe(3)
    await expect.poll(() => drawnMarks(page, "#fit"), { timeout: 15_000 }).toBeGreaterThanOrEqual(4)
    await saveScreenshot(page, "dashboard-overlay")

    // Unticking one takes the overlay down to a hint again.
    await tick(experiment).uncheck()
    await expect.poll(() => page.locator("#overlay-plots .plot").count()).toBe(0)
    expect(await page.locator("#overlay-hint").isVisible()).toBe(true)

    expect(errors).toEqual([])
  })
})

describe.skipIf(skipBrowserTests)("the dashboard's multiplier panel in headless Chromium", () => {
  const { baseline, candidate } = comparedExperiments
  const session = dashboardInChromium(makeComparisonStore, 60_000)

  it("draws the ticked experiments' compute multiplier with its legend and headline, against the baseline picked", async () => {
    const page = await session.browser.context.newPage()
    const errors = watchPageErrors(page)
    await page.goto(`${session.dashboard.url}/`)
    const tick = (name: string) => page.locator(`#overlay-picker input[value="${name}"]`)
    await expect.poll(() => tick(candidate).count()).toBe(1)
    expect(await page.locator("#comparison").isVisible()).toBe(false)
    await tick(baseline).check()
    await tick(candidate).check()

    const multiplier = "#multiplier"
    await expect.poll(() => drawnMarks(page, multiplier), { timeout: 60_000 }).toBeGreaterThan(5)
    expect(await legendLabels(page, multiplier)).toEqual(expect.arrayContaining([candidate, "budget swept", "budget extrapolated to"]))
    const title = await page.locator(`${multiplier} svg g.role-title-text text`).allTextContents()
    expect(title).toContain(`Compute multiplier over ${baseline}`)
    expect(await page.locator("#comparison-headlines").textContent()).toMatch(
      new RegExp(`${candidate} against ${baseline}: at 1e23 FLOPs \\(the largest forecast\\): \\S+×`)
    )
    expect(await page.locator("#comparison-status").textContent()).toContain("80% intervals from a joint bootstrap of 100 resamples")
    expect(await page.locator("#baseline").inputValue()).toBe(baseline)
    await saveScreenshot(page, "dashboard-multiplier")

    // The other baseline: the first experiment becomes the candidate.
    await page.locator("#baseline").selectOption(candidate)
    await expect.poll(() => page.locator(`${multiplier} svg g.role-title-text text`).allTextContents(), { timeout: 60_000 })
      .toContain(`Compute multiplier over ${candidate}`)
    expect(await legendLabels(page, multiplier)).toEqual(expect.arrayContaining([baseline]))
    expect(errors).toEqual([])
  }, 120_000)
})
