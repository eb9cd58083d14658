import { readMetrics, RunStore, runFolderPath } from "@scalelab/runner"
import { Effect, Option, Schedule, Stream } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { loadAssets } from "./assets.ts"
import { makeChangeFeed } from "./changeFeed.ts"
import { makeComparisonCache } from "./comparisonView.ts"
import { BadRequest, NotFound } from "./errors.ts"
import { fitView } from "./fitView.ts"
import { overlayView } from "./overlayView.ts"
import { baselineParam, experimentParam, experimentsParam, runParam, searchParamsOf } from "./queryParams.ts"
import { failureResponse, jsonResponse, type RequestFailure, securityHeaders } from "./responses.ts"
import { runViews } from "./runView.ts"
import { makeSweepViewCache } from "./sweepView.ts"

/** How often a page's event stream looks at the store for changes. */
export const pollInterval = "1 second"

// A page on another site can point its own host name at 127.0.0.1 (DNS rebinding) and would
// then read these answers as same-origin; the Host it sends names that site, so it is refused.
const localHostNames = new Set(["127.0.0.1", "localhost", "[::1]"])

const hostNameOf = (host: string): string => host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0] ?? ""

const requireLocalHost = (request: HttpServerRequest.HttpServerRequest) => {
  const host = request.headers["host"] ?? ""
  return localHostNames.has(hostNameOf(host).toLowerCase())
    ? Effect.void
    : Effect.fail(new BadRequest({ message: `the dashboard answers only requests addressed to 127.0.0.1 or localhost, not ${JSON.stringify(host)}` }))
}

/** Runs a handler for a request from this machine's browser, answering failures as JSON. */
const handled = (
  body: (params: URLSearchParams) => Effect.Effect<HttpServerResponse.HttpServerResponse, RequestFailure>
) =>
(request: HttpServerRequest.HttpServerRequest) =>
  requireLocalHost(request).pipe(
    Effect.andThen(body(searchParamsOf(request.url))),
    Effect.catch((failure) => Effect.succeed(failureResponse(failure)))
  )

const sseFrame = (event: unknown): string => `data: ${JSON.stringify(event)}\n\n`

// A comment line when nothing changed keeps proxies from closing the stream, and a write to a
// page that went away ends the stream at once instead of at the next change.
const idleFrame = ": no change\n\n"

/**
 * The dashboard's routes: the page and its scripts (a fixed allow-list), the JSON endpoints and
 * the event stream. Anything else is the router's 404.
 */
export const dashboardRoutes = (storeDir: string) =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const store = yield* RunStore
      const assets = yield* loadAssets

      for (const [path, asset] of assets) {
        yield* router.add("GET", path, handled(() =>
          Effect.succeed(HttpServerResponse.uint8Array(asset.body, { contentType: asset.contentType, headers: securityHeaders }))))
      }

      const runNamed = (id: string) =>
        Effect.flatMap(store.listRuns(), (runs) => {
          const run = runs.find((row) => row.id === id)
          return run === undefined ? Effect.fail(new NotFound({ message: `no run ${id} in the store` })) : Effect.succeed(run)
        })

      yield* router.add("GET", "/api/experiments", handled(() =>
        Effect.map(store.experiments(), (rows) => jsonResponse({ experiments: rows.map((row) => row.name) }))))

      yield* router.add("GET", "/api/runs", handled((params) =>
        Effect.gen(function*() {
          const experiment = yield* experimentParam(params)
          return jsonResponse({ runs: runViews(yield* store.listRuns(experiment), yield* store.results(experiment)) })
        })))

      // A finished run's lines are in the store; a running one's only in its folder, which is
      // found from the stored run, never from the request.
      yield* router.add("GET", "/api/metrics", handled((params) =>
        Effect.gen(function*() {
          const run = yield* runNamed(yield* runParam(params))
          const stored = yield* store.metrics(run.id)
          const lines = stored.length > 0 ? stored : yield* readMetrics(runFolderPath(storeDir, run.id))
          return jsonResponse({ run: run.id, lines })
        })))

      yield* router.add("GET", "/api/fit", handled((params) =>
        Effect.gen(function*() {
          const experiment = yield* experimentParam(params)
          const stored = yield* store.latestFit(experiment)
          if (Option.isNone(stored)) return jsonResponse({ fit: null })
          return jsonResponse({ fit: fitView(experiment, stored.value, yield* store.results(experiment)) })
        })))

      // A hyperparameter grid's or a data mixture's own plots, and the memorization rate, as the report draws them.
      const sweepViewOf = makeSweepViewCache(storeDir)
      yield* router.add("GET", "/api/sweep", handled((params) =>
        Effect.gen(function*() {
          const experiment = yield* experimentParam(params)
          return jsonResponse(yield* sweepViewOf(experiment).pipe(Effect.provideService(RunStore, store)))
        })))

      // The named experiments' completed runs and latest fits; an experiment the store lacks is a 404.
      const storedExperiments = (names: ReadonlyArray<string>) =>
        Effect.gen(function*() {
          const known = new Set((yield* store.experiments()).map((row) => row.name))
          const unknown = names.filter((name) => !known.has(name))
          if (unknown.length > 0) return yield* Effect.fail(new NotFound({ message: `no experiment ${unknown.map((name) => JSON.stringify(name)).join(", ")} in the store` }))
          return yield* Effect.forEach(names, (name) =>
            Effect.gen(function*() {
              const fit = yield* store.latestFit(name)
              return { name, results: yield* store.results(name), fit: Option.getOrUndefined(fit) }
            }))
        })

      // Several experiments' runs and latest fits on shared plots.
      yield* router.add("GET", "/api/overlay", handled((params) =>
        Effect.gen(function*() {
          return jsonResponse(overlayView(yield* storedExperiments(yield* experimentsParam(params))))
        })))

      // The baseline (the first experiment unless baseline= names another) against each other one:
      // the compute multiplier's plot and headlines, or a note saying why there is no comparison.
      const compared = makeComparisonCache()
      yield* router.add("GET", "/api/compare", handled((params) =>
        Effect.gen(function*() {
          const names = yield* experimentsParam(params)
          if (names.length < 2) return yield* Effect.fail(new BadRequest({ message: "give two or more experiment= parameters: a baseline and what to compare with it" }))
          const baseline = yield* baselineParam(params, names)
          const experiments = yield* storedExperiments(names)
          return jsonResponse(yield* compared(experiments, baseline))
        })))

      yield* router.add("GET", "/api/events", handled(() =>
        Effect.gen(function*() {
          const feed = yield* makeChangeFeed(storeDir).pipe(Effect.provideService(RunStore, store))
          const frames = Stream.fromEffectSchedule(
            // A failed look (the store busy, a folder unreadable) is reported and the next one tried.
            feed.poll.pipe(Effect.catch((failure) => Effect.succeed([{ type: "problem", message: failure.message }]))),
            Schedule.spaced(pollInterval)
          ).pipe(
            Stream.map((events) => events.length === 0 ? idleFrame : events.map(sseFrame).join("")),
            Stream.encodeText
          )
          return HttpServerResponse.stream(frames, {
            contentType: "text/event-stream",
            headers: { ...securityHeaders, "x-accel-buffering": "no" }
          })
        })))
    })
  )
