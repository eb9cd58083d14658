// One describe block's dashboard and browser: the browser tests of the dashboard each start the
// same three things around their tests and stop them after.
import { rmSync } from "node:fs"
import { afterAll, beforeAll } from "vitest"
import { type RunningDashboard, startDashboard } from "../../packages/dashboard/test/dashboardFixture.ts"
import { type HeadlessBrowser, launchChromium } from "./browser.ts"

export interface DashboardInChromium {
  readonly browser: HeadlessBrowser
  readonly dashboard: RunningDashboard
  readonly storeDir: string
}

const started = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`${what} has not started: use it inside a test`)
  return value
}

/**
 * A store made by `makeStore`, the dashboard serving it and a headless Chromium, started before
 * the describe block's tests (within `setupTimeout` ms, vitest's default when left out) and
 * closed, the store removed, after them.
 */
export const dashboardInChromium = (makeStore: () => Promise<string>, setupTimeout?: number): DashboardInChromium => {
  let browser: HeadlessBrowser | undefined
  let dashboard: RunningDashboard | undefined
  let storeDir = ""
  beforeAll(async () => {
    storeDir = await makeStore()
    dashboard = await startDashboard(storeDir)
    browser = await launchChromium()
  }, setupTimeout)
  afterAll(async () => {
    await browser?.close()
    await dashboard?.close()
    if (storeDir !== "") rmSync(storeDir, { recursive: true, force: true })
  })
  return {
    get browser() {
      return started(browser, "Chromium")
    },
    get dashboard() {
      return started(dashboard, "the dashboard")
    },
    get storeDir() {
      return started(storeDir === "" ? undefined : storeDir, "the store")
    }
  }
}
