import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { isoflopPlotSpec, writeHtmlReport } from "../../packages/plots/src/index.ts"
import { isoflopFixture } from "../../packages/plots/test/isoflopFixture.ts"
import { drawnMarks, type HeadlessBrowser, launchChromium, saveScreenshot, skipBrowserTests, watchPageErrors } from "../support/browser.ts"

describe.skipIf(skipBrowserTests)("the static report in headless Chromium", () => {
  let browser: HeadlessBrowser
  let outDir = ""

  beforeAll(async () => {
    browser = await launchChromium()
    outDir = mkdtempSync(join(tmpdir(), "scalelab-report-browser-"))
  })
  afterAll(async () => {
    await browser?.close()
    rmSync(outDir, { recursive: true, force: true })
  })

  it("opens from disk with no network and draws every plot without a console error", async () => {
    const report = await writeHtmlReport(outDir, {
      title: "Browser test report",
      sections: [
        {
          title: "IsoFLOP curves",
          spec: isoflopPlotSpec(isoflopFixture([
            { budget: 1e11, optimum: 2e5, base: 3.4 },
            { budget: 1e12, optimum: 8e5, base: 2.9 }
          ]))
        },
        {
          title: "IsoFLOP curves, one budget unbracketed",
          spec: isoflopPlotSpec(isoflopFixture([
            { budget: 1e11, optimum: 2e5, base: 3.4 },
            { budget: 1e12, optimum: 8e6, base: 2.9, unbracketed: true }
          ]))
        }
      ]
    })
    const page = await browser.context.newPage()
    const errors = watchPageErrors(page)
    // Any request off the disk would mean the report is not self-contained.
    const offDisk: Array<string> = []
    page.on("request", (request) => {
      if (!request.url().startsWith("file:")) offDisk.push(request.url())
    })
    await page.goto(pathToFileURL(report.indexPath).href)

    const plots = page.locator(".plot")
    await expect.poll(() => plots.count()).toBe(2)
    for (const index of [0, 1]) {
      await expect.poll(() => drawnMarks(page, `#plot-${index}`), { timeout: 15_000 }).toBeGreaterThan(10)
    }
    expect(await page.locator(".plot-error").count()).toBe(0)
    await saveScreenshot(page, "report")
    expect(errors).toEqual([])
    expect(offDisk).toEqual([])
  })
})
