import { sci } from "@scalelab/laws"
import type { RunView } from "./sweepState.ts"

/** A duration that fits a table cell: 42s, 3m05s, 2h05m; whole units, counted down like a clock. */
export const shortDuration = (seconds: number): string => {
  const s = Math.max(0, Math.floor(seconds))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
}

/** At most `width` characters; a cut line ends in an ellipsis so it does not read as complete. */
export const truncate = (line: string, width: number): string =>
  line.length <= width ? line : width <= 0 ? "" : `${line.slice(0, width - 1)}…`

/** Run ids are 16-hex-digit content addresses; 8 tell the runs of one sweep apart. */
export const shortId = (id: string): string => id.slice(0, 8)

/** `id (C=…, N=…, D=…)` with the sizes that are known. */
export const describeRun = (id: string, run: RunView | undefined): string => {
  const sizes = [
    run?.budget === undefined ? undefined : `C=${sci(run.budget)}`,
    run?.params === undefined ? undefined : `N=${sci(run.params)}`,
    run?.tokens === undefined ? undefined : `D=${sci(run.tokens)}`
  ].filter((size) => size !== undefined)
  return sizes.length === 0 ? id : `${id} (${sizes.join(", ")})`
}

export const percent = (fraction: number): string => `${Math.floor(fraction * 100)}%`
