// Headless Chromium for the browser tests: the system's Chromium driven by playwright-core (never
// a downloaded browser), with a fresh profile per launch. Screenshots land in
// test-artifacts/browser/ for a person (or CI's artefact upload) to look at.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type BrowserContext, chromium, type Page } from "playwright-core"

/** Debian's chromium package; SCALELAB_CHROMIUM points elsewhere. */
export const chromiumPath = process.env["SCALELAB_CHROMIUM"] ?? "/usr/bin/chromium"

/** CI sets SCALELAB_REQUIRE_BROWSER=1 so that a missing Chromium fails the tests instead of skipping them. */
const browserRequired = process.env["SCALELAB_REQUIRE_BROWSER"] === "1"

/** Skip only where there is no Chromium and nobody asked for the browser tests to run. */
export const skipBrowserTests = !existsSync(chromiumPath) && !browserRequired

export const screenshotDir = fileURLToPath(new URL("../../test-artifacts/browser/", import.meta.url))

// Flags from docs of this environment: no sandbox (root in containers), no GPU, and nothing that
// reaches the network on its own.
const chromiumFlags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]

export interface HeadlessBrowser {
  readonly context: BrowserContext
  readonly close: () => Promise<void>
}

export const launchChromium = async (): Promise<HeadlessBrowser> => {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `No Chromium at ${chromiumPath}, and SCALELAB_REQUIRE_BROWSER=1 requires the browser tests: ` +
        "install it (apt-get install -y chromium) or set SCALELAB_CHROMIUM to its path."
    )
  }
  const userDataDir = mkdtempSync(join(tmpdir(), "scalelab-chromium-"))
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumFlags,
    viewport: { width: 1200, height: 900 }
  })
  return {
    context,
    close: async () => {
      await context.close()
      rmSync(userDataDir, { recursive: true, force: true })
    }
  }
}

/** Console errors and uncaught exceptions of a page, gathered from the moment it is opened. */
export const watchPageErrors = (page: Page): Array<string> => {
  const errors: Array<string> = []
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`)
  })
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`))
  return errors
}

export const saveScreenshot = async (page: Page, name: string): Promise<string> => {
  mkdirSync(screenshotDir, { recursive: true })
  const path = join(screenshotDir, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/** How many drawn marks (SVG paths of Vega mark groups, or a canvas) a plot element holds. */
export const drawnMarks = (page: Page, plotSelector: string): Promise<number> =>
  page.locator(plotSelector).evaluate((plot) => {
    if (plot.querySelector("canvas") !== null) return 1
    return plot.querySelectorAll("svg g.role-mark path").length
  })
