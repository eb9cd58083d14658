import { Flag } from "effect/cli"
import { EXECUTORS } from "@scalelab/spec"
import { bounded, flagRanges, withShownDefault } from "./flagRanges.ts"

export const storeFlag = Flag.String("store").pipe(
  Flag.withDescription("store folder (default: .scalelab/ beside the spec)"),
  Flag.optional
)

export const jsonFlag = Flag.Boolean("json").pipe(withShownDefault(false, "machine-readable output", "off"))

export const concurrencyFlag = bounded(
  Flag.Int("concurrency"),
  flagRanges.concurrency,
  "runs training at once (default: the spec's execution.concurrency; auto = CPU cores, or every run on Slurm)"
).pipe(Flag.optional)

/** Where runs execute, overriding the spec; `what` names the runs ("runs", "the forecast-optimum runs"). */
export const executorFlag = (what: string) =>
  Flag.Literals("executor", EXECUTORS).pipe(
    Flag.withDescription(`where ${what} execute (default: the spec's execution.executor): local worker processes, ` +
      "an external trainer `command`, or `slurm` jobs (which run the spec's command.run when it is set)"),
    Flag.optional
  )
