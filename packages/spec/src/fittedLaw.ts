// `training.lr: { from: <spec> }` (and `batch_tokens`): a law fitted by another spec's hyperparameter
// sweep. Loading the spec reads that fit and writes the law as its expression in C, so the planner,
// the effective spec and every run record show the very law each run's value came from.
import { existsSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { Effect, Result } from "effect"
import { decodeSpecText } from "./decode.ts"
import type { ExperimentSpec } from "./experiment.ts"
import { SpecError, type SpecIssue } from "./specIssue.ts"
import { yamlPosition } from "./yamlLocation.ts"

/** Where a spec's runs and reports live unless a command is given `--store`: beside the spec. */
export const defaultStoreDir = (specFile: string): string => join(dirname(specFile), ".scalelab")

/** The folder `scalelab run` and `report` write an experiment's report (fit.json included) to. */
export const reportFolder = (storeDir: string, experiment: string): string => join(storeDir, "reports", experiment)

/** What a hyperparameter sweep's fit.json says of one law: y*(C) = k·C^exponent, or null when it could not be fitted. */
export interface FittedHyperparameterLaw {
  readonly k: number
  readonly exponent: number
}

const FIELDS = ["lr", "batch_tokens"] as const
const WORDS = { lr: "learning rate", batch_tokens: "batch size" } as const

const lawIn = (json: unknown, field: typeof FIELDS[number]): FittedHyperparameterLaw | undefined => {
  if (typeof json !== "object" || json === null) return undefined
  const laws = (json as { readonly laws?: unknown }).laws
  if (typeof laws !== "object" || laws === null) return undefined
  const law = (laws as Record<string, unknown>)[field]
  if (typeof law !== "object" || law === null) return undefined
  const { k, exponent } = law as { readonly k?: unknown; readonly exponent?: unknown }
  return typeof k === "number" && typeof exponent === "number" && k > 0 && Number.isFinite(exponent) ? { k, exponent } : undefined
}

/** A fitted law as the expression in C the planner evaluates (six significant digits). */
export const lawExpression = (law: FittedHyperparameterLaw): string => `${law.k.toPrecision(6)} * C^(${law.exponent.toPrecision(6)})`

/**
 * The fitted law `from` names (a spec path relative to the spec `file`), or the problem, in words
 * a user can act on.
 */
const readFittedLaw = (file: string, from: string, field: typeof FIELDS[number]): Result.Result<FittedHyperparameterLaw, string> => {
  const source = resolve(dirname(file), from)
  if (!existsSync(source)) return Result.fail(`\`${from}\` not found (looked for ${source}); give the hyperparameter spec's path relative to this spec`)
  const decoded = decodeSpecText(readFileSync(source, "utf8"), source)
  if (Result.isFailure(decoded)) return Result.fail(`\`${from}\` is not a valid spec; \`scalelab validate ${from}\` lists its problems`)
  const spec = decoded.success
  if (spec.sweep.kind !== "hyperparameters") {
    return Result.fail(`\`${from}\` has sweep.kind \`${spec.sweep.kind}\`; a law comes from a spec with \`sweep.kind: hyperparameters\``)
  }
  const fitFile = join(reportFolder(defaultStoreDir(source), spec.name), "fit.json")
  if (!existsSync(fitFile)) {
    return Result.fail(`\`${from}\` has no fit yet (no ${relative(process.cwd(), fitFile) || fitFile}); run \`scalelab run ${from}\` first`)
  }
  let json: unknown
  try {
    json = JSON.parse(readFileSync(fitFile, "utf8"))
  } catch {
    return Result.fail(`${fitFile} is not valid JSON; run \`scalelab report ${from}\` to write it again`)
  }
  const law = lawIn(json, field)
  return law === undefined
    ? Result.fail(`the fit of \`${from}\` has no ${WORDS[field]} law (too few budgets bracketed their optimum: see its report); widen its grid and run it again`)
    : Result.succeed(law)
}

/**
 * The spec with each `{ from: <spec> }` of training.lr and training.batch_tokens replaced by the
 * law that spec's hyperparameter sweep fitted, as an expression in C; fails, located at the field,
 * when the law cannot be read.
 */
export const resolveFittedLaws = (spec: ExperimentSpec, file: string, text: string): Effect.Effect<ExperimentSpec, SpecError> =>
  Effect.suspend(() => {
    const issues: Array<SpecIssue> = []
    const training = { ...spec.training }
    for (const field of FIELDS) {
      const value = training[field]
      if (typeof value === "string") continue
      const law = readFittedLaw(file, value.from, field)
      if (Result.isFailure(law)) {
        issues.push({ file, ...yamlPosition(text, ["training", field, "from"]), message: `training.${field}: ${law.failure}` })
      } else {
        training[field] = lawExpression(law.success)
      }
    }
    return issues.length > 0 ? Effect.fail(new SpecError({ issues })) : Effect.succeed({ ...spec, training })
  })
