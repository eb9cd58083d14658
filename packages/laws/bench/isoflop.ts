// How well each per-budget minimum estimator recovers N*(C)'s exponent. (a) Porian et al. 2024's
// published sweeps (test/fixtures/isoflop-published): fitted vs published exponent per
// configuration. (b) Synthetic sweeps of a known Chinchilla law (test/fixtures/isoflopSynthetic.ts):
// mean and 90th-percentile |error| over seeds per (sizes, noise). (c) How far each estimator's exponent
// moves on the published sweeps when noise of their own size is redrawn. Run: pnpm bench:isoflop [SEEDS]
import { fitIsoflop, isoflopMinimumEstimators, mulberry32, standardNormal } from "../src/index.ts"
import { loadPublishedSweeps } from "../test/fixtures/isoflop-published/published.ts"
import { benchmarkSweep, trueExponent } from "../test/fixtures/isoflopSynthetic.ts"

const tolerance = 0.01
const estimators = isoflopMinimumEstimators

console.log("(a) Porian et al. 2024: fitted vs published N*(C) exponent")
const errors = new Map(estimators.map((estimator) => [estimator, [] as number[]]))
console.log(["configuration".padEnd(42), "published", ...estimators.map((e) => `${e} a (|err|)`.padStart(20))].join("  "))
for (const sweep of loadPublishedSweeps()) {
  const cells = estimators.map((estimator) => {
    const a = fitIsoflop(sweep.points, { minimum: estimator }).params_opt.a
    const error = Math.abs(a - sweep.a)
    errors.get(estimator)?.push(error)
    return `${a.toFixed(4)} (${error.toFixed(4)})${error <= tolerance ? " " : "*"}`.padStart(20)
  })
  console.log([sweep.config.padEnd(42), sweep.a.toFixed(4).padStart(9), ...cells].join("  "))
}
console.log(`* = more than ${tolerance} from the published exponent`)
for (const [estimator, list] of errors) {
  const within = list.filter((e) => e <= tolerance).length
  console.log(`${estimator.padEnd(9)} within ${tolerance}: ${within}/${list.length}   max |err| ${Math.max(...list).toFixed(4)}   mean |err| ${(list.reduce((s, e) => s + e, 0) / list.length).toFixed(4)}`)
}

const seeds = Number(process.argv[2] ?? 120)
console.log(`\n(b) Synthetic Chinchilla sweeps, true a = ${trueExponent.toFixed(4)}: mean / p90 |error| of a over ${seeds} seeds`)
console.log("   (6 budgets over 2-3 decades; sizes span 1, 1.5 or 2 decades; half the seeds off-centre; fail = fewer than 2 usable budgets)")
console.log(["sizes", "noise", ...estimators.map((e) => e.padStart(17))].join("  "))
const quantile = (sorted: ReadonlyArray<number>, q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
for (const sizes of [5, 7, 9, 13]) {
  for (const noise of [0, 0.002, 0.005, 0.01, 0.02]) {
    const cells = estimators.map((estimator) => {
      const list: number[] = []
      for (let seed = 0; seed < seeds; seed++) {
        try {
          list.push(Math.abs(fitIsoflop(benchmarkSweep(sizes, noise, seed), { minimum: estimator }).params_opt.a - trueExponent))
        } catch {
          list.push(Number.POSITIVE_INFINITY)
        }
      }
      const finite = list.filter(Number.isFinite)
      const failed = list.length - finite.length
      const meanError = finite.reduce((s, e) => s + e, 0) / finite.length
      return `${meanError.toFixed(3)}/${quantile([...list].sort((p, q) => p - q), 0.9).toFixed(3)}${failed > 0 ? `f${failed}` : ""}`.padStart(17)
    })
    console.log([String(sizes).padStart(5), `${(noise * 100).toFixed(1)}%`.padStart(5), ...cells].join("  "))
  }
}

// How precisely the published exponents pin an estimator down: redraw noise of the size the runs
// themselves show and see how far each estimator's exponent moves. 0.3% is the typical scatter of
// a run's ln loss off the cubic through its neighbours on these sweeps (the median over each
// configuration's sizes ranged 0.13%-0.39%).
const publishedNoise = 0.003
const redraws = 20
console.log(`\n(c) Porian et al. 2024 with ${publishedNoise * 100}% more loss noise: sd of the fitted exponent over ${redraws} redraws`)
console.log(["configuration".padEnd(42), ...estimators.map((e) => e.padStart(9))].join("  "))
const standardDeviation = (values: ReadonlyArray<number>): number => {
  const centre = values.reduce((s, v) => s + v, 0) / values.length
  return Math.sqrt(values.reduce((s, v) => s + (v - centre) ** 2, 0) / (values.length - 1))
}
for (const sweep of loadPublishedSweeps()) {
  const random = mulberry32(7)
  const resamples = Array.from({ length: redraws }, () => sweep.points.map((p) => ({ ...p, loss: p.loss * Math.exp(publishedNoise * standardNormal(random)) })))
  const cells = estimators.map((estimator) => {
    const exponents = resamples.flatMap((points) => {
      try {
        return [fitIsoflop(points, { minimum: estimator }).params_opt.a]
      } catch {
        return []
      }
    })
    return standardDeviation(exponents).toFixed(4).padStart(9)
  })
  console.log([sweep.config.padEnd(42), ...cells].join("  "))
}
