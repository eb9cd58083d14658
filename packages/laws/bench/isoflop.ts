// How well each per-budget minimum estimator reproduces the published N*(C) exponents of Porian et
// al. 2024 from their own runs (test/fixtures/isoflop-published). Prints one row per configuration:
// the published a, each estimator's a and |error|, then per estimator how many land within 0.01
// and the largest error. Run: pnpm bench:isoflop
import { fitIsoflop, isoflopMinimumEstimators } from "../src/index.ts"
import { loadPublishedSweeps } from "../test/fixtures/isoflop-published/published.ts"

const tolerance = 0.01
const sweeps = loadPublishedSweeps()
const errors = new Map(isoflopMinimumEstimators.map((estimator) => [estimator, [] as number[]]))
const header = ["configuration".padEnd(42), "published", ...isoflopMinimumEstimators.map((e) => `${e} a (|err|)`.padStart(20))]
console.log(header.join("  "))
for (const sweep of sweeps) {
  const cells = isoflopMinimumEstimators.map((estimator) => {
    const a = fitIsoflop(sweep.points, { minimum: estimator }).params_opt.a
    const error = Math.abs(a - sweep.a)
    errors.get(estimator)?.push(error)
    return `${a.toFixed(4)} (${error.toFixed(4)})${error <= tolerance ? " " : "*"}`.padStart(20)
  })
  console.log([sweep.config.padEnd(42), sweep.a.toFixed(4).padStart(9), ...cells].join("  "))
}
console.log(`\n* = more than ${tolerance} from the published exponent`)
for (const [estimator, list] of errors) {
  const within = list.filter((e) => e <= tolerance).length
  console.log(`${estimator.padEnd(9)} within ${tolerance}: ${within}/${list.length}   max |err| ${Math.max(...list).toFixed(4)}   mean |err| ${(list.reduce((s, e) => s + e, 0) / list.length).toFixed(4)}`)
}
