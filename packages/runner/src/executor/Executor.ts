import type { MetricLine, RunResult, RunSpec } from "@scalelab/spec"
import { Context, type Effect } from "effect"
import type { RunFailed } from "./RunFailed.ts"

/** What an execution reports while it runs. */
export interface ExecutionHooks {
  /** Each metric line the worker appends to metrics.jsonl, once it is complete. */
  readonly onMetric: (line: MetricLine) => Effect.Effect<void>
}

/**
 * Trains one run: given its spec and its run folder (where run.json has been written), produces
 * the run's result or says why it could not. Implementations differ in where the worker runs.
 * Interrupting an execution stops its worker (which checkpoints first) and leaves nothing running.
 */
export class Executor extends Context.Service<Executor, {
  /** How runs execute, for messages and the store: `local`, `command` or `slurm`. */
  readonly name: string
  execute(run: RunSpec, runDir: string, hooks: ExecutionHooks): Effect.Effect<RunResult, RunFailed>
}>()("@scalelab/runner/executor/Executor") {}
