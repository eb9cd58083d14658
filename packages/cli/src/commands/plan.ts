import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { effectiveSpec } from "@scalelab/spec"
import type { Plan } from "@scalelab/planner"
import { stringify } from "yaml"
import { sci, table } from "../format.ts"
import { loadSpec } from "../specInput.ts"
import { planExperiment } from "../planExperiment.ts"
import { storeDirFor } from "../storeLocation.ts"
import { storeFlag } from "./run.ts"
import { specArgument } from "./validate.ts"

export const jsonFlag = Flag.Boolean("json").pipe(Flag.withDescription("machine-readable output"), Flag.withDefault(false))

const planTable = (plan: Plan): string =>
  table(
    ["id", "budget", "params", "tokens", "flops", "layers", "d_model", "heads/kv", "lr", "batch", "steps", "epochs"],
    plan.runs.map(({ run, epochs }) => [
      run.id,
      sci(run.budget),
      sci(run.params),
      sci(run.tokens),
      sci(run.flops),
      String(run.shape.layers),
      String(run.shape.d_model),
      `${run.shape.heads}/${run.shape.kv_heads}`,
      sci(run.training.lr),
      String(run.training.batch_tokens),
      String(Math.ceil(run.tokens / run.training.batch_tokens)),
      epochs === undefined ? "" : epochs.toFixed(2)
    ])
  )

export const planCommand = Command.make("plan", { spec: specArgument, json: jsonFlag, store: storeFlag }, ({ spec, json, store }) =>
  Effect.gen(function* () {
    const experiment = yield* loadSpec(spec)
    // The store's tokenizer cache: a BPE trained to plan is the one its runs then load.
    const plan = yield* planExperiment(experiment, storeDirFor(spec, Option.getOrUndefined(store)))
    if (json) {
      yield* Console.log(JSON.stringify({ spec: effectiveSpec(experiment), runs: plan.runs }, null, 2))
      return
    }
    yield* Console.log(`# effective spec (defaults filled in)\n${stringify(effectiveSpec(experiment)).trimEnd()}\n`)
    yield* Console.log(planTable(plan))
    const totalFlops = plan.runs.reduce((sum, { run }) => sum + run.flops, 0)
    yield* Console.log(`\n${plan.runs.length} runs, ${sci(totalFlops)} training FLOPs in all`)
    const repeating = plan.runs.filter((p) => (p.epochs ?? 0) > 1)
    if (repeating.length > 0) {
      const most = Math.max(...repeating.map((p) => p.epochs ?? 0))
      yield* Console.log(
        `${repeating.length} runs see the corpus more than once (up to ${most.toFixed(2)} epochs); ` +
          "their effective tokens D' (Muennighoff et al. 2023) are in `plan --json` as effective_tokens"
      )
    }
  })
).pipe(Command.withDescription("List the runs a spec plans: id, N, D, FLOPs, shape, learning rate, batch"))
