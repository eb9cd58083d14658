import { Effect, type Layer, Option } from "effect"
import { CommandExecutor, commandWorker, type Executor, LocalExecutor, SlurmExecutor } from "@scalelab/runner"
import { type ExecutorName, type ExperimentSpec, externalTrainerCommand } from "@scalelab/spec"
import { builtinWorkerCommand, UserInputError } from "@scalelab/sweep"

/**
 * The experiment with `--executor` applied. The executor decides the trainer (built-in or an
 * external command), which is part of every run's id, so it is settled before planning.
 */
export const withExecutor = <E extends ExperimentSpec>(experiment: E, flag: Option.Option<ExecutorName>) =>
  Effect.gen(function*() {
    const executor = Option.getOrElse(flag, () => experiment.execution.executor)
    if (executor === "command" && experiment.execution.command.run.trim() === "") {
      return yield* new UserInputError({
        message: "--executor command needs the external trainer's command line in the spec: " +
          "`execution: { command: { run: \"python3 train.py {run_dir}\" } }`"
      })
    }
    return { ...experiment, execution: { ...experiment.execution, executor } } satisfies E as E
  })

/** The Executor service for the experiment's (effective) executor; `specDir` is where the spec is. */
export const executorLayer = (experiment: ExperimentSpec, storeDir: string, specDir: string): Layer.Layer<Executor> => {
  const { execution } = experiment
  switch (execution.executor) {
    case "local":
      return LocalExecutor.layer({
        name: "local",
        workerCommand: builtinWorkerCommand(storeDir),
        hangTimeoutSeconds: execution.hang_timeout
      })
    case "command":
      return CommandExecutor.layer({ template: execution.command.run, hangTimeoutSeconds: execution.hang_timeout, cwd: specDir })
    case "slurm": {
      // With `command.run` set, each job runs the external trainer, from the spec's folder as `command` does.
      const template = externalTrainerCommand(execution)
      return SlurmExecutor.layer({
        ...(template === undefined
          ? { workerCommand: builtinWorkerCommand(storeDir) }
          : { workerCommand: commandWorker(template), workingDir: specDir }),
        slurm: execution.slurm,
        hangTimeoutSeconds: execution.hang_timeout,
        jobNamePrefix: `scalelab-${experiment.name}-`
      })
    }
  }
}
