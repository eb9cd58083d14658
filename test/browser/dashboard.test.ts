import { describe, expect, it } from "vitest"
import {
  appendMetricLines,
  experiment,
  liveFloor,
  lossOnParabola,
  makeFixtureStore,
  metricLines,
  runs
} from "../../packages/dashboard/test/dashboardFixture.ts"
import { drawnMarks, saveScreenshot, skipBrowserTests, watchPageErrors } from "../support/browser.ts"
import { dashboardInChromium } from "../support/dashboardInChromium.ts"

const validationPoints = (page: import("playwright-core").Page) =>
  page.locator("#curves svg g.validation_loss_marks path").count()

describe.skipIf(skipBrowserTests)("the dashboard in headless Chromium", () => {
  const session = dashboardInChromium(makeFixtureStore)

  it("lists the runs, draws their curves and the fit, and shows a new metric line within seconds", async () => {
    const page = await session.browser.context.newPage()
    const errors = watchPageErrors(page)
    const offServer: Array<string> = []
    page.on("request", (request) => {
      if (!request.url().startsWith(session.dashboard.url)) offServer.push(request.url())
    })
    await page.goto(`${session.dashboard.url}/`)

    await expect.poll(() => page.locator("#experiment").inputValue()).toBe(experiment)
    await expect.poll(() => page.locator("#runs tbody tr").count()).toBe(3)
    const liveRow = page.locator(`#runs tbody tr[data-run="${runs.live.id}"]`)
    await expect.poll(() => liveRow.textContent()).toContain("running")
    expect(await page.locator(`#runs tbody tr[data-run="${runs.small.id}"]`).textContent()).toContain(lossOnParabola(runs.small.params).toFixed(4))

    await expect.poll(() => drawnMarks(page, "#curves"), { timeout: 15_000 }).toBeGreaterThan(5)
    // The parabola, the two finished runs and the fitted minimum.
    await expect.poll(() => drawnMarks(page, "#fit"), { timeout: 15_000 }).toBeGreaterThanOrEqual(4)
    await expect.poll(() => page.locator("#forecast tbody tr").count()).toBe(1)
    await expect.poll(() => liveRow.textContent()).toContain("at step 6")
    // Two finished runs with 4 evaluations each, the running one with 1 so far.
    await expect.poll(() => validationPoints(page)).toBe(9)
    await saveScreenshot(page, "dashboard")

    appendMetricLines(session.storeDir, runs.live.id, metricLines(4, 6, liveFloor))
    const written = Date.now()
    await expect.poll(() => liveRow.textContent(), { timeout: 5_000 }).toContain("at step 10")
    await expect.poll(() => validationPoints(page), { timeout: 5_000 }).toBe(10)
    expect(Date.now() - written).toBeLessThan(5_000)

    // Unticking a run takes its curve off the plot.
    await page.locator(`#runs tbody tr[data-run="${runs.small.id}"] input[type=checkbox]`).uncheck()
    await expect.poll(() => validationPoints(page)).toBe(6)
    await saveScreenshot(page, "dashboard-after-update")

    expect(errors).toEqual([])
    expect(offServer).toEqual([])
  })
})
