import { Data, Runtime } from "effect"
import { EXIT_BAD_INPUT } from "@scalelab/sweep"

/**
 * The backtest cannot be made as asked: the cutoff leaves too few budgets on one side, the runs
 * below it have not all finished, or they do not support a fit. Bad input (exit 2): the message
 * says which flag to change or which command to run first.
 */
export class BacktestNotPossible extends Data.TaggedError("BacktestNotPossible")<{ readonly message: string }> {
  override readonly [Runtime.errorExitCode] = EXIT_BAD_INPUT
}
