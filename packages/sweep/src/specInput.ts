import { Effect, FileSystem } from "effect"
import { type PlanError, type PlanNote, previewHyperparametersSteps, previewPlanSteps, type SpecField } from "@scalelab/planner"
import {
  type ExperimentSpec,
  firstWrittenPosition,
  formatSpecIssue,
  loadExperiment,
  loadExperimentSpec,
  type SpecError,
  type TrainedSpec,
  trainedSpec
} from "@scalelab/spec"
import { UserInputError } from "./inputError.ts"
import { attemptStepwise } from "./pureInput.ts"

/** Every problem in a spec becomes one `FILE:LINE:COL: message` line of a single input error. */
const asInputError = (error: SpecError) => new UserInputError({ message: error.issues.map(formatSpecIssue).join("\n") })

/** `FILE:LINE:COL: message` at the first of `fields` written in the spec (read again: only plans with something to say get here). */
const locatedLines = (file: string, items: ReadonlyArray<{ readonly fields?: ReadonlyArray<SpecField>; readonly message: string }>) =>
  Effect.gen(function*() {
    if (items.length === 0) return []
    const text = yield* (yield* FileSystem.FileSystem).readFileString(file).pipe(Effect.orElseSucceed(() => ""))
    return items.map(({ fields = [], message }) => formatSpecIssue({ file, ...firstWrittenPosition(text, fields), message }))
  })

/** A plan's notes (sizes planned other than asked) as `FILE:LINE:COL: note: message` lines. */
export const formatPlanNotes = (file: string, notes: ReadonlyArray<PlanNote>) =>
  locatedLines(file, notes.map((note) => ({ ...note, message: `note: ${note.message}` })))

/**
 * What the spec alone says of its plan: each budget that cannot pay for its runs is a located
 * input error (all of them at once), as a schema problem is; otherwise the notes on sizes planned
 * other than asked.
 */
const checkPlan = (file: string, spec: TrainedSpec) =>
  Effect.gen(function*() {
    const { sweep } = spec
    const preview = yield* attemptStepwise(() =>
      sweep.kind === "hyperparameters" ? previewHyperparametersSteps({ ...spec, sweep }) : previewPlanSteps({ ...spec, sweep })
    )
    const problems: ReadonlyArray<PlanError> = preview.problems
    if (problems.length > 0) return yield* new UserInputError({ message: (yield* locatedLines(file, problems)).join("\n") })
    return yield* formatPlanNotes(file, preview.notes)
  })

/**
 * Loads the spec of an experiment whose runs are tracked, without planning it: for commands that
 * only read its store (`runs`, `ui`) and need no more than its name. A spec of results trained
 * elsewhere (a table) is an input error.
 */
export const loadTrackedSpec = (file: string) => loadExperiment(file).pipe(Effect.mapError(asInputError))

/** Loads the spec of an experiment to train; a spec of results trained elsewhere (a table), or one whose runs cannot be planned, is an input error. */
export const loadSpec = (file: string) => loadTrackedSpec(file).pipe(Effect.tap((experiment) => checkPlan(file, experiment)))

/** A spec of any sweep kind, checked as loadSpec checks it, with its plan's notes as located lines (none for a table). */
export const loadCheckedSpec = (file: string) =>
  Effect.gen(function*() {
    const spec: ExperimentSpec = yield* loadExperimentSpec(file).pipe(Effect.mapError(asInputError))
    const trained = trainedSpec(spec)
    const notes = trained === undefined ? [] : yield* checkPlan(file, trained)
    return { spec, notes }
  })

/** Loads a spec of any sweep kind: runs to train, or a table of runs trained elsewhere. */
export const loadSpecOfAnyKind = (file: string) => Effect.map(loadCheckedSpec(file), ({ spec }) => spec)
