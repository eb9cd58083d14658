/**
 * A plot could not be rendered. `problems` lists what Vega-Lite or Vega reported; the
 * message says which plot and what to change.
 */
export class PlotRenderError extends Error {
  readonly _tag = "PlotRenderError"
  readonly problems: ReadonlyArray<string>

  constructor(stage: string, problems: ReadonlyArray<string>, hint: string) {
    super(`${stage} failed:\n${problems.map((problem) => `  - ${problem}`).join("\n")}\n${hint}`)
    this.name = "PlotRenderError"
    this.problems = problems
  }
}
