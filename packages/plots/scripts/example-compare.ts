// Renders the comparison plots from synthetic experiments, for looking at the figures by eye:
//   tsx packages/plots/scripts/example-compare.ts [OUT_DIR]
// Three experiments follow one Chinchilla-form law L(N, D) = E + A/N^α + B/D^β, each with its own
// worth per parameter and per token: an experiment with factors (p, t) trains like the baseline at
// p·N parameters and t·D tokens, so under C = 6ND it reaches the baseline's loss with 1/(p·t) of the
// compute: its compute multiplier over the baseline is exactly p·t, and its N* shifts by 1/p.
// "dense" is the baseline; "moe" is 2× with parameters worth 4× (counted as active parameters,
// each does more work) and tokens 0.5×; "narrow" is 0.7×. Runs carry seeded noise, minima and power
// laws are fitted with the IsoFLOP fit; the bands are made up (a width that grows with the distance
// from the sweep), since a figure to look at needs no bootstrap.
import { mkdtemp } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { chinchillaLossLaw, fitIsoflop, mulberry32, standardNormal } from "@scalelab/laws"
import type { ComparedExperiment, LawSample, MultiplierComparison } from "../src/index.ts"
import {
  compareFrontierPlotSpec,
  compareLossPlotSpec,
  isoflopFittedCurve,
  logSpaced,
  multiplierPlotSpec,
  overlayIsoflopPlotSpec,
  writePlotFiles
} from "../src/index.ts"

const outDir = process.argv[2] ?? (await mkdtemp(join(tmpdir(), "scalelab-compare-")))
// Hoffmann et al. (2022)'s fitted constants.
const baselineLaw = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 }
const budgets = [1e17, 3e17, 1e18, 3e18, 1e19]
const forecastEnd = 1e21
const random = mulberry32(11)
const level = 0.8

const experiment = (name: string, paramsWorth: number, tokensWorth: number, baseline: boolean): ComparedExperiment => {
  const law = chinchillaLossLaw(baselineLaw)
  const lossAt = (params: number, tokens: number) => law.lossAt(paramsWorth * params, tokensWorth * tokens)
  const trueOptimum = (compute: number) => {
    const optimum = law.optimumAt(paramsWorth * tokensWorth * compute)
    return { params: optimum.params / paramsWorth, tokens: optimum.tokens / tokensWorth, loss: optimum.loss }
  }
  const runs = budgets.flatMap((budget) => {
    const centre = trueOptimum(budget).params
    return [-0.6, -0.3, 0, 0.3, 0.6].map((offset, index) => {
      const params = centre * 10 ** (offset + 0.08 * standardNormal(random))
      const tokens = budget / (6 * params)
      return { id: `${name}-${budget.toExponential(0)}-${index}`, params, tokens, flops: budget, budget, loss: lossAt(params, tokens) + 0.006 * standardNormal(random) }
    })
  })
  const fit = fitIsoflop(runs)
  const computes = logSpaced([budgets[0] ?? 1e17, forecastEnd], 40)
  const largest = budgets.at(-1) ?? 1e19
  // Relative half-width: 4% over the sweep, growing by 6% per decade beyond it.
  const halfWidth = (compute: number) => 0.04 + 0.06 * Math.max(0, Math.log10(compute / largest))
  const banded = (value: number, compute: number, width = halfWidth(compute)): LawSample => ({
    compute,
    value,
    interval: [value / (1 + width), value * (1 + width)]
  })
  return {
    name,
    baseline,
    runs,
    minima: fit.budgets.flatMap((budget) =>
      budget.params_opt === null || budget.loss_opt === null
        ? []
        : [{ compute: budget.budget, params: budget.params_opt, tokens: budget.tokens_opt ?? budget.budget / (6 * budget.params_opt), loss: budget.loss_opt, bracketed: budget.bracketed }]
    ),
    frontier: {
      params: computes.map((c) => banded(fit.params_opt.k * c ** fit.params_opt.a, c)),
      tokens: computes.map((c) => banded(fit.tokens_opt.k * c ** fit.tokens_opt.b, c))
    },
    loss: computes.map((c) => banded(trueOptimum(c).loss, c, halfWidth(c) / 8)),
    isoflopCurves: fit.budgets.map((budget) => ({ budget: budget.budget, points: isoflopFittedCurve(budget) }))
  }
}

const experiments = [experiment("dense", 1, 1, true), experiment("moe", 4, 0.5, false), experiment("narrow", 0.7, 1, false)]
const comparison = (candidate: string, multiplier: number, drift: number): MultiplierComparison => {
  const at = (compute: number) => multiplier * (compute / 1e18) ** drift
  const width = (compute: number) => 0.12 + 0.1 * Math.max(0, Math.log10(compute / 1e19))
  const sample = (compute: number): LawSample => ({ compute, value: at(compute), interval: [at(compute) * (1 - width(compute)), at(compute) * (1 + width(compute))] })
  return {
    candidate,
    baseline: "dense",
    samples: logSpaced([1e17, forecastEnd], 40).map(sample),
    budgets: [...budgets, 1e20, 1e21].map((compute) => {
      const { value, interval } = sample(compute)
      return { compute, multiplier: value, ...(interval === undefined ? {} : { interval }), swept: compute <= 1e19 }
    })
  }
}
const input = { title: "dense vs moe vs narrow (synthetic)", experiments, intervalLevel: level }
for (const [name, spec] of [
  ["compare-frontier", compareFrontierPlotSpec(input)],
  ["compare-loss", compareLossPlotSpec(input)],
  ["compare-multiplier", multiplierPlotSpec({ experiments, comparisons: [comparison("moe", 2, 0), comparison("narrow", 0.7, 0)], intervalLevel: level })],
  ["compare-multiplier-linear", multiplierPlotSpec({ experiments, comparisons: [comparison("moe", 2, 0)], intervalLevel: level })],
  ["compare-multiplier-growing", multiplierPlotSpec({ experiments, comparisons: [comparison("moe", 2, 0.25)], intervalLevel: level })],
  ["compare-isoflop-overlay", overlayIsoflopPlotSpec({ ...input, experiments: experiments.slice(0, 2) })]
] as const) {
  console.log((await writePlotFiles(outDir, name, spec)).pngPath)
}
