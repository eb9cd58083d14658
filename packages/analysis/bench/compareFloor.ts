// Does `compare` recover a known compute multiplier, with a shared floor and with separate ones?
// Draws results tables from known laws (Chinchilla's constants, 1% loss noise, 5 budgets from 1e17
// to 1e21 FLOPs × 7 sizes over a factor of 16), compares them with both `--floor` modes over many
// seeds, and prints how often the 80% interval held the true multiplier at the budgets swept and
// forecast (1e22, 1e23), the median multiplier and the median ratio of the interval's ends at 1e23.
// Cases: k = 1 and k = 2 (the same floor), a multiplier that grows with compute (larger exponents,
// the same floor), and a misspecified one whose floor lies 0.05 nats above the baseline's.
// Usage: pnpm bench:compare-floor [--seeds N] [--resamples N]
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { chinchillaLossLaw, computeMultiplier, type IsoflopPoint, type ParametricCoefficients } from "@scalelab/laws"
import { table } from "@scalelab/sweep"
import { sweep, truth, withComputeMultiplier } from "../../laws/test/synthetic.ts"
import { compareExperiments, type FloorMode } from "../src/index.ts"

const { values } = parseArgs({ options: { seeds: { type: "string" }, resamples: { type: "string" } } })
const seeds = Number(values.seeds ?? 20)
const resamples = Number(values.resamples ?? 100)
const budgets = [1e17, 1e18, 1e19, 1e20, 1e21]
const largestForecast = 1e23

// Larger exponents and the same floor, scaled to match the baseline at 1e17: the multiplier grows as C^0.197.
const steeper = { ...truth, alpha: 0.4, beta: 0.34 }
const reducible = (law: ParametricCoefficients) => chinchillaLossLaw(law).optimumAt(budgets[0] as number).loss - law.E
const scale = reducible(truth) / reducible(steeper)
const candidates: Readonly<Record<string, ParametricCoefficients>> = {
  same: truth,
  double: withComputeMultiplier(truth, 2),
  grows: { ...steeper, A: steeper.A * scale, B: steeper.B * scale },
  // k = 2 in the reducible terms, but a floor 0.05 nats higher: a shared floor is the wrong model here.
  "higher-floor": { ...withComputeMultiplier(truth, 2), E: truth.E + 0.05 }
}
// Which candidates are compared together in one call: a shared floor is fitted over every input of a call.
const groups = [["same", "double", "grows"], ["higher-floor"]] as const
const trueMultiplier = (name: string, compute: number) =>
  computeMultiplier(chinchillaLossLaw(truth), chinchillaLossLaw(candidates[name] as ParametricCoefficients), compute).multiplier

const csv = (points: ReadonlyArray<IsoflopPoint>) =>
  `params,tokens,budget,loss\n${points.map((p) => `${p.params},${p.tokens},${p.budget},${p.loss}`).join("\n")}\n`

interface Tally {
  swept: number
  sweptInside: number
  forecast: number
  forecastInside: number
  largestInside: number
  runs: number
  multipliers: Array<number>
  widths: Array<number>
  seconds: number
}
const tallies = new Map<string, Tally>()
const tallyOf = (key: string): Tally => {
  const found = tallies.get(key)
  if (found !== undefined) return found
  const fresh: Tally = { swept: 0, sweptInside: 0, forecast: 0, forecastInside: 0, largestInside: 0, runs: 0, multipliers: [], widths: [], seconds: 0 }
  tallies.set(key, fresh)
  return fresh
}
const median = (xs: ReadonlyArray<number>) => {
  const sorted = [...xs].sort((p, q) => p - q)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

const dir = await mkdtemp(join(tmpdir(), "compare-floor-"))
for (let seed = 0; seed < seeds; seed++) {
  await writeFile(join(dir, "base.csv"), csv(sweep({ law: truth, noise: 0.01, seed: 1000 * seed + 1, budgets, sizes: 7, span: 16 })))
  for (const [index, name] of Object.keys(candidates).entries()) {
    await writeFile(join(dir, `${name}.csv`), csv(sweep({ law: candidates[name] as ParametricCoefficients, noise: 0.01, seed: 1000 * seed + 2 + index, budgets, sizes: 7, span: 16 })))
  }
  for (const group of groups) {
    for (const floor of ["shared", "separate"] as ReadonlyArray<FloorMode>) {
      const started = performance.now()
      const result = await Effect.runPromise(compareExperiments({
        inputs: [join(dir, "base.csv"), ...group.map((name) => join(dir, `${name}.csv`))],
        baseline: undefined,
        resamples,
        seed,
        computes: [],
        floor
      }).pipe(Effect.provide(NodeServices.layer)))
      const seconds = (performance.now() - started) / 1000
      for (const comparison of result.comparisons) {
        const tally = tallyOf(`${comparison.candidate}|${floor}`)
        tally.runs++
        tally.seconds += seconds / result.comparisons.length
        for (const budget of comparison.budgets) {
          const truthHere = trueMultiplier(comparison.candidate, budget.compute)
          const inside = budget.interval !== undefined && truthHere >= budget.interval[0] && truthHere <= budget.interval[1]
          if (budget.swept) {
            tally.swept++
            if (inside) tally.sweptInside++
          } else {
            tally.forecast++
            if (inside) tally.forecastInside++
          }
          if (budget.compute === largestForecast) {
            if (inside) tally.largestInside++
            tally.multipliers.push(budget.multiplier)
            if (budget.interval !== undefined) tally.widths.push(budget.interval[1] / budget.interval[0])
          }
        }
      }
    }
  }
  process.stderr.write(`seed ${seed + 1} of ${seeds}\n`)
}
await rm(dir, { recursive: true, force: true })

console.log(`${seeds} seeds, --bootstrap ${resamples}; 80% intervals; truth at 1e23: ` +
  Object.keys(candidates).map((name) => `${name} ${trueMultiplier(name, largestForecast).toPrecision(3)}×`).join(", "))
console.log(table(
  ["candidate", "floor", "swept inside", "forecast inside", "1e23 inside", "median at 1e23", "median high/low at 1e23", "s per comparison"],
  [...tallies.entries()].map(([key, tally]) => {
    const [candidate, floor] = key.split("|")
    return [
      candidate ?? "",
      floor ?? "",
      `${tally.sweptInside}/${tally.swept}`,
      `${tally.forecastInside}/${tally.forecast}`,
      `${tally.largestInside}/${tally.runs}`,
      median(tally.multipliers).toPrecision(3),
      median(tally.widths).toPrecision(3),
      (tally.seconds / tally.runs).toFixed(1)
    ]
  })
))
