// `scalelab compare` through the real command, on results tables written here from known laws: a
// candidate with a known compute multiplier over the baseline (k = 1, k = 2, and one that grows
// with compute) is recovered inside its 80% interval, narrow enough under the default shared floor
// to tell k = 2 from 1 at every budget; the floor is shared or separate as the inputs' data say;
// and bad input ends with exit 2 and a message.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { chinchillaLossLaw, computeMultiplier, type IsoflopPoint, type ParametricCoefficients } from "../packages/laws/src/index.ts"
import { sweep, truth, withComputeMultiplier } from "../packages/laws/test/synthetic.ts"
import { CliBatch, listFiles } from "./support/cli.ts"

const csv = (points: ReadonlyArray<IsoflopPoint>) =>
  `params,tokens,budget,loss\n${points.map((p) => `${p.params},${p.tokens},${p.budget},${p.loss}`).join("\n")}\n`

const budgets = [1e17, 1e18, 1e19, 1e20, 1e21]
// Forecast budgets by default: 10× and 100× the largest swept.
const largestForecast = 1e23

/** Five budgets of seven sizes over a factor of 16 around `law`'s optimum, loss with 1% noise. */
const table = (law: ParametricCoefficients, seed: number) => csv(sweep({ law, noise: 0.01, seed, budgets, sizes: 7, span: 16 }))

/**
 * A candidate with larger exponents than the baseline and the same floor, scaled to match the
 * baseline's compute-optimal loss at 1e17 FLOPs: its multiplier is 1 there and grows as C^0.197
 * (γ_c/γ_b − 1 with γ = αβ/(α+β)), to about 15 at 1e23.
 */
const steeper = { ...truth, alpha: 0.4, beta: 0.34 }
const reducible = (law: ParametricCoefficients) => chinchillaLossLaw(law).optimumAt(budgets[0] as number).loss - law.E
const scale = reducible(truth) / reducible(steeper)
const grows: ParametricCoefficients = { ...steeper, A: steeper.A * scale, B: steeper.B * scale }
const trueMultiplier = (law: ParametricCoefficients, compute: number) => computeMultiplier(chinchillaLossLaw(truth), chinchillaLossLaw(law), compute).multiplier

const candidates = { same: truth, double: withComputeMultiplier(truth, 2), grows } as const

/** A spec that reads its runs from a table, with `extra` sections (data, fit). */
const tableSpec = (name: string, file: string, extra: string) => `name: ${name}\nsweep:\n  kind: table\n  file: ${file}\n${extra}`

let dir: string
let batch: CliBatch

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scalelab-compare-"))
  await Promise.all([
    writeFile(join(dir, "base.csv"), table(truth, 31)),
    writeFile(join(dir, "same.csv"), table(candidates.same, 32)),
    writeFile(join(dir, "double.csv"), table(candidates.double, 33)),
    writeFile(join(dir, "grows.csv"), table(grows, 34)),
    writeFile(join(dir, "one-budget.csv"), csv(sweep({ noise: 0.01, seed: 35, budgets: [1e18], sizes: 7, span: 16 }))),
    // A floor far below the baseline's: by 1e26 FLOPs its loss is one the baseline never reaches.
    writeFile(join(dir, "low-floor.csv"), table({ ...truth, E: 1.2 }, 36)),
    // Specs of those tables: two on the same data, one on other data, one whose law form has no floor.
    writeFile(join(dir, "base.yaml"), tableSpec("base-spec", "base.csv", "")),
    writeFile(join(dir, "double.yaml"), tableSpec("double-spec", "double.csv", "")),
    writeFile(join(dir, "bpe.yaml"), tableSpec("bpe-spec", "double.csv", "data: { tokenizer: bpe, vocab: 1024 }\n")),
    writeFile(join(dir, "no-floor.yaml"), tableSpec("no-floor-spec", "double.csv", "fit: { law_form: no-e }\n"))
  ])
  batch = await CliBatch.run({
    json: ["compare", "base.csv", "same.csv", "double.csv", "grows.csv", "--bootstrap", "100", "--json", "--out", "out"],
    text: ["compare", "double.csv", "base.csv", "--baseline", "base", "--bootstrap", "20", "--out", "report"],
    alone: ["compare", "base.csv"],
    unknownBaseline: ["compare", "base.csv", "same.csv", "--baseline", "dense", "--out", "bad"],
    sameName: ["compare", "base.csv", "./base.csv", "--out", "bad"],
    oneBudget: ["compare", "base.csv", "one-budget.csv", "--bootstrap", "0", "--out", "bad"],
    lowFloor: ["compare", "base.csv", "low-floor.csv", "--bootstrap", "0", "--compute", "1e26", "--json", "--floor", "separate"],
    separate: ["compare", "base.csv", "double.csv", "--bootstrap", "0", "--floor", "separate", "--json"],
    sameData: ["compare", "base.yaml", "double.yaml", "--bootstrap", "0", "--json"],
    otherData: ["compare", "base.yaml", "bpe.yaml", "--bootstrap", "0", "--json"],
    noFloor: ["compare", "base.yaml", "no-floor.yaml", "--bootstrap", "0", "--json"]
  }, dir)
}, 120_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const inside = (value: number, interval: ReadonlyArray<number | null>) =>
  value >= (interval[0] ?? Number.NaN) && (interval[1] === null || value <= (interval[1] as number))

