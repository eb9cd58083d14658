// A hyperparameter grid, a data mixture and annealing probes, each trained tiny once into one store:
// `fit`, `report`, `runs` and `run --rerun` read them without training the sweep again, and the
// dashboard draws each one's own plots (the report's) in headless Chromium.
import { existsSync, readFileSync, statSync } from "node:fs"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningDashboard, startDashboard } from "../../packages/dashboard/test/dashboardFixture.ts"
import { drawnMarks, type HeadlessBrowser, launchChromium, saveScreenshot, skipBrowserTests, watchPageErrors } from "../support/browser.ts"
import { runCli } from "../support/cli.ts"
import { tinyAnnealingSpec, tinyGridSpec, tinyMixtureSpec } from "../support/tinySweeps.ts"

let scratch = ""
let store = ""

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "scalelab-sweep-views-"))
  store = join(scratch, "store")
  await writeFile(join(scratch, "mix.yaml"), tinyMixtureSpec())
  await writeFile(join(scratch, "grid.yaml"), tinyGridSpec("tiny-grid"))
  await writeFile(join(scratch, "anneal.yaml"), tinyAnnealingSpec())
  for (const spec of ["mix.yaml", "grid.yaml", "anneal.yaml"]) {
    const trained = await runCli(["run", spec, "--store", store, "--quiet"], scratch)
    if (trained.code !== 0) throw new Error(`run ${spec}: ${trained.stderr}${trained.stdout}`)
  }
}, 600_000)

afterAll(async () => {
  if (scratch !== "") await rm(scratch, { recursive: true, force: true })
})

describe("fit, report, runs and run --rerun of mixture and hyperparameter specs", () => {
  it("fit of a mixture spec refits the law from the store, trains nothing, and rewrites fit.json and the plots", async () => {
    const fitPath = join(store, "reports", "tiny-mix", "fit.json")
    const before = statSync(fitPath).mtimeMs
    const fit = await runCli(["fit", "mix.yaml", "--store", store], scratch)
    expect(fit.stderr).toBe("")
    expect(fit.code).toBe(0)
    expect(fit.stdout).toContain("Data-mixing law (Ye et al. 2024) per domain")
    // The predicted mix's run, trained by `run`, is found in the store and compared.
    expect(fit.stdout).toMatch(/Validation at C=3\.00e\+8, mixture easy=[0-9.]+, hard=[0-9.]+: measured target loss/)
    expect(statSync(fitPath).mtimeMs).toBeGreaterThan(before)
    const record = JSON.parse(readFileSync(fitPath, "utf8"))
    expect(record).toMatchObject({ kind: "mixture", domains: ["easy", "hard"], validation: { budget: 3e8 } })
    const runs = await runCli(["runs", "mix.yaml", "--store", store, "--json"], scratch)
    expect((JSON.parse(runs.stdout) as ReadonlyArray<unknown>)).toHaveLength(6)
  })

  it("report of a mixture spec writes the page to --out; fit --json prints fit.json", async () => {
    const out = join(scratch, "mix-report")
    const report = await runCli(["report", "mix.yaml", "--store", store, "--out", out], scratch)
    expect(report.code).toBe(0)
    for (const file of ["index.html", "fit.json", "mixture_domains.png", "mixture_target.png"]) expect(existsSync(join(out, file)), file).toBe(true)
    expect(readFileSync(join(out, "index.html"), "utf8")).toContain("tiny-mix (data mixture)")
    const json = await runCli(["fit", "mix.yaml", "--store", store, "--json"], scratch)
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: "mixture", budgets: [{ budget: 3e8, runs: 5 }] })
  })

  it("fit of a hyperparameter spec fits lr*(C) from the store", async () => {
    const fit = await runCli(["fit", "grid.yaml", "--store", store], scratch)
    expect(fit.stderr).toBe("")
    expect(fit.code).toBe(0)
    expect(fit.stdout).toContain("Hyperparameter optima per budget:")
    expect(fit.stdout).toMatch(/lr\*\(C\)/u)
  })

  it("fit of a mixture spec without a store says so, exit 2, and writes nothing", async () => {
    const fit = await runCli(["fit", "mix.yaml", "--store", join(scratch, "no-store")], scratch)
    expect(fit.code).toBe(2)
    expect(fit.stderr).toContain("no run store at")
    expect(existsSync(join(scratch, "no-store"))).toBe(false)
  })

  it("runs lists a mixture's weights and domain losses and a grid's lr and batch, --csv included", async () => {
    const mix = await runCli(["runs", "mix.yaml", "--store", store], scratch)
    expect(mix.code).toBe(0)
    for (const column of ["weight.easy", "weight.hard", "val_loss.easy", "val_loss.hard"]) expect(mix.stdout).toContain(column)
    const csv = await runCli(["runs", "mix.yaml", "--store", store, "--csv"], scratch)
    const [header, ...rows] = csv.stdout.trim().split("\n")
    const columns = header?.split(",") ?? []
    expect(columns.slice(-4)).toEqual(["weight.easy", "weight.hard", "val_loss.easy", "val_loss.hard"])
    expect(rows).toHaveLength(6)
    for (const row of rows) {
      const cells = row.split(",")
      const weights = [cells[columns.indexOf("weight.easy")], cells[columns.indexOf("weight.hard")]].map(Number)
      expect(weights[0]! + weights[1]!).toBeCloseTo(1, 6)
      expect(Number(cells[columns.indexOf("val_loss.hard")])).toBeGreaterThan(0)
    }
    const grid = await runCli(["runs", "grid.yaml", "--store", store, "--csv"], scratch)
    const [gridHeader, ...gridRows] = grid.stdout.trim().split("\n")
    const gridColumns = gridHeader?.split(",") ?? []
    expect(gridColumns.slice(-2)).toEqual(["lr", "batch_tokens"])
    expect(new Set(gridRows.map((row) => Number(row.split(",")[gridColumns.indexOf("lr")])))).toEqual(new Set([3e-3, 3e-2, 3e-1]))
  })

  it("run --rerun retrains only the named run of a mixture sweep (the predicted mix's, from the store); an unknown id is exit 2", async () => {
    const listed = await runCli(["runs", "mix.yaml", "--store", store, "--json"], scratch)
    const runs = JSON.parse(listed.stdout) as ReadonlyArray<{ readonly id: string; readonly plan_reason: string | null }>
    const id = runs.find((run) => run.plan_reason?.startsWith("predicted best mixture") === true)?.id ?? ""
    const rerun = await runCli(["run", "mix.yaml", "--store", store, "--quiet", "--rerun", id.slice(0, 8)], scratch)
    expect(rerun.stderr).toBe("")
    expect(rerun.code).toBe(0)
    expect(rerun.stdout).toContain("1 runs trained, 5 already complete, 0 failed")
    const unknown = await runCli(["run", "mix.yaml", "--store", store, "--rerun", "zzzz"], scratch)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("--rerun zzzz: no run of this plan starts with it")
  }, 120_000)

  it("backtest refuses both kinds, saying it is for IsoFLOP sweeps only (exit 2)", async () => {
    for (const spec of ["mix.yaml", "grid.yaml"]) {
      const backtest = await runCli(["backtest", spec, "--store", store], scratch)
      expect(backtest.code).toBe(2)
      expect(backtest.stderr).toContain("a backtest is defined for IsoFLOP sweeps only")
    }
  })
})

