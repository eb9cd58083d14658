import { rmSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  experiment,
  makeOverlayStore,
  type RunningDashboard,
  secondExperiment,
  startDashboard
} from "../../packages/dashboard/test/dashboardFixture.ts"
import { drawnMarks, type HeadlessBrowser, launchChromium, saveScreenshot, skipBrowserTests, watchPageErrors } from "../support/browser.ts"

/** The labels of a drawn plot's legends. */
const legendLabels = (page: import("playwright-core").Page, plotSelector: string) =>
  page.locator(`${plotSelector} svg g.role-legend-label text`).allTextContents()

describe.skipIf(skipBrowserTests)("the dashboard's overlay of two experiments in headless Chromium", () => {
  let browser: HeadlessBrowser
  let storeDir = ""
  let dashboard: RunningDashboard

  beforeAll(async () => {
    storeDir = await makeOverlayStore()
    dashboard = await startDashboard(storeDir)
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await dashboard?.close()
    rmSync(storeDir, { recursive: true, force: true })
  })

  it("overlays the ticked experiments' runs and fits, both in each plot's legend, and keeps the single-experiment view", async () => {
    const page = await browser.context.newPage()
    const errors = watchPageErrors(page)
    await page.goto(`${dashboard.url}/`)

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
