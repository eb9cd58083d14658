import { Console, Effect, Layer, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { HttpServer } from "effect/http"
import { dashboardServer } from "@scalelab/dashboard"
import { storeFlag } from "../commonFlags.ts"
import { bounded, flagRanges } from "../flagRanges.ts"
import { existingStoreFor, UserInputError } from "@scalelab/sweep"
import { experimentNameOf, loadWatchedSpec } from "./watchedSpec.ts"

const defaultPort = 8765

/** Prints where the dashboard listens once the server is up (with the port --port 0 picked). */
const announceAddress = (experiment: string | undefined) =>
  Layer.effectDiscard(Effect.gen(function*() {
    const { address } = yield* HttpServer.HttpServer
    const port = "port" in address ? address.port : defaultPort
    const query = experiment === undefined ? "" : `?experiment=${encodeURIComponent(experiment)}`
    yield* Console.log(`scalelab dashboard: http://127.0.0.1:${port}/${query}  (Ctrl-C to stop)`)
  }))

/** Why the server could not listen on `port`, from the socket's error, and what to try instead. */
const listenFailure = (port: number, cause: unknown): string => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : undefined
  if (code === "EADDRINUSE") {
    return `--port ${port}: the port is in use (another dashboard, or another program, listens on 127.0.0.1:${port}); ` +
      `pick another with --port ${port === 65_535 ? port - 1 : port + 1}, or --port 0 for any free one`
  }
  if (code === "EACCES") return `--port ${port}: this user may not listen on it; pick a port above 1023, or --port 0 for any free one`
  const reason = cause instanceof Error ? cause.message : String(cause)
  return `cannot listen on 127.0.0.1:${port} (${reason}); try --port 0 for any free port`
}

export const uiCommand = Command.make(
  "ui",
  {
    spec: Argument.String("spec").pipe(Argument.withDescription("experiment spec (YAML): watch its store"), Argument.optional),
    store: storeFlag,
    port: bounded(Flag.Int("port"), flagRanges.port, "port on 127.0.0.1, 0 to pick a free one", defaultPort)
  },
  ({ spec, store, port }) =>
    Effect.gen(function*() {
      // The spec first: a spec that tracks no runs (a table) is the problem to name, not its missing store.
      const experiment = Option.isSome(spec) ? experimentNameOf(yield* loadWatchedSpec(spec.value)) : undefined
      const storeDir = yield* existingStoreFor(
        Option.getOrUndefined(spec),
        Option.getOrUndefined(store),
        "say which store to watch: `scalelab ui SPEC` or `scalelab ui --store DIR`"
      )
      yield* Layer.launch(announceAddress(experiment).pipe(Layer.provideMerge(dashboardServer({ storeDir, port })))).pipe(
        Effect.catchTag("ServeError", (error) => Effect.fail(new UserInputError({ message: listenFailure(port, error.cause) })))
      )
    })
).pipe(Command.withDescription(
  "Serve a live dashboard of a store's runs, loss curves and fit on 127.0.0.1 (read-only); for a hyperparameter grid, " +
    "its loss against lr and lr*(C), B*(C); for a data mixture, its domain and target losses against the weights; for " +
    "annealing probes, each candidate's change against the control; the memorization rate when runs measured it"
))
