import { isoflopPlotSpec, type TopLevelSpec } from "@scalelab/plots"
import type { FitRecord, ForecastRecord, ResultRow, StoredFit } from "@scalelab/runner"

/** The IsoFLOP record as the power laws, the per-budget curves with the reason there are no power laws, or the reason alone. */
type IsoflopRecord = FitRecord["isoflop"]
type PowerLaws = Extract<IsoflopRecord, { readonly params_opt: unknown }>

/** What the fit panel shows: the IsoFLOP plot, the power laws and the forecasts. */
export interface FitView {
  readonly created_at: string
  readonly spec: TopLevelSpec
  /** N*(C) = k·C^a and D*(C) = k·C^b; null when too few budgets bracketed their minimum. */
  readonly laws: Pick<PowerLaws, "params_opt" | "tokens_opt"> | null
  /** Why there are no power laws, when there are none. */
  readonly problem: string | null
  readonly forecasts: ReadonlyArray<ForecastRecord>
}

const budgetsOf = (isoflop: IsoflopRecord) => ("budgets" in isoflop ? isoflop.budgets : [])

/** The latest stored fit drawn over the experiment's completed runs. */
export const fitView = (experiment: string, stored: StoredFit, results: ReadonlyArray<ResultRow>): FitView => {
  const { isoflop, forecast } = stored.json
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
    forecasts: forecast ?? []
  }
}
