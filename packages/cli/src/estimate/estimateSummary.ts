import { sci } from "@scalelab/laws"
import { seconds } from "../format.ts"
import type { EstimateSource, ProbeEvidence, RunTimeEstimate } from "./runTimeEstimate.ts"

// Where the speeds come from, as the summary says it.
const sourcePhrases: Readonly<Record<EstimateSource, string>> = {
  completed: "from their own completed training",
  "same-shape": "from a completed run of the same shape",
  measured: "timed by the probe",
  interpolated: "interpolated between the probe's widths"
}

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`

/** "under a minute ago", "5 min ago", "3 h ago", "2 days ago". */
const ago = (ms: number): string => {
  const minutes = Math.max(0, Math.round(ms / 60_000))
  if (minutes === 0) return "under a minute ago"
  if (minutes < 60) return `${minutes} min ago`
  const hours = Math.round(minutes / 60)
  return hours < 24 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`
}

const probeLine = (probe: ProbeEvidence, now: number): string => {
  const when = probe.probe_seconds === undefined
    ? `from the cache, measured ${probe.measured_at.slice(0, 16).replace("T", " ")} UTC (${ago(now - Date.parse(probe.measured_at))})`
    : `measured just now (the probe took ${seconds(probe.probe_seconds)})`
  const points = probe.points.map((p) =>
    `${sci(p.tokens_per_s)} tokens/s at d_model ${p.d_model}, ${count(p.layers, "layer")}, batch ${p.batch_tokens}`
  )
  return `speed ${when} on this machine: ${probe.backend} on ${probe.device}, ${points.join("; ")}`
}

/** The plan's summary of the estimate: the sweep's time, and where each speed comes from. */
export const estimateLines = (estimate: RunTimeEstimate, now: number): ReadonlyArray<string> => {
  const complete = estimate.runs.filter((run) => run.source === "completed").length
  const bySource = Object.entries(sourcePhrases).flatMap(([source, phrase]) => {
    const runs = estimate.runs.filter((run) => run.source === source).length
    return runs === 0 ? [] : [`${runs} ${phrase}`]
  })
  return [
    `estimated training time: ${seconds(estimate.sweep_seconds)} at ${count(estimate.concurrency, "run")} at a time, largest first` +
      (complete > 0 ? `; ${count(complete, "run")} already complete, ${seconds(estimate.remaining_seconds)} left` : "") +
      " (training steps on an otherwise idle machine; each run's start-up and evaluations come on top)",
    `run speeds: ${bySource.join(", ")}`,
    ...(estimate.probe === undefined ? [] : [probeLine(estimate.probe, now)])
  ]
}
