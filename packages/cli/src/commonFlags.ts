import { Flag } from "effect/cli"

export const storeFlag = Flag.String("store").pipe(
  Flag.withDescription("store folder (default: .scalelab/ beside the spec)"),
  Flag.optional
)

export const jsonFlag = Flag.Boolean("json").pipe(Flag.withDescription("machine-readable output"), Flag.withDefault(false))
