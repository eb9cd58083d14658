import { Schema } from "effect"

export const RunStatus = Schema.Literals(["planned", "running", "completed", "failed", "diverged"])
export type RunStatus = typeof RunStatus.Type

/** One run as the store knows it (a row of `runs`). Times are ISO 8601 strings. */
export interface RunRow {
  readonly id: string
  readonly experiment: string
  readonly budget: number
  readonly params: number
  readonly tokens: number
  readonly flops: number
  readonly status: RunStatus
  readonly attempts: number
  readonly backend: string | null
  readonly error: string | null
  readonly started_at: string | null
  readonly finished_at: string | null
}

/**
 * One completed run's outcome, in the columns of a results table (params, tokens, flops, loss,
 * budget, seed), ready for fitting. `loss` is the final validation loss.
 */
export interface ResultRow {
  readonly run_id: string
  readonly experiment: string
  readonly budget: number
  readonly params: number
  readonly tokens: number
  readonly flops: number
  readonly loss: number
  readonly train_loss: number
  readonly seed: number
  readonly backend: string | null
  readonly wall_s: number
  readonly tokens_per_s: number
}
