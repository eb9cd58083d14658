// Follows a run's metrics.jsonl while its worker runs, wherever the worker runs (a local process
// or a Slurm job on a shared file system): the lines feed progress, their arrival proves the worker
// is alive, and each complete line is checked against the worker contract as it appears.
import { MetricLine } from "@scalelab/spec"
import { Clock, Data, Duration, Effect, Schema } from "effect"
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { metricsFile } from "../runFolder.ts"

/** The worker broke the contract (a line that is not a metric line) or stopped reporting. */
export class MetricsProblem extends Data.TaggedError("MetricsProblem")<{
  readonly kind: "malformed" | "hung"
  readonly reason: string
}> {}

const decodeLine = Schema.decodeUnknownResult(Schema.fromJsonString(MetricLine))

const quoted = (line: string): string => JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}…` : line)

const isMissingFile = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT"

export interface MetricsFollower {
  /** Reads what was appended since the last call: its complete lines, decoded, in order. */
  readonly readNew: Effect.Effect<ReadonlyArray<MetricLine>, MetricsProblem>
  /** Fails with a `hung` problem when no line has arrived for the hang timeout (0: never). */
  readonly checkAlive: Effect.Effect<void, MetricsProblem>
  /** Counts the hang timeout from now: when the worker actually starts (a queued job, say). */
  readonly restartHangClock: Effect.Effect<void>
}

/** The file's complete lines (up to its last newline); a missing file has none. */
const completeLines = (path: string): Effect.Effect<string> =>
  Effect.promise(() =>
    readFile(path, "utf8").catch((error: unknown) => {
      if (isMissingFile(error)) return ""
      throw error
    })
  ).pipe(Effect.map((text) => text.slice(0, text.lastIndexOf("\n") + 1)))

/**
 * Follows the lines appended to a run's metrics.jsonl from now on: lines an earlier attempt wrote
 * were reported (and checked) then.
 */
export const followMetrics = (runDir: string, hangTimeoutSeconds: number): Effect.Effect<MetricsFollower> =>
  Effect.gen(function*() {
    const path = join(runDir, metricsFile)
    let seenText = yield* completeLines(path)
    let lastActivity = yield* Clock.currentTimeMillis

    const readNew = Effect.gen(function*() {
      const complete = yield* completeLines(path)
      if (complete === seenText) return []
      const appended = complete.startsWith(seenText)
      // A resuming worker first cuts the file back to its checkpoint: nothing new to report yet.
      if (!appended && seenText.startsWith(complete)) {
        seenText = complete
        lastActivity = yield* Clock.currentTimeMillis
        return []
      }
      // Otherwise appended to, or (cleared and) written anew.
      const fresh = appended ? complete.slice(seenText.length) : complete
      const firstLineNumber = appended ? seenText.split("\n").length : 1
      seenText = complete
      lastActivity = yield* Clock.currentTimeMillis
      const lines: Array<MetricLine> = []
      for (const [index, line] of fresh.split("\n").slice(0, -1).entries()) {
        if (line.trim() === "") continue
        const decoded = decodeLine(line)
        if (decoded._tag === "Failure") {
          return yield* new MetricsProblem({
            kind: "malformed",
            reason: `${path} line ${firstLineNumber + index} is not a metric line ` +
              `(${decoded.failure.message.split("\n")[0]}): ${quoted(line)}. The trainer must write one JSON ` +
              `object per line with at least step, tokens and flops (the worker contract)`
          })
        }
        lines.push(decoded.success)
      }
      return lines
    })

    const checkAlive = Effect.gen(function*() {
      if (hangTimeoutSeconds <= 0) return
      const silentFor = ((yield* Clock.currentTimeMillis) - lastActivity) / 1000
      if (silentFor >= hangTimeoutSeconds) {
        return yield* new MetricsProblem({
          kind: "hung",
          reason: `no new line in ${path} for ${Math.round(silentFor)} s (execution.hang_timeout is ` +
            `${hangTimeoutSeconds} s): the worker was presumed hung and stopped`
        })
      }
    })

    const restartHangClock = Effect.map(Clock.currentTimeMillis, (now) => {
      lastActivity = now
    })

    return { readNew, checkAlive, restartHangClock }
  })

/**
 * Polls the follower until it fails, handing each new line to `onMetric`. Runs beside the worker
 * and is interrupted when the worker ends.
 */
export const watchMetrics = (
  follower: MetricsFollower,
  onMetric: (line: MetricLine) => Effect.Effect<void>,
  every: Duration.Input = "500 millis"
): Effect.Effect<never, MetricsProblem> =>
  Effect.gen(function*() {
    for (const line of yield* follower.readNew) yield* onMetric(line)
    yield* follower.checkAlive
  }).pipe(Effect.andThen(Effect.sleep(every)), Effect.forever)
