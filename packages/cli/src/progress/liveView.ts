import { sci } from "@scalelab/laws"
import { seconds } from "../format.ts"
import { runSecondsLeft } from "./eta.ts"
import { fractionDone, isActive, phaseCounts, type RunView, type SweepState } from "./sweepState.ts"
import { describeRun, percent, shortDuration, shortId, truncate } from "./text.ts"

/** The terminal's size in characters; `rows` bounds the view's height when known. */
export interface TerminalSize {
  readonly columns: number
  readonly rows?: number
}

const barWidth = { max: 20, min: 5 } as const

const bar = (fraction: number, width: number): string => {
  const filled = Math.round(fraction * width)
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}]`
}

/**
 * The sweep in one line: every count, elapsed time and ETA; on a narrow terminal the essentials
 * (done, running, failed, ETA), with the experiment's name cut before any of them.
 */
const header = (state: SweepState, now: number, secondsLeft: number | undefined, columns: number): string => {
  const counts = phaseCounts(state)
  const running = counts.running + counts.retrying
  const eta = `ETA ${secondsLeft === undefined ? "?" : shortDuration(secondsLeft)}`
  const full = `${state.experiment}: ` + [
    `${counts.finished} done`,
    `${running} running`,
    `${counts.queued} queued`,
    `${counts.failed} failed`,
    `${counts.skipped} skipped of ${counts.total}`,
    ...(counts.interrupted > 0 ? [`${counts.interrupted} interrupted`] : [])
  ].join(", ") + ` · ${shortDuration((now - state.startedAt) / 1000)} elapsed · ${eta}`
  if (full.length <= columns) return full
  const essentials = `${counts.finished}/${counts.total} done, ${running} running` +
    `${counts.failed > 0 ? `, ${counts.failed} failed` : ""} · ${eta}`
  const nameRoom = columns - essentials.length - 2
  return nameRoom >= 4 ? `${truncate(state.experiment, nameRoom)}: ${essentials}` : truncate(essentials, columns)
}

type RowCell = "progress" | "step" | "loss" | "val" | "speed" | "eta"

/** What a narrow row gives up, in this order, after its bar; progress and ETA stay to the last. */
const dropOrder: ReadonlyArray<RowCell> = ["step", "val", "speed", "loss"]

/**
 * A running run in one row: id, C, N, a bar when there is room, % of its tokens, step, losses,
 * tokens/s and its ETA. Cells have fixed widths so the rows of several runs line up.
 */
const runRow = (run: RunView, columns: number): string => {
  const left = `  ${shortId(run.id).padEnd(8)}  ${`C=${run.budget === undefined ? "?" : sci(run.budget)}`.padEnd(9)}` +
    `  ${`N=${run.params === undefined ? "?" : sci(run.params)}`.padEnd(9)}`
  if (run.phase === "retrying") {
    return truncate(`${left}  attempt ${run.attempt} failed (${run.failure?.kind ?? "?"}); retrying`, columns)
  }
  if (run.tokensDone === undefined) {
    return truncate(`${left}  starting${run.attempt > 1 ? ` attempt ${run.attempt}` : ""}`, columns)
  }
  const fraction = fractionDone(run)
  const secondsLeft = runSecondsLeft(run)
  const cells: ReadonlyArray<readonly [RowCell, string]> = [
    ["progress", fraction === undefined ? `${sci(run.tokensDone)} tokens` : percent(fraction).padStart(4)],
    ["step", `step ${String(run.step ?? "?").padEnd(6)}`],
    ["loss", `loss ${run.loss === undefined ? "?".padEnd(5) : run.loss.toFixed(3)}`],
    ["val", `val ${run.valLoss === undefined ? "?".padEnd(5) : run.valLoss.toFixed(3)}`],
    ["speed", `${run.tokensPerS === undefined ? "?" : sci(run.tokensPerS)} tok/s`.padStart(11)],
    ["eta", `ETA ${secondsLeft === undefined ? "?" : shortDuration(secondsLeft)}`]
  ]
  const rowOf = (dropped: ReadonlySet<RowCell>) =>
    left + cells.filter(([name]) => !dropped.has(name)).map(([, text]) => `  ${text}`).join("")
  const full = rowOf(new Set())
  const room = Math.min(barWidth.max, columns - full.length - 4)
  if (fraction !== undefined && room >= barWidth.min) return `${left}  ${bar(fraction, room)}${full.slice(left.length)}`
  const fitting = dropOrder.map((_, count) => rowOf(new Set(dropOrder.slice(0, count))))
    .find((row) => row.length <= columns)
  return fitting ?? truncate(rowOf(new Set(dropOrder)), columns)
}

/**
 * The live view: a header with the sweep's counts, elapsed time and ETA, then one row per running
 * run. Every line is narrower than the terminal, since a wrapped line would take two rows and the
 * next redraw would erase one too few; with `rows` known, runs that do not fit are counted instead.
 */
export const renderLiveFrame = (
  state: SweepState,
  now: number,
  secondsLeft: number | undefined,
  size: TerminalSize
): ReadonlyArray<string> => {
  // One column and one row spare: writing the last column or row makes terminals wrap or scroll.
  const columns = Math.max(1, size.columns - 1)
  const active = [...state.runs.values()].filter(isActive)
  const room = size.rows === undefined ? active.length : Math.max(0, size.rows - 2)
  const shown = active.length <= room ? active : active.slice(0, Math.max(0, room - 1))
  const more = active.length - shown.length
  return [
    header(state, now, secondsLeft, columns),
    ...shown.map((run) => runRow(run, columns)),
    ...(more > 0 && room > 0 ? [truncate(`  … and ${more} more running`, columns)] : [])
  ]
}

/** What stays on screen once the view closes: the sweep's counts, and any run that never ended. */
export const renderFinalSummary = (state: SweepState, now: number): ReadonlyArray<string> => {
  const counts = phaseCounts(state)
  const parts = [
    `${counts.finished} done`,
    ...(counts.failed > 0 ? [`${counts.failed} failed`] : []),
    ...(counts.skipped > 0 ? [`${counts.skipped} skipped`] : []),
    ...(counts.interrupted > 0 ? [`${counts.interrupted} interrupted`] : []),
    ...(counts.running + counts.retrying > 0 ? [`${counts.running + counts.retrying} still running`] : []),
    ...(counts.queued > 0 ? [`${counts.queued} not started`] : [])
  ]
  const unfinished = [...state.runs.values()].filter(isActive).map((run) => {
    const fraction = fractionDone(run)
    return `  still running: ${describeRun(run.id, run)}${fraction === undefined ? "" : ` at ${percent(fraction)}`}`
  })
  return [`${state.experiment}: ${parts.join(", ")} of ${counts.total} runs in ${seconds((now - state.startedAt) / 1000)}`, ...unfinished]
}
