import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect, Stdio } from "effect"
import { runScalelab } from "./scalelab.ts"

const program = Stdio.Stdio.use(({ args }) => Effect.flatMap(args, runScalelab)).pipe(Effect.provide(NodeServices.layer))

// Failures are printed once, by reportFailures; the runtime only sets the exit code.
NodeRuntime.runMain(program, { disableErrorReporting: true })
