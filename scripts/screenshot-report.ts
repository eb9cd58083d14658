// Renders a report's index.html in headless Chromium (the system's, as the browser tests use) and
// saves the top of the page as a PNG: how the README's screenshot of the quickstart report is made.
//   node --import tsx scripts/screenshot-report.ts REPORT_DIR OUT.png [HEIGHT]
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { chromium } from "playwright-core"

const [reportDir, outPath, heightText] = process.argv.slice(2)
if (reportDir === undefined || outPath === undefined) {
  console.error("usage: node --import tsx scripts/screenshot-report.ts REPORT_DIR OUT.png [HEIGHT]")
  process.exit(2)
}
const height = Number(heightText ?? 1400)
const profile = mkdtempSync(join(tmpdir(), "scalelab-screenshot-"))
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env["SCALELAB_CHROMIUM"] ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  viewport: { width: 1280, height },
  deviceScaleFactor: 1
})
try {
  const page = await context.newPage()
  await page.goto(pathToFileURL(resolve(reportDir, "index.html")).href)
  // Every plot is drawn by vega-embed once the page has loaded; wait for the last one's SVG.
  await page.waitForFunction(() => {
    const plots = document.querySelectorAll(".plot")
    return plots.length > 0 && [...plots].every((plot) => plot.querySelector("svg, canvas") !== null)
  }, undefined, { timeout: 30_000 })
  await page.screenshot({ path: outPath, clip: { x: 0, y: 0, width: 1280, height } })
  console.log(`wrote ${outPath}`)
} finally {
  await context.close()
  rmSync(profile, { recursive: true, force: true })
}
