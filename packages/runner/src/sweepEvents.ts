import type { RunResult } from "@scalelab/spec"

/** What a sweep reports as it goes; a CLI prints one line per event. Durations in seconds. */
export type SweepEvent =
  | { readonly _tag: "RunStarted"; readonly id: string; readonly attempt: number }
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
    readonly reason: string
    /** False on the last attempt: the run is then recorded as failed. */
    readonly willRetry: boolean
  }
  /** Already complete in its run folder; `healed` when the store had lost that and was told again. */
  | { readonly _tag: "RunSkipped"; readonly id: string; readonly healed: boolean }
