import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect, Stdio } from "effect"
import { runScalelab } from "./scalelab.ts"

// A reader that stops early (`scalelab plan spec.yaml | head`) closes the pipe, and the next write
// fails with EPIPE. Nobody reads stdout any more, so later writes are dropped and the command goes
// on: a sweep must not die half-way because its progress had no reader.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error
  process.stdout.write = () => true
})

const program = Stdio.Stdio.use(({ args }) => Effect.flatMap(args, runScalelab)).pipe(Effect.provide(NodeServices.layer))

// Failures are printed once, by reportFailures; the runtime only sets the exit code.
NodeRuntime.runMain(program, { disableErrorReporting: true })
