import type { RunResult, RunSpec } from "@scalelab/spec"
import { Context, type Effect } from "effect"
import type { RunFailed } from "./RunFailed.ts"

/**
 * Trains one run: given its spec and its run folder (where run.json has been written), produces
 * the run's result or says why it could not. Implementations differ in where the worker runs.
 */
export class Executor extends Context.Service<Executor, {
  execute(run: RunSpec, runDir: string): Effect.Effect<RunResult, RunFailed>
}>()("@scalelab/runner/executor/Executor") {}
