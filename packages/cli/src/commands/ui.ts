import { Console, Effect, Layer, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { HttpServer } from "effect/http"
import { dashboardServer } from "@scalelab/dashboard"
import { storeFlag } from "../commonFlags.ts"
import { UserInputError } from "../failure.ts"
import { loadSpec } from "../specInput.ts"
import { existingStoreFor } from "../storeLocation.ts"

const defaultPort = 8765

/** Prints where the dashboard listens once the server is up (with the port --port 0 picked). */
const announceAddress = (experiment: string | undefined) =>
  Layer.effectDiscard(Effect.gen(function*() {
    const { address } = yield* HttpServer.HttpServer
    const port = "port" in address ? address.port : defaultPort
    const query = experiment === undefined ? "" : `?experiment=${encodeURIComponent(experiment)}`
    yield* Console.log(`scalelab dashboard: http://127.0.0.1:${port}/${query}  (Ctrl-C to stop)`)
  }))

export const uiCommand = Command.make(
  "ui",
  {
    spec: Argument.String("spec").pipe(Argument.withDescription("experiment spec (YAML): watch its store"), Argument.optional),
    store: storeFlag,
    port: Flag.Int("port").pipe(
      Flag.withDescription(`port on 127.0.0.1 (default ${defaultPort}; 0 picks a free one)`),
      Flag.withDefault(defaultPort)
    )
  },
  ({ spec, store, port }) =>
    Effect.gen(function*() {
      if (port < 0 || port > 65535) {
        return yield* new UserInputError({ message: `--port ${port}: use a port from 0 to 65535 (0 picks a free one)` })
      }
      const storeDir = yield* existingStoreFor(
        Option.getOrUndefined(spec),
        Option.getOrUndefined(store),
        "say which store to watch: `scalelab ui SPEC` or `scalelab ui --store DIR`"
      )
      const experiment = Option.isSome(spec) ? (yield* loadSpec(spec.value)).name : undefined
      yield* Layer.launch(announceAddress(experiment).pipe(Layer.provideMerge(dashboardServer({ storeDir, port })))).pipe(
        Effect.catchTag("ServeError", (error) =>
          Effect.fail(new UserInputError({
            message: `cannot listen on 127.0.0.1:${port} (${error.message}); is another dashboard running? Try --port 0`
          })))
      )
    })
).pipe(Command.withDescription("Serve a live dashboard of a store's runs, loss curves and fit on 127.0.0.1 (read-only)"))
