// Runs one shard of a parametric grid fit in a worker thread (see parallelParametric.ts).
import { parentPort, workerData } from "node:worker_threads"
import { fitParametric, type ParametricFitOptions, type ParametricPoint } from "./parametric.ts"

const { points, options } = workerData as { points: ReadonlyArray<ParametricPoint>; options: ParametricFitOptions }
try {
  parentPort?.postMessage({ fit: fitParametric(points, options) })
} catch (error) {
  // Error objects lose their class across threads: send the tag so LawInputError stays bad input.
  const tag = error instanceof Error && "_tag" in error ? String(error._tag) : undefined
  parentPort?.postMessage({ error: { tag, message: error instanceof Error ? error.message : String(error) } })
}
