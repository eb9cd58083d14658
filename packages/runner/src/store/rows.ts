import { Schema } from "effect"
import type { FitRecord } from "./fitRecord.ts"

/**
 * Where a run stands. `interrupted`: the sweep (or its coordinator) stopped while the run was
 * executing; the next sweep resumes it.
 */
export const RunStatus = Schema.Literals(["planned", "running", "completed", "failed", "diverged", "interrupted"])
export type RunStatus = typeof RunStatus.Type

/** An experiment the store has runs of (a row of `experiments`). */
export interface ExperimentRow {
  readonly name: string
  readonly created_at: string
}

/** One run as the store knows it (a row of `runs`). Times are ISO 8601 strings. */
export interface RunRow {
  readonly id: string
  readonly experiment: string
  readonly budget: number
  /** N: a mixture of experts' active parameters. */
  readonly params: number
  /** Every parameter, all experts counted (= params for a dense model). */
  readonly params_total: number
  readonly tokens: number
  readonly flops: number
  /** Why the planner chose this run (adaptive re-centring, say); null when it gave no reason. */
  readonly plan_reason: string | null
  readonly status: RunStatus
  /** Attempts started over the run's lifetime. */
  readonly attempts: number
  /** The executor of the latest attempt. */
  readonly executor: string | null
  readonly backend: string | null
  /** Why the run failed, when it did. */
  readonly error: string | null
  /** When the latest attempt started. */
  readonly started_at: string | null
  /** When the latest attempt ended, when it is known. */
  readonly finished_at: string | null
}

/**
 * How an attempt ended. `abandoned`: its coordinator was killed without recording the end, and a
 * later sweep found it still `running`.
 */
export const AttemptOutcome = Schema.Literals(["running", "completed", "diverged", "failed", "interrupted", "abandoned"])
export type AttemptOutcome = typeof AttemptOutcome.Type

/** One execution of a run (a row of `attempts`). */
export interface AttemptRow {
  readonly run_id: string
  /** 1-based, counted over the run's lifetime. */
  readonly attempt: number
  readonly executor: string | null
  /** The peak learning rate it trained with. */
  readonly lr: number | null
  readonly started_at: string
  readonly finished_at: string | null
  readonly outcome: AttemptOutcome
  /** For a failed attempt, the failure kind (crashed, hung, lost, unstartable, malformed, bad_input, diverged). */
  readonly kind: string | null
  readonly reason: string | null
  /** The worker's last lines of output. */
  readonly log_tail: string | null
  readonly exit_code: number | null
  /** The Slurm job id, for attempts executed as Slurm jobs. */
  readonly job_id: string | null
}

/** How an attempt failed, as `recordAttemptFailure` takes it. */
export interface AttemptFailure {
  readonly kind: string
  /** What went wrong, in one line. */
  readonly reason: string
  readonly logTail: string
  /** Null when the worker never started or was killed by a signal. */
  readonly exitCode: number | null
  readonly jobId?: string
}

/** An attempt that `abandonRunningAttempts` found still running. */
export interface AbandonedAttempt {
  readonly run_id: string
  readonly attempt: number
}

/** A report's fits as recorded, decoded. */
export interface StoredFit {
  readonly created_at: string
  readonly json: FitRecord
}

/**
 * One completed run's outcome, in the columns of a results table (params, tokens, flops, loss,
 * budget, seed), ready for fitting. `loss` is the final validation loss.
 */
export interface ResultRow {
  readonly run_id: string
  readonly experiment: string
  readonly budget: number
  /** N: a mixture of experts' active parameters. */
  readonly params: number
  /** Every parameter, all experts counted (= params for a dense model). */
  readonly params_total: number
  readonly tokens: number
  readonly flops: number
  readonly loss: number
  readonly train_loss: number
  readonly seed: number
  readonly backend: string | null
  readonly wall_s: number
  readonly tokens_per_s: number
  /** The cloze benchmark at the end of training, when the run was scored on it (result.json). */
  readonly cloze_accuracy: number | null
  /** The true cloze continuations' loss there, in nats per byte. */
  readonly cloze_nll: number | null
  /** The fraction of training prefixes the run continued verbatim (eval.memorization), when it measured it. */
  readonly memorization: number | null
}