describe("scalelab compare", () => {
  it("shares one floor among tables by default, fitted near the truth's, and says why", () => {
    const { floor, experiments } = batch.json("json")
    expect(floor).toMatchObject({ mode: "shared", requested: null })
    expect(floor.reason).toMatch(/base, same, double, grows come without a spec \(a results table, or a store.s runs\), so nothing says what data they were trained on/)
    expect(Math.abs(floor.value - truth.E)).toBeLessThan(0.05)
    for (const experiment of experiments) expect(experiment.loss_law.floor).toBe(floor.value)
    expect(batch.outcome("text").stdout).toMatch(/^floor: shared, one irreducible loss E = \d\.\d{3} for every experiment, the loss laws fitted jointly: base, double come without a spec/)
    expect(batch.outcome("text").stdout).toContain("L* from its loss law in the joint fit with the shared floor")
  })

  it("fits each floor alone with --floor separate, and by default when specs' data differ or a law form has no floor", () => {
    const separate = batch.json("separate")
    expect(separate.floor).toMatchObject({ mode: "separate", requested: "separate", value: null })
    const [base, double] = separate.experiments
    expect(base.loss_law.floor).not.toBe(double.loss_law.floor)
    expect(batch.json("sameData").floor).toMatchObject({ mode: "shared", requested: null, reason: expect.stringMatching(/every spec has the same data section/) })
    const otherData = batch.json("otherData").floor
    expect(otherData).toMatchObject({ mode: "separate", requested: null, value: null })
    expect(otherData.reason).toMatch(/the specs' data differ \(base-spec's data section is not bpe-spec's\)/)
    const noFloor = batch.json("noFloor")
    expect(noFloor.floor).toMatchObject({ mode: "separate", value: null })
    expect(noFloor.floor.reason).toMatch(/no-floor-spec's no-e law form has no irreducible loss to share/)
    expect(noFloor.experiments[1].loss_law.form).toBe("no-e")
  })

  it("recovers a known multiplier of 1 and of 2 inside its 80% interval at every budget, and says it holds", () => {
    const { comparisons } = batch.json("json")
    for (const [name, k] of [["same", 1], ["double", 2]] as const) {
      const comparison = comparisons.find((c: { candidate: string }) => c.candidate === name)
      expect(comparison).toMatchObject({ baseline: "base", candidate: name, compute: largestForecast, reachable: true })
      expect(comparison.budgets.map((b: { compute: number }) => b.compute)).toEqual([...budgets, 1e22, largestForecast])
      expect(comparison.budgets.map((b: { swept: boolean }) => b.swept)).toEqual([true, true, true, true, true, false, false])
      for (const budget of comparison.budgets) {
        expect(inside(k, budget.interval), `${name} at ${budget.compute}: ${budget.multiplier} ${budget.interval}`).toBe(true)
        expect(budget.bootstrap).toMatchObject({ resamples_requested: 100, trustworthy: true })
      }
      expect(inside(k, comparison.interval)).toBe(true)
      // Narrow enough to mean something at the largest forecast: separate floors gave a median 13× from end to end.
      expect(comparison.interval[1] / comparison.interval[0]).toBeLessThan(3)
      expect(comparison.trend.direction).toBe("holds")
      expect(comparison.trend).toMatchObject({ from: 1e17, to: largestForecast })
    }
    // k = 2 is told from 1 at every budget, swept and forecast.
    const double = comparisons.find((c: { candidate: string }) => c.candidate === "double")
    for (const budget of double.budgets) expect(budget.interval[0], `double at ${budget.compute}: ${budget.interval}`).toBeGreaterThan(1)
  })

  it("says a multiplier that grows with compute grows, with the true multiplier inside its interval at the largest forecast", () => {
    const comparison = batch.json("json").comparisons.find((c: { candidate: string }) => c.candidate === "grows")
    expect(trueMultiplier(grows, 1e17)).toBeCloseTo(1, 9)
    const truthAtLargest = trueMultiplier(grows, largestForecast)
    expect(truthAtLargest).toBeGreaterThan(10)
    expect(inside(truthAtLargest, comparison.interval), `${truthAtLargest} in ${comparison.interval}`).toBe(true)
    expect(comparison.interval[0]).toBeGreaterThan(5)
    expect(comparison.interval[1] / comparison.interval[0]).toBeLessThan(3)
    expect(comparison.trend.direction).toBe("grows")
    expect(comparison.trend.interval[0]).toBeGreaterThan(0)
    for (const budget of comparison.budgets) expect(inside(trueMultiplier(grows, budget.compute), budget.interval)).toBe(true)
    // The multiplier sampled over the span, for its plot: from the smallest swept budget to the largest forecast.
    expect(comparison.curve[0].compute).toBeCloseTo(1e17, -5)
    expect(comparison.curve.at(-1).compute / largestForecast).toBeCloseTo(1, 9)
    expect(comparison.curve.every((point: { interval: unknown }) => Array.isArray(point.interval))).toBe(true)
  })

  it("puts the experiments' fits side by side: N*, D* exponents and N*, D*, L* with intervals at every budget", () => {
    const { experiments, budgets: compared } = batch.json("json")
    expect(compared).toEqual({ swept: budgets, forecast: [1e22, largestForecast] })
    expect(experiments.map((e: { name: string }) => e.name)).toEqual(["base", "same", "double", "grows"])
    const base = experiments[0]
    // Chinchilla's law: N* ∝ C^(β/(α+β)), D* ∝ C^(α/(α+β)).
    expect(inside(truth.beta / (truth.alpha + truth.beta), base.params_opt.a_interval)).toBe(true)
    expect(inside(truth.alpha / (truth.alpha + truth.beta), base.tokens_opt.b_interval)).toBe(true)
    expect(base.at_budgets).toHaveLength(7)
    for (const row of base.at_budgets) {
      for (const quantity of ["params", "tokens", "loss"]) expect(row[quantity].interval).toHaveLength(2)
    }
    const trueLoss = chinchillaLossLaw(truth).optimumAt(1e19).loss
    expect(inside(trueLoss, base.at_budgets[2].loss.interval)).toBe(true)
    expect(base.isoflop_minima).toHaveLength(5)
    expect(base.loss_curve.length).toBeGreaterThan(10)
  })

  it("says a multiplier is infinite, never a number, where the baseline cannot reach the candidate's loss", () => {
    const [comparison] = batch.json("lowFloor").comparisons
    expect(comparison.budgets[0]).toMatchObject({ compute: 1e17, reachable: true, interval: null })
    expect(comparison.budgets[0].multiplier).toBeGreaterThan(1)
    expect(comparison.budgets.at(-1)).toMatchObject({ compute: 1e26, swept: false, reachable: false, multiplier: null, baseline_compute: null })
    expect(comparison.budgets.at(-1).candidate_loss).toBeLessThan(batch.json("lowFloor").experiments[0].loss_law.floor)
    expect(comparison).toMatchObject({ compute: 1e26, reachable: false, multiplier: null })
  })

  it("writes compare.json into --out, as --json prints it", async () => {
    const written = JSON.parse(await readFile(join(dir, "out", "compare.json"), "utf8"))
    expect(written).toEqual(batch.json("json"))
  })

  it("writes the comparison report into --out: index.html with every section, each plot as SVG and PNG, and says where to look", async () => {
    const plots = ["frontier", "isoflop", "loss", "multiplier"]
    expect(await listFiles(join(dir, "report"))).toEqual([
      "compare.json",
      ...plots.flatMap((plot) => [`${plot}.png`, `${plot}.svg`]).sort(),
      "index.html",
      "vendor",
      "vendor/vega-embed.min.js",
      "vendor/vega-lite.min.js",
      "vendor/vega.min.js"
    ].sort())
    for (const plot of plots) {
      const png = await readFile(join(dir, "report", `${plot}.png`))
      expect(png.subarray(1, 4).toString("latin1"), plot).toBe("PNG")
      expect(await readFile(join(dir, "report", `${plot}.svg`), "utf8"), plot).toMatch(/^<svg[\s\S]*<\/svg>$/)
    }
    const html = await readFile(join(dir, "report", "index.html"), "utf8")
    const headings = [...html.matchAll(/<h2>(.*?)<\/h2>/g)].map((match) => match[1])
    expect(headings).toEqual([
      "double against base",
      "Compute multiplier",
      "Side by side",
      "At each budget",
      "Compute-optimal frontiers",
      "Loss against compute",
      "IsoFLOP curves, overlaid"
    ])
    // The headline, the multiplier table with intervals per budget, the trend in words and how the intervals were made.
    expect(html).toMatch(/<li>double against base: at 1e23 FLOPs \(the largest forecast\): \S+× \[\S+×, \S+×\]<\/li>/)
    expect(html).toMatch(/<th class="num">budget<\/th><th class="num">multiplier<\/th><th class="num">80% interval<\/th>/)
    expect(html).toMatch(/<tr><td class="num">1e17<\/td><td class="num">\S+×<\/td><td class="num">\[\S+×, \S+×\]<\/td><td>swept<\/td><\/tr>/)
    expect(html).toMatch(/<p class="note">Trend: the multiplier (grows|holds|shrinks) with compute/)
    expect(html).toContain("Intervals from 20 of 20 paired bootstrap resamples of both fits.")
    expect(html).toMatch(/<td>base<\/td><td class="num">35<\/td>/)
    // Offline: its scripts come from the folder beside it.
    expect([...html.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1])).toEqual(["vendor/vega.min.js", "vendor/vega-lite.min.js", "vendor/vega-embed.min.js"])
    const { stdout } = batch.outcome("text")
    expect(stdout).toMatch(/Where to look:\n {2}report {5}report\/index\.html {3}\(open in a browser; works offline\)/)
    expect(stdout).toContain("  plots      report/{multiplier.png,frontier.png,loss.png,isoflop.png}  (an SVG beside each)")
    expect(stdout).toContain("  data       report/compare.json")
  })

  it("prints a table per candidate, the trend in words and the fits side by side", () => {
    const { code, stdout, stderr } = batch.outcome("text")
    expect(stderr).toBe("")
    expect(code).toBe(0)
    expect(stdout).toContain("double against base: compute multiplier")
    expect(stdout).toMatch(/budget\s+multiplier\s+80% interval/)
    expect(stdout).toMatch(/1e17\s+\S+×\s+\[\S+×, \S+×\]\s+swept/)
    expect(stdout).toMatch(/1e23\s+\S+×\s+\[\S+×, \S+×\]\s+forecast/)
    expect(stdout).toMatch(/trend: the multiplier (grows|holds|shrinks) with compute/)
    expect(stdout).toContain("intervals from 20 of 20 paired bootstrap resamples of both fits")
    expect(stdout).toMatch(/side by side/)
    expect(stdout).toMatch(/experiment\s+runs\s+N\* ∝ C\^a/)
  })

  it("ends bad input with exit 2 and a message that says what to do, writing nothing", async () => {
    const expectations: ReadonlyArray<readonly [string, RegExp]> = [
      ["alone", /compare needs at least two inputs, got 1: give the baseline and one or more candidates/],
      ["unknownBaseline", /--baseline dense: no input is named so; the experiments are "base", "same"/],
      ["sameName", /base\.csv and \.\/base\.csv are both named "base".*rename one/],
      ["oneBudget", /one-budget\.csv: no IsoFLOP fit to compare by: .*needs at least 2 budgets[\s\S]*sweep model sizes at more compute budgets/]
    ]
    for (const [name, message] of expectations) {
      const { code, stdout, stderr } = batch.outcome(name)
      expect(code, name).toBe(2)
      expect(stdout).toBe("")
      expect(stderr).toMatch(message)
      expect(stderr).not.toMatch(/\n\s+at /)
    }
    // The runs given --out bad wrote nothing there.
    expect((await listFiles(dir)).filter((file) => !/^(out|report)(\/|$)/.test(file))).toEqual([
      "base.csv",
      "base.yaml",
      "bpe.yaml",
      "double.csv",
      "double.yaml",
      "grows.csv",
      "low-floor.csv",
      "no-floor.yaml",
      "one-budget.csv",
      "same.csv"
    ])
  })
})
