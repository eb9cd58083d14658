// Each experiment fitted as `fit` and `forecast` fit it: the IsoFLOP power laws for N*(C) and
// D*(C), and the loss law for L*(C), fitted alone or jointly with one shared irreducible loss.
import { Effect } from "effect"
import { bootstrapHealth, bootstrapSharedFloor, fitSharedFloor, type LawFormFit, lawFormHasFloor } from "@scalelab/laws"
import { attempt, attemptStepwise, UserInputError } from "@scalelab/sweep"
import type { LossForecastModel } from "../lossForecastModel.ts"
import { fitLossSource } from "../lossForecastSource.ts"
import { fitIsoflopResults, type IsoflopResult } from "../resultsFit.ts"
import type { FloorChoice } from "./compareTypes.ts"
import type { LoadedInput } from "./experimentInputs.ts"

/** An input's IsoFLOP fit, with a note when its bootstrap gave no intervals. */
export interface FittedAllocation {
  readonly isoflop: IsoflopResult
  readonly isoflopNote: string | undefined
}

/**
 * The IsoFLOP fit with its bootstrap intervals at `computes`. A bootstrap that fails leaves the fit
 * standing without intervals, and a note; a fit that fails (too few budgets) is the user's to fix.
 */
export const fitAllocation = (loaded: LoadedInput, resamples: number, seed: number, computes: ReadonlyArray<number>) => {
  const request = { resamples, seed, minimum: loaded.results.isoflopMinimum }
  const fit = (asked: typeof request) => attemptStepwise(() => fitIsoflopResults(loaded.results.points, asked, computes))
  const withoutIntervals = (reason: string) =>
    Effect.map(fit({ ...request, resamples: 0 }), (isoflop): FittedAllocation => ({ isoflop, isoflopNote: `no N*, D* intervals: the IsoFLOP bootstrap failed: ${reason}` }))
  return fit(request).pipe(
    Effect.map((isoflop): FittedAllocation => ({ isoflop, isoflopNote: undefined })),
    Effect.catch((failure) => resamples === 0 ? Effect.fail(failure) : withoutIntervals(failure.message)),
    Effect.mapError((failure) => new UserInputError({ message: `${loaded.input}: no IsoFLOP fit to compare by: ${failure.message}` }))
  )
}

/** An input's loss law, with its bootstrap, and a note when the bootstrap gave no intervals. */
export interface FittedLoss {
  /** The law form's fit L*(C) is read from. */
  readonly lossFit: LawFormFit
  readonly model: LossForecastModel
  readonly lossNote: string | undefined
}

/** The note of a loss law left without intervals because `bootstrap` failed. */
const noLossIntervals = (bootstrap: string, reason: string) => `no L*(C) or multiplier intervals: ${bootstrap} failed: ${reason}`

/** The loss law L*(C) is read from, fitted as `forecast` fits it; an input with no loss law is the user's to fix. */
const fitLoss = (loaded: LoadedInput, resamples: number, seed: number) =>
  Effect.gen(function*() {
    const source = yield* fitLossSource(loaded.results.points, { resamples, seed, lawForm: loaded.results.lawForm })
    if (source._tag === "NoLaw") return yield* new UserInputError({ message: `${loaded.input}: no loss law to compare by: ${source.reason}` })
    return {
      lossFit: source.result.law,
      model: source.model,
      lossNote: source.noIntervals === undefined ? undefined : noLossIntervals("the loss law's bootstrap", source.noIntervals)
    } satisfies FittedLoss
  })

// Values of E the joint fit starts from besides every experiment's own floor, as fractions of the
// lowest loss any run reached: a shared optimum far from each separate floor is found too.
const startFloorFractions = [0.5, 0.8, 0.95]

/**
 * Every experiment's loss law refitted jointly with one irreducible loss, from their own fits, and
 * each joint resample refitted jointly (experiment i resampled from seeds[i], as its own bootstrap
 * would be): each experiment keeps its form's calibration, and gets the joint law and refits. A
 * joint bootstrap that fails leaves the laws standing without intervals, and a note.
 */
const shareFloor = (loaded: ReadonlyArray<LoadedInput>, own: ReadonlyArray<FittedLoss>, resamples: number, seeds: ReadonlyArray<number>) =>
  Effect.gen(function*() {
    const experiments = loaded.map((entry, index) => ({ form: (own[index] as FittedLoss).lossFit.form, points: entry.results.points }))
    const lowestLoss = Math.min(...loaded.flatMap((entry) => entry.results.points.map((point) => point.loss)))
    const joint = yield* attempt(() =>
      fitSharedFloor(experiments, { starts: own.map((fitted) => fitted.lossFit.parameters), floors: startFloorFractions.map((fraction) => fraction * lowestLoss) })
    ).pipe(Effect.mapError((failure) => new UserInputError({ message: `the shared-floor fit failed: ${failure.message}; compare with --floor separate` })))
    const bootstrap = resamples === 0
      ? { laws: undefined, health: undefined, note: undefined }
      : yield* attemptStepwise(() => bootstrapSharedFloor(experiments, joint, { resamples, seeds })).pipe(
        Effect.map((resampled) => ({ laws: resampled.laws, health: bootstrapHealth(resampled.resamples_used, resampled.failed_resamples), note: undefined })),
        Effect.catch((failure) =>
          Effect.succeed({ laws: undefined, health: undefined, note: noLossIntervals("the shared-floor bootstrap", failure.message) }))
      )
    const losses = own.map((fitted, index): FittedLoss => {
      const fit = joint.fits[index] as LawFormFit
      return {
        lossFit: fit,
        model: { ...fitted.model, law: fit.law, replicates: bootstrap.laws?.[index], health: bootstrap.health },
        lossNote: bootstrap.note
      }
    })
    return { floor: joint.floor, losses }
  })

/**
 * Every input's loss law: each fitted alone (with its own bootstrap) when the floors are separate;
 * else each fitted alone without a bootstrap, then all refitted jointly with one floor. A law form
 * with no floor to share (no-e, kaplan) leaves every law fitted alone, and the choice says why.
 */
export const fitLosses = (loaded: ReadonlyArray<LoadedInput>, choice: Omit<FloorChoice, "value">, resamples: number, seeds: ReadonlyArray<number>) =>
  Effect.gen(function*() {
    const alone = (asked: number) => Effect.forEach(loaded, (entry, index) => fitLoss(entry, asked, seeds[index] as number))
    if (choice.mode === "separate") return { floor: { ...choice, value: undefined } satisfies FloorChoice, losses: yield* alone(resamples) }
    const own = yield* alone(0)
    const floorless = loaded.filter((_, index) => !lawFormHasFloor((own[index] as FittedLoss).lossFit.form))
    if (floorless.length > 0) {
      const forms = floorless.map((entry) => `${entry.name}'s ${(own[loaded.indexOf(entry)] as FittedLoss).lossFit.form}`).join(", ")
      return {
        floor: { ...choice, mode: "separate", value: undefined, reason: `${choice.reason}; but ${forms} law form has no irreducible loss to share, so each law is fitted with its own floor` } satisfies FloorChoice,
        losses: resamples === 0 ? own : yield* alone(resamples)
      }
    }
    const shared = yield* shareFloor(loaded, own, resamples, seeds)
    return { floor: { ...choice, value: shared.floor } satisfies FloorChoice, losses: shared.losses }
  })

/** An input with both its fits. */
export type FittedInput = LoadedInput & FittedAllocation & FittedLoss
