// fit.json: what a report's fits gave, as the report writes it and the run store keeps it. The one
// definition of its shape; the report encodes through it and the store and dashboard decode
// through it. The fields are in the order they are written: encoding writes them in this order, so
// the file stays the same bytes for the same fits.
import { Schema } from "effect"
import { isoflopMinimumEstimators } from "@scalelab/spec"

const Parabola = Schema.Struct({ c0: Schema.Finite, c1: Schema.Finite, c2: Schema.Finite })

/** One budget's IsoFLOP curves; the optimum is null where a curve has no minimum. */
export const IsoflopBudgetRecord = Schema.Struct({
  budget: Schema.Finite,
  n_points: Schema.Int,
  params_opt: Schema.NullOr(Schema.Finite),
  tokens_opt: Schema.NullOr(Schema.Finite),
  loss_opt: Schema.NullOr(Schema.Finite),
  bracketed: Schema.Boolean,
  convex: Schema.Boolean,
  params_range: Schema.Tuple([Schema.Finite, Schema.Finite]),
  parabola_params: Parabola,
  parabola_tokens: Parabola,
  /** The curve the minimum was read from, sampled, when it is not the parabola (an Akima spline). */
  curve: Schema.optionalKey(Schema.Array(Schema.Struct({ params: Schema.Finite, loss: Schema.Finite })))
})
export type IsoflopBudgetRecord = typeof IsoflopBudgetRecord.Type

/** How each budget's minimum was read off its runs; records written before it was recorded lack it. */
const IsoflopMinimum = Schema.optionalKey(Schema.Literals(isoflopMinimumEstimators))

/** The IsoFLOP power laws N*(C) = k·C^a, D*(C) = k·C^b, L*(C) = k·C^c over the budgets that bracketed their minimum. */
const IsoflopPowerLaws = Schema.Struct({
  minimum: IsoflopMinimum,
  budgets: Schema.Array(IsoflopBudgetRecord),
  params_opt: Schema.Struct({ k: Schema.Finite, a: Schema.Finite }),
  tokens_opt: Schema.Struct({ k: Schema.Finite, b: Schema.Finite }),
  loss_opt: Schema.Struct({ k: Schema.Finite, c: Schema.Finite }),
  r2s: Schema.Struct({ params: Schema.Finite, tokens: Schema.Finite, loss: Schema.Finite }),
  used_budgets: Schema.Array(Schema.Finite),
  excluded_budgets: Schema.Array(Schema.Struct({ budget: Schema.Finite, reason: Schema.String }))
})

/** The per-budget curves, and why no power law could be fitted across them. */
const IsoflopCurvesOnly = Schema.Struct({ minimum: IsoflopMinimum, budgets: Schema.Array(IsoflopBudgetRecord), error: Schema.String })

/** Why not even the per-budget curves could be fitted. */
const IsoflopNotFitted = Schema.Struct({ error: Schema.String })

// Tried in this order: curves with an error are not power laws, and an error alone is neither.
export const IsoflopRecord = Schema.Union([IsoflopPowerLaws, IsoflopCurvesOnly, IsoflopNotFitted])
export type IsoflopRecord = typeof IsoflopRecord.Type

/**
 * Compute-optimal params, tokens and loss at a budget, read off the IsoFLOP power laws. The loss
 * here, L*(C) = k·C^c, is a diagnostic only (no irreducible term, it reads low far out): every loss
 * forecast shown is the parametric law's, computed from `parametric`.
 */
export const ForecastRecord = Schema.Struct({
  compute: Schema.Finite,
  params: Schema.Finite,
  tokens: Schema.Finite,
  loss: Schema.Finite
})
export type ForecastRecord = typeof ForecastRecord.Type

/** Chinchilla's approach 3: L(N, D) = E + A/N^alpha + B/D^beta, fitted by Huber loss on ln L. */
export const ParametricRecord = Schema.Struct({
  E: Schema.Finite,
  A: Schema.Finite,
  B: Schema.Finite,
  alpha: Schema.Finite,
  beta: Schema.Finite,
  objective: Schema.Finite,
  n_points: Schema.Int,
  starts: Schema.Int,
  converged_starts: Schema.Int,
  /** ln L̂ − ln L per run, in input order. */
  residuals: Schema.Array(Schema.Finite),
  diagnostics: Schema.Struct({ r2_log: Schema.Finite, rms_log_residual: Schema.Finite }),
  /**
   * The law form whose loss forecasts are read (e.g. `kaplan`) and its constants, when it is not
   * the five-constant form above; fits recorded before law forms existed have neither.
   */
  form: Schema.optionalKey(Schema.String),
  parameters: Schema.optionalKey(Schema.Record(Schema.String, Schema.Finite))
})
export type ParametricRecord = typeof ParametricRecord.Type

export const FitRecord = Schema.Struct({
  isoflop: IsoflopRecord,
  /** Present with the power laws, at the forecast budgets. */
  forecast: Schema.optionalKey(Schema.Array(ForecastRecord)),
  /** Present where the parametric law was fitted. */
  parametric: Schema.optionalKey(ParametricRecord),
  /** Which tokens the fits took as D, when not those trained on. */
  tokens: Schema.optionalKey(Schema.String)
}).annotate({ description: "fit.json: the fits of a report" })
export type FitRecord = typeof FitRecord.Type

/** The record as JSON: the Finite checks refuse the NaN or infinity that JSON cannot hold. */
export const encodeFitRecord = Schema.encodeResult(FitRecord)

/** A stored or written fit.json, checked field by field; every problem is reported with its path. */
export const decodeFitRecord = Schema.decodeUnknownResult(FitRecord, { errors: "all" })
