import { Clock, Effect, Schedule, type Scope } from "effect"
import type { SweepEvent } from "@scalelab/runner"
import { type SweepEtaInputs, sweepSecondsLeft } from "./eta.ts"
import { eventLine, type ProgressMark, progressLineDue } from "./eventLines.ts"
import { eventJsonLine } from "./jsonLines.ts"
import { renderFinalSummary, renderLiveFrame } from "./liveView.ts"
import { applyEvent, initialSweepState, type RunSize, type SweepState } from "./sweepState.ts"
import { hideCursor, replaceLines, showCursor } from "./terminal.ts"

export type { RunSize } from "./sweepState.ts"

/**
 * - `live`: a view redrawn in place at the bottom of a terminal, finished runs scrolling above it;
 * - `lines`: a line per event, progress throttled, for logs and pipes;
 * - `json`: every event as a JSON line, for jq and other programs;
 * - `quiet`: only runs that failed their last attempt.
 */
export type ProgressMode = "live" | "lines" | "json" | "quiet"

/** JSON when asked for, since a program reads it; then quiet; otherwise live only on a terminal. */
export const chooseProgressMode = (
  choice: { readonly json: boolean; readonly quiet: boolean; readonly isTTY: boolean }
): ProgressMode => choice.json ? "json" : choice.quiet ? "quiet" : choice.isTTY ? "live" : "lines"

/** Where progress goes: `process.stdout` fits. Its size is read at each redraw, so resizes are followed. */
export interface ProgressOutput {
  write(text: string): void
  readonly columns?: number
  readonly rows?: number
}

export interface ProgressOptions extends SweepEtaInputs {
  readonly mode: ProgressMode
  readonly experiment: string
  /** The runs planned so far; an adaptive sweep's later budgets arrive as BudgetPlanned events. */
  readonly runs: ReadonlyMap<string, RunSize>
  readonly out: ProgressOutput
}

export interface ProgressReporter {
  readonly onEvent: (event: SweepEvent) => Effect.Effect<void>
}

/** At most 4 redraws a second: smooth enough, and cheap beside a terminal's scrolling. */
const redrawInterval = "250 millis"

/** Events whose line stays above the live view; the view itself shows starts and progress. */
const scrollsAboveView = (event: SweepEvent): boolean => event._tag !== "RunStarted" && event._tag !== "RunProgress"

const liveReporter = (options: ProgressOptions, initial: SweepState) =>
  Effect.gen(function*() {
    const { out } = options
    let state = initial
    /** Lines of the view now on screen, erased by the next redraw; 0 before the first. */
    let height = 0
    let shownFrame: string | undefined
    const toScroll: Array<string> = []

    const redraw = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.sync(() => {
        const frame = renderLiveFrame(state, now, sweepSecondsLeft(state, options), {
          columns: out.columns ?? 80,
          rows: out.rows
        })
        const frameText = frame.join("\n")
        if (toScroll.length === 0 && frameText === shownFrame) return
        out.write(`${shownFrame === undefined ? hideCursor : ""}${replaceLines(height, [...toScroll.splice(0), ...frame])}`)
        height = frame.length
        shownFrame = frameText
      }))

    // The final state replaces the view once, as plain lines, and the cursor comes back whether the
    // sweep ended, failed or was interrupted: this runs when the scope closes.
    yield* Effect.addFinalizer(() =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.sync(() =>
          out.write(replaceLines(height, [...toScroll.splice(0), ...renderFinalSummary(state, now)]) + showCursor)
        ))
    )
    // Events only update the state; redraws come from here, so a burst of events costs one redraw.
    yield* Effect.forkScoped(Effect.repeat(redraw, Schedule.spaced(redrawInterval)))

    return {
      onEvent: (event) =>
        Effect.sync(() => {
          state = applyEvent(state, event)
          if (scrollsAboveView(event)) toScroll.push(eventLine(state, event))
        })
    } satisfies ProgressReporter
  })

const linesReporter = (out: ProgressOutput, initial: SweepState): ProgressReporter => {
  let state = initial
  const lastProgressLine = new Map<string, ProgressMark>()
  return {
    onEvent: (event) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.sync(() => {
          state = applyEvent(state, event)
          if (event._tag === "RunStarted") {
            lastProgressLine.set(event.id, { at: now, tokens: state.runs.get(event.id)?.tokensDone ?? 0 })
          }
          if (event._tag === "RunProgress") {
            if (!progressLineDue(lastProgressLine.get(event.id), state.runs.get(event.id), now, event.tokens)) return
            lastProgressLine.set(event.id, { at: now, tokens: event.tokens })
          }
          out.write(`${eventLine(state, event)}\n`)
        }))
  }
}

const jsonReporter = (out: ProgressOutput): ProgressReporter => ({
  onEvent: (event) => Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => out.write(`${eventJsonLine(event, now)}\n`)))
})

const quietReporter = (out: ProgressOutput, initial: SweepState): ProgressReporter => {
  let state = initial
  return {
    onEvent: (event) =>
      Effect.sync(() => {
        state = applyEvent(state, event)
        if (event._tag === "RunAttemptFailed" && !event.willRetry) out.write(`${eventLine(state, event)}\n`)
      })
  }
}

/**
 * Shows a sweep's progress as `options.mode` says; pass `onEvent` to runSweep. The live view is
 * replaced by the sweep's final state when the scope closes, also when the sweep fails or is
 * interrupted: `Effect.scoped` around the sweep, not around the whole command, so that what the
 * command prints afterwards comes below it.
 */
export const makeProgressReporter = (options: ProgressOptions): Effect.Effect<ProgressReporter, never, Scope.Scope> =>
  Effect.gen(function*() {
    const initial = initialSweepState(options.experiment, options.runs, yield* Clock.currentTimeMillis)
    switch (options.mode) {
      case "live":
        return yield* liveReporter(options, initial)
      case "lines":
        return linesReporter(options.out, initial)
      case "json":
        return jsonReporter(options.out)
      case "quiet":
        return quietReporter(options.out, initial)
    }
  })
