import { Effect } from "effect"
import { CliOutput, Command } from "effect/cli"
import { backtestCommand } from "./commands/backtest.ts"
import { compareCommand } from "./commands/compare.ts"
import { dataCommand } from "./commands/data.ts"
import { fitCommand } from "./commands/fit.ts"
import { forecastCommand } from "./commands/forecast.ts"
import { lawsCommand } from "./commands/laws.ts"
import { planCommand } from "./commands/plan.ts"
import { reportCommand } from "./commands/report.ts"
import { runCommand } from "./commands/run.ts"
import { runsCommand } from "./commands/runs.ts"
import { schemaCommand } from "./commands/schema.ts"
import { uiCommand } from "./commands/ui.ts"
import { validateCommand } from "./commands/validate.ts"
import { reportFailures } from "./failure.ts"
import { flagErrorFormatter } from "./flagRanges.ts"

const scalelab = Command.make("scalelab").pipe(
  Command.withDescription("Plan, run and fit scaling-law experiments written as YAML"),
  Command.withSubcommands([validateCommand, schemaCommand, planCommand, runCommand, runsCommand, fitCommand, forecastCommand, compareCommand, reportCommand, backtestCommand, lawsCommand, dataCommand, uiCommand])
)

/**
 * Runs scalelab on the arguments after `scalelab`: every failure is printed once and ends as an
 * Effect failure whose Runtime.errorExitCode is the process's exit code. Apart from the process
 * (src/main.ts) so that a test can run the real command tree in its own process.
 */
export const runScalelab = (args: ReadonlyArray<string>) =>
  Command.runWith(scalelab, { version: "0.1.0" })(args).pipe(reportFailures, Effect.provide(CliOutput.layer(flagErrorFormatter())))
