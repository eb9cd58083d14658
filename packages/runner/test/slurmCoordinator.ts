// A coordinator to be killed: executes the run in RUN_DIR (run.json written) with the Slurm
// executor, as `scalelab run` would. The re-adoption test kills it with SIGKILL once the job is
// submitted, as a crash or an OOM kill would, so that no finalizer can cancel the job.
//   node --import tsx slurmCoordinator.ts STORE_DIR RUN_DIR JOB_NAME_PREFIX
import { Effect } from "effect"
import { Executor } from "../src/index.ts"
import { readRunSpec } from "../src/runFolder.ts"
import { testSlurmExecutor } from "./slurmCluster.ts"

const [storeDir, runDir, jobNamePrefix] = process.argv.slice(2)
if (storeDir === undefined || runDir === undefined || jobNamePrefix === undefined) {
  throw new Error("usage: slurmCoordinator.ts STORE_DIR RUN_DIR JOB_NAME_PREFIX")
}

await Effect.runPromise(
  Effect.gen(function*() {
    const executor = yield* Executor
    const run = yield* readRunSpec(runDir)
    return yield* executor.execute(run, runDir, { onMetric: () => Effect.void })
  }).pipe(Effect.provide(testSlurmExecutor({ storeDir, jobNamePrefix })))
)
