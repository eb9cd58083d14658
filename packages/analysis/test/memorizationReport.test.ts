// The report's Memorization section, from stored results as the store reads them back: drawn with
// its plot files when a run measured memorization (eval.memorization), absent when none did.
import { existsSync, readFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { defaultIsoflopMinimum } from "@scalelab/laws"
import type { ResultRow } from "@scalelab/runner"
import { DEFAULT_LAW_FORM } from "@scalelab/spec"
import { memorizationSection, type ReportContext } from "../src/reportWriter.ts"
import { writeResultsReport } from "../src/resultsReport.ts"
import { storedResultPoint, storedTasks } from "../src/resultsInput.ts"

/** Three sizes at each of two budgets, loss a parabola in log N with its minimum inside; rates by `rateOf`. */
const storedRows = (rateOf: (index: number) => number | null): ReadonlyArray<ResultRow> =>
  [1e9, 3e9].flatMap((budget, b) =>
    [0.5, 1, 2].map((scale, s): ResultRow => {
      const index = 3 * b + s
      const params = 5000 * (1 + b) * scale
      const tokens = budget / (6 * params)
      return {
        run_id: `run-${index}`,
        experiment: "memorization-test",
        budget,
        params,
        params_total: params,
        tokens,
        flops: budget,
        loss: 3 - 0.2 * b + 0.5 * Math.log10(scale) ** 2,
        train_loss: 3,
        seed: 0,
        backend: "wasm",
        wall_s: 1,
        tokens_per_s: 1000,
        cloze_accuracy: null,
        cloze_nll: null,
        memorization: rateOf(index)
      }
    })
  )

const reportOf = (rows: ReadonlyArray<ResultRow>, outDir: string, tokensNote?: string) => {
  const points = rows.map(storedResultPoint)
  return Effect.runPromise(writeResultsReport({
    input: "memorization-test.yaml",
    name: "memorization-test",
    results: {
      points,
      tasks: storedTasks(points),
      isoflopMinimum: defaultIsoflopMinimum,
      lawForm: DEFAULT_LAW_FORM,
      ...(tokensNote === undefined ? {} : { tokensNote })
    },
    outDir,
    forecastComputes: [],
    bootstrap: { resamples: 0, seed: 1 },
    methods: ["isoflop"],
    curves: []
  }))
}

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-memorization-report-"))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("the report's Memorization section", () => {
  it("is drawn, with its SVG and PNG and a section in index.html, when the runs measured memorization", async () => {
    const outDir = join(dir, "measured")
    const { report } = await reportOf(storedRows((index) => index / 10), outDir)
    expect(report.sections).toContain("Memorization")
    expect(report.plotPaths).toEqual(expect.arrayContaining([join(outDir, "memorization.svg"), join(outDir, "memorization.png")]))
    expect(existsSync(join(outDir, "memorization.png"))).toBe(true)
    const html = readFileSync(join(outDir, "index.html"), "utf8")
    expect(html).toContain("<h2>Memorization</h2>")
    expect(html).toContain("memorization.png")
    expect(readFileSync(join(outDir, "memorization.svg"), "utf8")).toContain("Memorization rate")
  }, 60_000)

  it("is drawn when every run memorized nothing: a rate of 0 is a measurement", async () => {
    const { report } = await reportOf(storedRows(() => 0), join(dir, "zeros"))
    expect(report.sections).toContain("Memorization")
  }, 60_000)

  it("says which tokens its D axis shows when the fits take other tokens than those trained on (fit.tokens: effective)", async () => {
    const outDir = join(dir, "effective")
    const note = "Tokens are effective tokens (a test note)."
    await reportOf(storedRows((index) => index / 10), outDir, note)
    const html = readFileSync(join(outDir, "index.html"), "utf8")
    // The section runs from its heading to the next one.
    const section = html.slice(html.indexOf("<h2>Memorization</h2>")).split("<h2>")[1]
    expect(section).toContain(note)
  }, 60_000)

  it("is absent, with no plot files, when no run measured memorization", async () => {
    const outDir = join(dir, "unmeasured")
    const { report } = await reportOf(storedRows(() => null), outDir)
    expect(report.sections).toContain("IsoFLOP curves")
    expect(report.sections).not.toContain("Memorization")
    expect(existsSync(join(outDir, "memorization.svg"))).toBe(false)
    expect(existsSync(join(outDir, "memorization.png"))).toBe(false)
    expect(readFileSync(join(outDir, "index.html"), "utf8")).not.toContain("Memorization")
  }, 60_000)
})

describe("memorizationSection", () => {
  const context = (rows: ReadonlyArray<ResultRow>): ReportContext => ({
    name: "memorization-test",
    points: rows.map(storedResultPoint),
    forecastComputes: [],
    isoflop: { _tag: "NotFitted", reason: "not needed here" },
    intervals: { _tag: "NoIntervals", reason: "not needed here" },
    curves: [],
    downstream: [],
    lossForecasts: { _tag: "NoLaw", reason: "not needed here" }
  })
  const plottedRows = (section: ReturnType<typeof memorizationSection>[number]) => {
    if (!("spec" in section)) throw new Error("the Memorization section has no plot")
    const panels = (section.spec as { hconcat: ReadonlyArray<{ data: { values: ReadonlyArray<Record<string, unknown>> } }> }).hconcat
    return panels[0]?.data.values ?? []
  }

  it("draws only the runs that measured memorization, with their rates, and says how many did not", () => {
    const [section, ...rest] = memorizationSection(context(storedRows((index) => index % 2 === 0 ? index / 10 : null)))
    expect(rest).toHaveLength(0)
    if (section === undefined) throw new Error("no Memorization section")
    expect(plottedRows(section).map((row) => [row["id"], row["rate"]])).toEqual([["run-0", 0], ["run-2", 0.2], ["run-4", 0.4]])
    expect(section.caption).toContain("over 3 runs; 3 other runs did not measure it and are not drawn")
  })

  it("draws nothing when no run measured memorization", () => {
    expect(memorizationSection(context(storedRows(() => null)))).toEqual([])
  })
})