describe.skipIf(skipBrowserTests)("the dashboard's views of a mixture, a hyperparameter sweep and annealing probes in headless Chromium", () => {
  let browser: HeadlessBrowser | undefined
  let dashboard: RunningDashboard | undefined
  beforeAll(async () => {
    dashboard = await startDashboard(store)
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await dashboard?.close()
  })

  const open = async (experiment: string) => {
    if (browser === undefined || dashboard === undefined) throw new Error("the dashboard has not started")
    const page = await browser.context.newPage()
    const errors = watchPageErrors(page)
    await page.goto(`${dashboard.url}/?experiment=${experiment}`)
    return { page, errors }
  }

  it("draws a mixture's domain and target losses with the predicted best mix, and lists its runs", async () => {
    const { page, errors } = await open("tiny-mix")
    await expect.poll(() => page.locator("#runs tbody tr").count()).toBe(6)
    await expect.poll(() => page.locator("#sweep-title").textContent(), { timeout: 30_000 }).toBe("Data mixture — tiny-mix")
    expect(await page.locator("#sweep").isVisible()).toBe(true)
    expect(await page.locator("#sweep h3").allTextContents()).toEqual(["Domain losses", "Target loss"])
    await expect.poll(() => drawnMarks(page, '[data-plot="mixture_domains"]'), { timeout: 15_000 }).toBeGreaterThan(3)
    await expect.poll(() => drawnMarks(page, '[data-plot="mixture_target"]'), { timeout: 15_000 }).toBeGreaterThan(3)
    expect(await page.locator("#sweep-summary").textContent()).toMatch(/best mixture easy=[0-9.]+, hard=[0-9.]+/u)
    await saveScreenshot(page, "dashboard-mixture")
    expect(errors).toEqual([])
  })

  it("draws a grid's loss against lr and lr*(C), B*(C)", async () => {
    const { page, errors } = await open("tiny-grid")
    await expect.poll(() => page.locator("#runs tbody tr").count()).toBe(6)
    await expect.poll(() => page.locator("#sweep-title").textContent(), { timeout: 30_000 }).toBe("Hyperparameter grid — tiny-grid")
    expect(await page.locator("#sweep h3").allTextContents()).toEqual(["Loss against learning rate", "Optimal learning rate and batch size against compute"])
    await expect.poll(() => drawnMarks(page, '[data-plot="loss-vs-lr"]'), { timeout: 15_000 }).toBeGreaterThan(3)
    await expect.poll(() => drawnMarks(page, '[data-plot="hyperparameter-laws"]'), { timeout: 15_000 }).toBeGreaterThan(1)
    expect(await page.locator("#sweep-summary").textContent()).toContain("Hyperparameter optima per budget:")
    await saveScreenshot(page, "dashboard-hyperparameters")
    expect(errors).toEqual([])
  })

  it("draws annealing probes' changes against the control and their losses before and after", async () => {
    const { page, errors } = await open("tiny-anneal")
    await expect.poll(() => page.locator("#runs tbody tr").count()).toBe(8)
    await expect.poll(() => page.locator("#sweep-title").textContent(), { timeout: 30_000 }).toBe("Annealing probes — tiny-anneal")
    expect(await page.locator("#sweep h3").allTextContents()).toEqual(["What each candidate changes", "Losses before and after annealing"])
    // Two candidates: a point each per domain and the target.
    await expect.poll(() => drawnMarks(page, '[data-plot="annealing_change"]'), { timeout: 15_000 }).toBeGreaterThanOrEqual(8)
    await expect.poll(() => drawnMarks(page, '[data-plot="annealing_losses"]'), { timeout: 15_000 }).toBeGreaterThan(3)
    expect(await page.locator("#sweep-summary").textContent()).toContain("On the target, against the control: other")
    await saveScreenshot(page, "dashboard-annealing")
    expect(errors).toEqual([])
  })
})
