import { existsSync } from "node:fs"
import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { databasePath, RunStore } from "@scalelab/runner"
import { sci, table } from "../format.ts"
import { loadSpec } from "../specInput.ts"
import { storeDirFor } from "../storeLocation.ts"
import { UserInputError } from "../failure.ts"
import { jsonFlag } from "./plan.ts"
import { storeFlag } from "./run.ts"

const resultColumns = ["run_id", "experiment", "budget", "params", "tokens", "flops", "loss", "train_loss", "seed", "backend", "wall_s", "tokens_per_s"] as const

const csvCell = (value: unknown): string => {
  const text = value === null || value === undefined ? "" : String(value)
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

interface Listing {
  readonly experiment: string | undefined
  readonly json: boolean
  readonly csv: boolean
}

const listRuns = ({ experiment, json, csv }: Listing) =>
  Effect.gen(function* () {
    const runStore = yield* RunStore
    const results = yield* runStore.results(experiment)
    if (csv) {
      const lines = [resultColumns.join(","), ...results.map((row) => resultColumns.map((c) => csvCell(row[c])).join(","))]
      return yield* Console.log(lines.join("\n"))
    }
    const runs = yield* runStore.listRuns(experiment)
    const resultById = new Map(results.map((r) => [r.run_id, r]))
    if (json) {
      return yield* Console.log(JSON.stringify(runs.map((run) => ({ ...run, result: resultById.get(run.id) ?? null })), null, 2))
    }
    yield* Console.log(table(
      ["id", "experiment", "status", "budget", "params", "tokens", "loss", "attempts", "backend"],
      runs.map((run) => [
        run.id,
        run.experiment,
        run.status,
        sci(run.budget),
        sci(run.params),
        sci(run.tokens),
        resultById.get(run.id)?.loss.toFixed(4) ?? "",
        String(run.attempts),
        run.backend ?? ""
      ])
    ))
  })

export const runsCommand = Command.make(
  "runs",
  {
    spec: Argument.String("spec").pipe(Argument.withDescription("experiment spec (YAML): list its runs"), Argument.optional),
    store: storeFlag,
    json: jsonFlag,
    csv: Flag.Boolean("csv").pipe(Flag.withDescription("the results table as CSV (params, tokens, flops, loss, budget, seed, ...)"), Flag.withDefault(false))
  },
  ({ spec, store, json, csv }) =>
    Effect.gen(function* () {
      const storeDir = Option.isSome(spec) ? storeDirFor(spec.value, Option.getOrUndefined(store)) : Option.getOrUndefined(store)
      if (storeDir === undefined) {
        return yield* new UserInputError({ message: "say which runs: `scalelab runs SPEC` or `scalelab runs --store DIR`" })
      }
      const experiment = Option.isSome(spec) ? (yield* loadSpec(spec.value)).name : undefined
      // Opening a store creates it; listing must not leave an empty store behind a typo.
      if (!existsSync(databasePath(storeDir))) {
        return yield* new UserInputError({
          message: `no run store at ${storeDir} (no ${databasePath(storeDir)}): run \`scalelab run SPEC\` first, or pass --store DIR`
        })
      }
      yield* listRuns({ experiment, json, csv }).pipe(Effect.provide(RunStore.layer(storeDir)))
    })
).pipe(Command.withDescription("List runs and their state; --csv/--json export the results table that fits read"))
