// A realistic IsoFLOP plot from synthetic runs, for looking at the figure by eye:
//   tsx packages/plots/scripts/example-isoflop.ts [OUT_DIR]
// Losses follow the form of the Chinchilla parametric law (Hoffmann et al. 2022, approach 3),
// L = E + A / N^alpha + B / D^beta with D = C / 6N, plus a little Gaussian noise. Its published
// coefficients give losses above 20 nats at these tiny sizes; the ones here are scaled to a
// byte-level model of 1e4..1e6 parameters. The largest budget is swept only below its optimum,
// so its minimum is not bracketed.
import { mkdtemp } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { IsoflopBudgetFit, IsoflopRunPoint } from "../src/index.ts"
import { evaluateLogParabola, isoflopPlotSpec, writeHtmlReport } from "../src/index.ts"

const chinchillaLoss = (params: number, tokens: number): number =>
  1.2 + 25 / params ** 0.3 + 40 / tokens ** 0.3

// Deterministic noise so the figure is the same on every run (xorshift32 + Box-Muller).
const gaussianNoise = (seed: number) => {
  let state = seed >>> 0 || 1
  const uniform = () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return ((state >>> 0) + 0.5) / 2 ** 32
  }
  return (sigma: number) => sigma * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())
}

/** Least-squares quadratic y = c0 + c1·x + c2·x² via the 3×3 normal equations (Cramer's rule). */
const fitQuadratic = (xs: ReadonlyArray<number>, ys: ReadonlyArray<number>) => {
  const power = (k: number) => xs.reduce((sum, x) => sum + x ** k, 0)
  const moment = (k: number) => xs.reduce((sum, x, i) => sum + x ** k * (ys[i] ?? 0), 0)
  const [s0, s1, s2, s3, s4] = [0, 1, 2, 3, 4].map(power) as [number, number, number, number, number]
  const [t0, t1, t2] = [0, 1, 2].map(moment) as [number, number, number]
  const det3 = (m: ReadonlyArray<ReadonlyArray<number>>) => {
    const [[a = 0, b = 0, c = 0] = [], [d = 0, e = 0, f = 0] = [], [g = 0, h = 0, i = 0] = []] = m
    return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
  }
  const normal = [[s0, s1, s2], [s1, s2, s3], [s2, s3, s4]]
  const rhs = [t0, t1, t2]
  const withColumn = (column: number) => normal.map((row, r) => row.map((value, c) => (c === column ? rhs[r] ?? 0 : value)))
  const det = det3(normal)
  return { c0: det3(withColumn(0)) / det, c1: det3(withColumn(1)) / det, c2: det3(withColumn(2)) / det }
}

const noise = gaussianNoise(20240731)
const budgets = [1e10, 1e11, 3.2e11, 1e12]
const sizesPerBudget = 5
const span = 8

const points: Array<IsoflopRunPoint> = []
const fits: Array<IsoflopBudgetFit> = []
for (const budget of budgets) {
  // The true optimum, found on a fine grid, centres the sweep as a planner with a good prior would.
  const grid = Array.from({ length: 400 }, (_, i) => 10 ** (4 + (i / 399) * 5))
  const trueOptimum = grid.reduce((best, n) =>
    chinchillaLoss(n, budget / (6 * n)) < chinchillaLoss(best, budget / (6 * best)) ? n : best)
  const unbracketed = budget === 1e12
  const centre = unbracketed ? trueOptimum / span : trueOptimum
  const sizes = Array.from({ length: sizesPerBudget }, (_, i) =>
    Math.round(centre * span ** (i / (sizesPerBudget - 1) - 0.5)))
  for (const [index, params] of sizes.entries()) {
    const tokens = Math.round(budget / (6 * params))
    points.push({
      id: `c${budget.toExponential(1)}-n${index}`,
      params,
      tokens,
      budget,
      loss: chinchillaLoss(params, tokens) + noise(0.004)
    })
  }
  const runs = points.filter((point) => point.budget === budget)
  const parabola = fitQuadratic(runs.map((run) => Math.log10(run.params)), runs.map((run) => run.loss))
  const paramsRange: [number, number] = [Math.min(...sizes), Math.max(...sizes)]
  const vertex = 10 ** (-parabola.c1 / (2 * parabola.c2))
  // An upward parabola whose vertex lies past the sizes run says only "the optimum is further out".
  const bracketed = parabola.c2 > 0 && vertex >= paramsRange[0] && vertex <= paramsRange[1]
  // A downward parabola has no minimum: fall back to the best run.
  const paramsOpt = parabola.c2 > 0 ? vertex : runs.reduce((best, run) => (run.loss < best.loss ? run : best)).params
  fits.push({
    budget,
    parabola_params: parabola,
    params_range: paramsRange,
    params_opt: paramsOpt,
    loss_opt: evaluateLogParabola(parabola, paramsOpt),
    bracketed
  })
}

const outDir = process.argv[2] ?? (await mkdtemp(join(tmpdir(), "isoflop-example-")))
const report = await writeHtmlReport(outDir, {
  title: "IsoFLOP example (synthetic Chinchilla-law runs)",
  sections: [{
    name: "isoflop",
    title: "IsoFLOP curves",
    spec: isoflopPlotSpec({ points, budgets: fits }),
    caption: "Each curve is a parabola in log N fitted to the runs of one compute budget; diamonds mark the minima. " +
      "The 1e12 sweep stops short of its optimum, so its minimum is not bracketed."
  }]
})
console.log(report.indexPath)
for (const plot of report.plots) console.log(plot.svgPath, plot.pngPath)
