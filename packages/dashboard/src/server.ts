import { NodeHttpServer } from "@effect/platform-node"
import { RunStore } from "@scalelab/runner"
import { Layer } from "effect"
import { HttpRouter } from "effect/http"
import { createServer } from "node:http"
import { dashboardRoutes } from "./routes.ts"

export interface DashboardOptions {
  /** The store folder: `<store>/scalelab.db` and `<store>/runs/`. */
  readonly storeDir: string
  /** 0 picks a free port. */
  readonly port: number
}

/** The address the dashboard listens on: this machine only, never the network. */
export const dashboardHost = "127.0.0.1"

/**
 * The dashboard's HTTP server on 127.0.0.1, reading the store read-only for as long as the layer
 * lives. Its HttpServer service says the port that was bound.
 */
export const dashboardServer = ({ storeDir, port }: DashboardOptions) =>
  HttpRouter.serve(dashboardRoutes(storeDir), { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provide(RunStore.readOnlyLayer(storeDir)),
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port, host: dashboardHost }))
  )
