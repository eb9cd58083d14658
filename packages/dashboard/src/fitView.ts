import { Result } from "effect"
import { computeOptimalLossForecast, storedLossModel } from "@scalelab/analysis"
import { isoflopPlotSpec, type TopLevelSpec } from "@scalelab/plots"
import type { FitRecord, ParametricRecord, ResultRow, StoredFit } from "@scalelab/runner"

/** The IsoFLOP record as the power laws, the per-budget curves with the reason there are no power laws, or the reason alone. */
type IsoflopRecord = FitRecord["isoflop"]
type PowerLaws = Extract<IsoflopRecord, { readonly params_opt: unknown }>

/** A forecast row: N* and D* from the IsoFLOP power laws, the loss from the parametric law (null where there is none). */
export interface ForecastView {
  readonly compute: number
  readonly params: number
  readonly tokens: number
  readonly loss: number | null
}

/** What the fit panel shows: the IsoFLOP plot, the power laws and the forecasts. */
export interface FitView {
  readonly created_at: string
  readonly spec: TopLevelSpec
  /** N*(C) = k·C^a and D*(C) = k·C^b; null when too few budgets bracketed their minimum. */
  readonly laws: Pick<PowerLaws, "params_opt" | "tokens_opt"> | null
  /** Why there are no power laws, when there are none. */
  readonly problem: string | null
  readonly forecasts: ReadonlyArray<ForecastView>
  /** Why some or all forecasts have no loss, and what to do; null when every one has. */
  readonly loss_problem: string | null
}

const noParametricLaw =
  "no loss forecast: the stored fit has no parametric law (`parametric` is not in the spec's fit.methods, or there were too few runs " +
  "or it could not be fitted); add it to fit.methods and run `scalelab report SPEC` to record one"

/**
 * The loss at each forecast budget, read through the one loss forecaster (the parametric law's
 * compute-optimal loss) from the stored law, as the summary, report and `forecast` read it.
 */
const forecastRows = (forecasts: FitRecord["forecast"], parametric: ParametricRecord | undefined) => {
  const rows = forecasts ?? []
  if (parametric === undefined) return { forecasts: rows.map((row) => ({ ...row, loss: null })), loss_problem: rows.length === 0 ? null : noParametricLaw }
  const model = storedLossModel(parametric)
  const problems: Array<string> = []
  const withLoss = rows.map(({ compute, params, tokens }): ForecastView => {
    const forecast = computeOptimalLossForecast(model, compute)
    if (Result.isSuccess(forecast)) return { compute, params, tokens, loss: forecast.success.loss }
    problems.push(forecast.failure.message)
    return { compute, params, tokens, loss: null }
  })
  return { forecasts: withLoss, loss_problem: problems.length === 0 ? null : problems.join("; ") }
}

const budgetsOf = (isoflop: IsoflopRecord) => ("budgets" in isoflop ? isoflop.budgets : [])

/** The latest stored fit drawn over the experiment's completed runs. */
export const fitView = (experiment: string, stored: StoredFit, results: ReadonlyArray<ResultRow>): FitView => {
  const { isoflop, forecast, parametric } = stored.json
  return {
    created_at: stored.created_at,
    spec: isoflopPlotSpec({
      title: `IsoFLOP curves — ${experiment}`,
      points: results.map((row) => ({ id: row.run_id, params: row.params, tokens: row.tokens, budget: row.budget, loss: row.loss })),
      budgets: budgetsOf(isoflop).flatMap((budget) =>
        budget.params_opt === null || budget.loss_opt === null
          ? []
          : [{ ...budget, params_opt: budget.params_opt, loss_opt: budget.loss_opt }]
      )
    }),
    laws: "params_opt" in isoflop ? { params_opt: isoflop.params_opt, tokens_opt: isoflop.tokens_opt } : null,
    problem: "error" in isoflop ? isoflop.error : null,
    ...forecastRows(forecast, parametric)
  }
}
