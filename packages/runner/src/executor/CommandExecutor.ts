import type { Layer } from "effect"
import { resolve } from "node:path"
import type { Executor } from "./Executor.ts"
import { LocalExecutor, type WorkerCommand } from "./LocalExecutor.ts"

/** Quotes text for a POSIX shell: single quotes, with each embedded one closed, escaped, reopened. */
export const shellQuote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`

export const runDirPlaceholder = "{run_dir}"

/**
 * An external trainer's command line for one run: the template with `{run_dir}` replaced by the
 * quoted run folder, run by `sh -c` so that templates may use pipes, `cd` or environment variables.
 * The folder is made absolute, since the command runs in the spec's folder, not this process's.
 */
export const commandWorker = (template: string) => (runDir: string): WorkerCommand => ({
  command: "/bin/sh",
  args: ["-c", template.replaceAll(runDirPlaceholder, shellQuote(resolve(runDir)))]
})

/**
 * Runs an external trainer (PyTorch, JAX, anything that follows the worker contract) per run, in
 * `cwd` (the spec's folder, so that a template can name a script beside the spec).
 */
export const CommandExecutor = {
  layer: (config: { readonly template: string; readonly hangTimeoutSeconds: number; readonly cwd?: string }): Layer.Layer<Executor> =>
    LocalExecutor.layer({
      name: "command",
      workerCommand: commandWorker(config.template),
      hangTimeoutSeconds: config.hangTimeoutSeconds,
      ...(config.cwd === undefined ? {} : { cwd: config.cwd })
    })
}
