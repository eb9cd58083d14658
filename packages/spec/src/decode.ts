// Spec text to Experiment, without I/O: YAML parsing, schema decoding, and every problem found
// along the way located at its line and column in the text.
import { Result, Schema } from "effect"
import { isScalar, type LineCounter, type Node } from "yaml"
import { type Experiment, type ExperimentSpec, ExperimentSchema } from "./experiment.ts"
import { messageNumber } from "@scalelab/laws"
import { collectProblems, type SchemaProblem } from "./schemaProblems.ts"
import { SpecError, type SpecIssue } from "./specIssue.ts"
import { closestMatch } from "./suggest.ts"
import { describeSource, locate, positionOf, valuePosition, type LinePosition, yamlPosition } from "./yamlLocation.ts"
import { parseYaml } from "./yamlValue.ts"

const decodeExperiment = Schema.decodeUnknownResult(ExperimentSchema, {
  errors: "all",
  onExcessProperty: "error",
  reportInput: true // issues carry evaluated values, shown beside the expression that produced them
})

/** When no budget is named for forecasting: one and two decades past the largest budget trained (or tabled). */
export const defaultForecastBudgets = (largestBudget: number): Array<number> => [10 * largestBudget, 100 * largestBudget]

// A table's budgets are known only once it is read: the report fills its forecast budgets in then, with these.
const withForecastBudgets = (experiment: ExperimentSpec): ExperimentSpec => {
  const { sweep } = experiment
  return experiment.forecast.compute.length > 0 || sweep.kind === "table"
    ? experiment
    : { ...experiment, forecast: { compute: defaultForecastBudgets(Math.max(...sweep.budgets)) } }
}

const suggestion = (word: string, candidates: ReadonlyArray<string>): string | undefined => {
  const match = closestMatch(word, candidates)
  return match === undefined ? undefined : `did you mean \`${match}\`?`
}

/** `got` shows the value as written in the file, and what it evaluated to when it was an expression. */
const valueMessage = (problem: Extract<SchemaProblem, { _tag: "InvalidValue" }>, node: Node, text: string): string => {
  if (problem.message !== undefined) return problem.message
  const evaluated = typeof problem.input === "number" && !(isScalar(node) && node.value === problem.input)
    ? ` = ${messageNumber(problem.input)}`
    : ""
  const hint = problem.choices !== undefined && isScalar(node) && typeof node.value === "string"
    ? suggestion(node.value, problem.choices)
    : undefined
  return `expected ${problem.expected}, got ${describeSource(node, text)}${evaluated}${hint === undefined ? "" : `; ${hint}`}`
}

const locateProblem = (
  problem: SchemaProblem,
  root: Node,
  text: string,
  lineCounter: LineCounter
): LinePosition & { readonly message: string } => {
  const key = String(problem.path[problem.path.length - 1] ?? "")
  switch (problem._tag) {
    case "UnexpectedKey": {
      const location = locate(root, problem.path)
      const hint = suggestion(key, problem.knownKeys) ?? `known keys here: ${problem.knownKeys.join(", ")}`
      return { ...positionOf(location.key ?? location.node, lineCounter), message: `unknown key \`${key}\`; ${hint}` }
    }
    case "MissingKey": {
      // Point at the map that lacks the key: at its own key when it has one, else at its start.
      const parent = locate(root, problem.path.slice(0, -1))
      return { ...positionOf(parent.key ?? parent.node, lineCounter), message: `missing required key \`${key}\`` }
    }
    case "InvalidValue": {
      const location = locate(root, problem.path)
      return { ...valuePosition(location, lineCounter), message: valueMessage(problem, location.node, text) }
    }
  }
}

const byPosition = (a: SpecIssue, b: SpecIssue): number => a.line - b.line || a.column - b.column

const distinct = (issues: ReadonlyArray<SpecIssue>): ReadonlyArray<SpecIssue> => {
  const seen = new Set<string>()
  return issues.filter((issue) => {
    const key = `${issue.line}:${issue.column}:${issue.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/**
 * Decodes the text of a spec file of any sweep kind. `file` is used only to name the file in issues.
 * Fails with every problem found, located at its line and column.
 */
export const decodeSpecText = (text: string, file: string): Result.Result<ExperimentSpec, SpecError> => {
  const fail = (issues: ReadonlyArray<LinePosition & { readonly message: string }>) =>
    Result.fail(new SpecError({ issues: distinct(issues.map((issue) => ({ file, ...issue }))).toSorted(byPosition) }))
  const parsed = parseYaml(text)
  if (Result.isFailure(parsed)) return fail(parsed.failure)
  const { root, value, lineCounter } = parsed.success
  if (root === null) {
    return fail([{ line: 1, column: 1, message: "the file holds no settings; an experiment needs at least `name: <name>`" }])
  }
  return Result.match(decodeExperiment(value), {
    onSuccess: (experiment) => Result.succeed(withForecastBudgets(experiment)),
    onFailure: (error) => fail(collectProblems(error.issue).map((problem) => locateProblem(problem, root, text, lineCounter)))
  })
}

/**
 * The issue of a spec that is not an IsoFLOP sweep given to something that trains or tracks
 * IsoFLOP runs: a table has no runs; a hyperparameter grid, a data mixture and annealing probes are
 * planned, run and reported on their own.
 */
export const notTrainedIssue = (file: string, text: string, kind: "table" | "hyperparameters" | "mixture" | "annealing"): SpecIssue => ({
  file,
  ...yamlPosition(text, ["sweep", "kind"]),
  message: kind === "table"
    ? "sweep.kind: `table` names results trained elsewhere, so this spec has no runs to train or track; " +
      "`scalelab validate`, `plan`, `run`, `fit` and `report` read its table"
    : kind === "hyperparameters"
    ? "sweep.kind: `hyperparameters` is a learning rate × batch size grid, which this command does not take; " +
      "`scalelab validate`, `plan`, `run` and `report` do"
    : kind === "mixture"
    ? "sweep.kind: `mixture` is a data-mixture sweep, which this command does not read; `scalelab validate`, " +
      "`plan` and `run` take it"
    : "sweep.kind: `annealing` is a set of annealing probes, which this command does not read; `scalelab validate`, " +
      "`plan`, `run`, `fit`, `report`, `runs` and `ui` take it"
})

/** Decodes the text of a spec whose runs scalelab trains (an IsoFLOP sweep), as `decodeSpecText` does. */
export const decodeExperimentText = (text: string, file: string): Result.Result<Experiment, SpecError> =>
  Result.flatMap(decodeSpecText(text, file), (spec) => {
    const { sweep } = spec
    return sweep.kind === "isoflop"
      ? Result.succeed({ ...spec, sweep })
      : Result.fail(new SpecError({ issues: [notTrainedIssue(file, text, sweep.kind)] }))
  })
