import type { SweepEvent } from "@scalelab/runner"
import { sci } from "@scalelab/laws"
import { seconds } from "../format.ts"
import { runSecondsLeft } from "./eta.ts"
import { fractionDone, phaseCounts, type RunView, type SweepState } from "./sweepState.ts"
import { describeRun, percent } from "./text.ts"

type RunProgress = Extract<SweepEvent, { readonly _tag: "RunProgress" }>

/** A run's progress in words: step, tokens, losses, speed and ETA, as far as its metric lines tell. */
const progressLine = (event: RunProgress, run: RunView | undefined): string => {
  const fraction = run === undefined ? undefined : fractionDone(run)
  const secondsLeft = run === undefined ? undefined : runSecondsLeft(run)
  return [
    `running ${describeRun(event.id, run)}: step ${event.step}`,
    `tokens ${sci(event.tokens)}${fraction === undefined ? "" : ` (${percent(fraction)})`}`,
    ...(run?.loss === undefined ? [] : [`loss ${run.loss.toFixed(4)}`]),
    ...(run?.valLoss === undefined ? [] : [`val_loss ${run.valLoss.toFixed(4)}`]),
    ...(run?.tokensPerS === undefined ? [] : [`${sci(run.tokensPerS)} tokens/s`]),
    ...(secondsLeft === undefined ? [] : [`ETA ${seconds(secondsLeft)}`])
  ].join(", ")
}

/**
 * One line for an event, readable in a terminal and in a CI log alike. `state` is the state after
 * the event, so counts include it.
 */
export const eventLine = (state: SweepState, event: SweepEvent): string => {
  if (event._tag === "BudgetPlanned") {
    return `plan    C=${sci(event.budget)}: ${event.runs.length} runs around N*=${sci(event.centre_params)} (${event.reason})`
  }
  const run = state.runs.get(event.id)
  const what = describeRun(event.id, run)
  const counts = phaseCounts(state)
  const ended = `[${counts.finished + counts.skipped}/${counts.total}]`
  switch (event._tag) {
    case "RunStarted":
      return `start   ${what}${event.attempt > 1 ? ` attempt ${event.attempt}` : ""}, lr ${sci(event.lr)}`
    case "RunProgress":
      return progressLine(event, run)
    case "RunFinished":
      return `done    ${what} ${ended} in ${seconds(event.seconds)}: val_loss ${event.result.val_loss.toFixed(4)}, ` +
        `${sci(event.result.tokens_per_s)} tokens/s on ${event.result.backend}` +
        (event.result.status === "diverged" ? " — DIVERGED" : "")
    case "RunAttemptFailed":
      return `failed  ${what} attempt ${event.attempt} after ${seconds(event.seconds)} (${event.kind})` +
        `${event.willRetry ? ", will retry" : ""}: ${event.reason}`
    case "RunSkipped":
      return `skip    ${what} ${ended}: already complete${event.healed ? " (store updated from its folder)" : ""}`
    case "RunInterrupted":
      return `stopped ${what} attempt ${event.attempt}: interrupted; it checkpointed and resumes on the next run`
  }
}

/** Where a run's last progress line was written: when, and at how many tokens. */
export interface ProgressMark {
  readonly at: number
  readonly tokens: number
}

const progressLineEvery = { millis: 30_000, fraction: 0.1 } as const

/**
 * Whether a run's progress is worth a line in a log: a line at most every 30 s or every 10% of its
 * tokens, whichever comes first, so that a log of many runs stays readable.
 */
export const progressLineDue = (since: ProgressMark | undefined, run: RunView | undefined, now: number, tokens: number): boolean =>
  since === undefined ||
  now - since.at >= progressLineEvery.millis ||
  (run?.tokens !== undefined && tokens - since.tokens >= progressLineEvery.fraction * run.tokens)
