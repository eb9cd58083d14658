import type { MetricLine } from "@scalelab/spec"
import { metricsFile, RunStore, runFolderPath } from "@scalelab/runner"
import { Effect, Option } from "effect"
import { join } from "node:path"
import { makeMetricsTail, type MetricsTail } from "./metricsTail.ts"
import { type RunView, runViews } from "./runView.ts"

/** What the page is told over /api/events. */
export type DashboardEvent =
  | { readonly type: "experiments"; readonly experiments: ReadonlyArray<string> }
  | { readonly type: "run"; readonly run: RunView }
  | { readonly type: "metrics"; readonly run: string; readonly reset: boolean; readonly lines: ReadonlyArray<MetricLine> }
  | { readonly type: "fit"; readonly experiment: string; readonly created_at: string }

interface FollowedRun {
  readonly attempts: number
  readonly tail: MetricsTail
}

/**
 * One page's view of the store, compared with the store on each `poll`, which returns what
 * changed. The first poll returns everything: the experiments, every run, the metrics of the
 * runs under way and the fits, so a page that connects late misses nothing.
 *
 * Live curves come from the run folders' metrics.jsonl, not the store: workers append there as
 * they train, and the store receives a run's metric lines only when it completes. A run's tail
 * is read once more after it stops running, for the lines written just before its result.
 */
export const makeChangeFeed = (storeDir: string) =>
  Effect.gen(function*() {
    const store = yield* RunStore
    let experimentsSeen: string | undefined
    const runsSeen = new Map<string, string>()
    const followed = new Map<string, FollowedRun>()
    const fitsSeen = new Map<string, string>()

    const follow = (run: RunView) =>
      Effect.gen(function*() {
        const known = followed.get(run.id)
        if (known !== undefined && known.attempts === run.attempts) return known
        const tail = known?.tail ?? makeMetricsTail(join(runFolderPath(storeDir, run.id), metricsFile))
        if (known !== undefined) yield* tail.restart
        const fresh = { attempts: run.attempts, tail }
        followed.set(run.id, fresh)
        return fresh
      })

    const poll = Effect.gen(function*() {
      const events: Array<DashboardEvent> = []

      const experiments = (yield* store.experiments()).map((row) => row.name)
      const experimentsKey = JSON.stringify(experiments)
      if (experimentsKey !== experimentsSeen) {
        experimentsSeen = experimentsKey
        events.push({ type: "experiments", experiments })
      }

      const runs = runViews(yield* store.listRuns(), yield* store.results())
      for (const run of runs) {
        const key = JSON.stringify(run)
        if (runsSeen.get(run.id) !== key) {
          runsSeen.set(run.id, key)
          events.push({ type: "run", run })
        }
        if (run.status !== "running" && !followed.has(run.id)) continue
        const { tail } = yield* follow(run)
        const chunk = yield* tail.read
        if (chunk.reset || chunk.lines.length > 0) {
          events.push({ type: "metrics", run: run.id, reset: chunk.reset, lines: chunk.lines })
        }
        if (run.status !== "running") followed.delete(run.id)
      }

      for (const experiment of experiments) {
        const fit = yield* store.latestFit(experiment)
        if (Option.isSome(fit) && fitsSeen.get(experiment) !== fit.value.created_at) {
          fitsSeen.set(experiment, fit.value.created_at)
          events.push({ type: "fit", experiment, created_at: fit.value.created_at })
        }
      }
      return events
    })

    return { poll }
  })
