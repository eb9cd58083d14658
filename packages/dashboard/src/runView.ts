import type { ResultRow, RunRow, RunStatus } from "@scalelab/runner"

/** One row of the dashboard's runs table. */
export interface RunView {
  readonly id: string
  readonly experiment: string
  readonly status: RunStatus
  readonly budget: number
  /** N: a mixture of experts' active parameters. */
  readonly params: number
  /** Every parameter, all experts counted (= params for a dense model). */
  readonly paramsTotal: number
  readonly tokens: number
  readonly flops: number
  /** Final validation loss of a completed run. */
  readonly loss: number | null
  readonly backend: string | null
  readonly attempts: number
  readonly error: string | null
}

export const runViews = (runs: ReadonlyArray<RunRow>, results: ReadonlyArray<ResultRow>): Array<RunView> => {
  const lossById = new Map(results.map((result) => [result.run_id, result.loss]))
  return runs.map((run) => ({
    id: run.id,
    experiment: run.experiment,
    status: run.status,
    budget: run.budget,
    params: run.params,
    paramsTotal: run.params_total,
    tokens: run.tokens,
    flops: run.flops,
    loss: lossById.get(run.id) ?? null,
    backend: run.backend,
    attempts: run.attempts,
    error: run.error
  }))
}
