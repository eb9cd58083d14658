import type { SweepEvent } from "@scalelab/runner"

/** A run's size as planned: its IsoFLOP budget C, its parameters N and its tokens D. */
export interface RunSize {
  readonly budget: number
  readonly params: number
  readonly tokens: number
}

export type RunPhase = "queued" | "running" | "retrying" | "finished" | "failed" | "skipped" | "interrupted"

/**
 * What the progress view knows of one run. Sizes are optional: a run first seen in an event
 * is shown with what is known.
 */
export interface RunView {
  readonly id: string
  readonly budget?: number
  readonly params?: number
  /** D: the tokens the run trains on in all. */
  readonly tokens?: number
  readonly phase: RunPhase
  readonly attempt: number
  readonly step?: number
  /** Tokens trained so far, from the last metric line. */
  readonly tokensDone?: number
  readonly loss?: number
  readonly valLoss?: number
  readonly tokensPerS?: number
  readonly diverged?: boolean
  /** Why the last attempt failed, while the run waits for its retry or after its last attempt. */
  readonly failure?: { readonly kind: string; readonly reason: string }
}

export interface SweepState {
  readonly experiment: string
  /** When the sweep started, in epoch milliseconds. */
  readonly startedAt: number
  /** In plan order; adaptive sweeps append the runs of each budget as it is planned. */
  readonly runs: ReadonlyMap<string, RunView>
}

export const initialSweepState = (
  experiment: string,
  runs: ReadonlyMap<string, RunSize>,
  startedAt: number
): SweepState => ({
  experiment,
  startedAt,
  runs: new Map([...runs].map(([id, size]) => [id, { id, ...size, phase: "queued", attempt: 0 }]))
})

const withRun = (state: SweepState, id: string, update: (run: RunView) => RunView): SweepState => {
  const run = state.runs.get(id) ?? { id, phase: "queued", attempt: 0 }
  return { ...state, runs: new Map(state.runs).set(id, update(run)) }
}

/** The state after `event`; events for runs not yet known add them. */
export const applyEvent = (state: SweepState, event: SweepEvent): SweepState => {
  switch (event._tag) {
    case "BudgetPlanned":
      return event.runs.reduce(
        (next, planned) =>
          withRun(next, planned.id, (run) => ({ ...run, budget: event.budget, params: planned.params, tokens: planned.tokens })),
        state
      )
    case "RunStarted":
      return withRun(state, event.id, (run) => ({ ...run, phase: "running", attempt: event.attempt }))
    case "RunProgress":
      // Metric lines carry val_loss only at evaluations, and may omit the others: keep the last seen.
      return withRun(state, event.id, (run) => ({
        ...run,
        step: event.step,
        tokensDone: event.tokens,
        loss: event.loss ?? run.loss,
        valLoss: event.val_loss ?? run.valLoss,
        tokensPerS: event.tokens_per_s ?? run.tokensPerS
      }))
    case "RunFinished":
      return withRun(state, event.id, (run) => ({
        ...run,
        params: run.params ?? event.result.params,
        tokens: run.tokens ?? event.result.tokens,
        phase: "finished",
        attempt: event.attempt,
        step: event.result.steps,
        tokensDone: event.result.tokens,
        valLoss: event.result.val_loss,
        diverged: event.result.status === "diverged"
      }))
    case "RunAttemptFailed":
      return withRun(state, event.id, (run) => ({
        ...run,
        phase: event.willRetry ? "retrying" : "failed",
        attempt: event.attempt,
        failure: { kind: event.kind, reason: event.reason }
      }))
    case "RunSkipped":
      return withRun(state, event.id, (run) => ({ ...run, phase: "skipped" }))
    case "RunInterrupted":
      return withRun(state, event.id, (run) => ({ ...run, phase: "interrupted", attempt: event.attempt }))
  }
}

export type PhaseCounts = Readonly<Record<RunPhase, number>> & { readonly total: number }

export const phaseCounts = (state: SweepState): PhaseCounts => {
  const counts = { queued: 0, running: 0, retrying: 0, finished: 0, failed: 0, skipped: 0, interrupted: 0 }
  for (const run of state.runs.values()) counts[run.phase]++
  return { ...counts, total: state.runs.size }
}

/** Runs a worker holds or will hold again soon: training, or waiting to retry. */
export const isActive = (run: RunView): boolean => run.phase === "running" || run.phase === "retrying"

/** Fraction of its tokens a run has trained, when both are known. */
export const fractionDone = (run: RunView): number | undefined =>
  run.tokens !== undefined && run.tokens > 0 && run.tokensDone !== undefined
    ? Math.min(1, run.tokensDone / run.tokens)
    : undefined
