import type { RunResult } from "@scalelab/spec"
import type { FailureKind } from "./executor/RunFailed.ts"

/**
 * What a sweep reports as it goes; a CLI shows them as a live view, log lines or JSON lines.
 * Durations in seconds.
 */
export type SweepEvent =
  /** The runs of one budget are planned (all budgets at once, or one by one in an adaptive sweep). */
  | {
    readonly _tag: "BudgetPlanned"
    readonly budget: number
    /** N* the sizes are centred on, and where it comes from (a published law, or a fit of earlier budgets). */
    readonly centre_params: number
    readonly reason: string
    readonly runs: ReadonlyArray<{ readonly id: string; readonly params: number; readonly tokens: number }>
  }
  | { readonly _tag: "RunStarted"; readonly id: string; readonly attempt: number; readonly lr: number }
  /** A metric line the run's worker has just written. */
  | {
    readonly _tag: "RunProgress"
    readonly id: string
    readonly step: number
    readonly tokens: number
    readonly loss?: number
    readonly val_loss?: number
    readonly tokens_per_s?: number
  }
  | {
    readonly _tag: "RunFinished"
    readonly id: string
    readonly attempt: number
    readonly seconds: number
    readonly result: RunResult
  }
  | {
    readonly _tag: "RunAttemptFailed"
    readonly id: string
    readonly attempt: number
    readonly seconds: number
    readonly kind: FailureKind | "diverged"
    readonly reason: string
    /** False on the last attempt: the run is then recorded as failed (or diverged). */
    readonly willRetry: boolean
  }
  /** Already complete in its run folder; `healed` when the store had lost that and was told again. */
  | { readonly _tag: "RunSkipped"; readonly id: string; readonly healed: boolean }
  /** The sweep was interrupted while this run trained; its worker checkpointed and stopped. */
  | { readonly _tag: "RunInterrupted"; readonly id: string; readonly attempt: number }
