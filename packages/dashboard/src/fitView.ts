import { isoflopPlotSpec, type TopLevelSpec } from "@scalelab/plots"
import type { ResultRow, StoredFit } from "@scalelab/runner"
import { Option, Schema } from "effect"

// The shape `scalelab run` records (fitJsonOf in packages/cli/src/reportWriter.ts): the IsoFLOP
// fit with its forecasts, the per-budget curves with the reason no power law could be fitted, or
// only the reason no curve could be. Only the fields the dashboard shows are decoded.
const StoredBudget = Schema.Struct({
  budget: Schema.Finite,
  parabola_params: Schema.Struct({ c0: Schema.Finite, c1: Schema.Finite, c2: Schema.Finite }),
  params_range: Schema.Tuple([Schema.Finite, Schema.Finite]),
  params_opt: Schema.NullOr(Schema.Finite),
  loss_opt: Schema.NullOr(Schema.Finite),
  bracketed: Schema.Boolean
})

const StoredIsoflop = Schema.Struct({
  isoflop: Schema.Struct({
    budgets: Schema.optionalKey(Schema.Array(StoredBudget)),
    params_opt: Schema.optionalKey(Schema.Struct({ k: Schema.Finite, a: Schema.Finite })),
    tokens_opt: Schema.optionalKey(Schema.Struct({ k: Schema.Finite, b: Schema.Finite })),
    error: Schema.optionalKey(Schema.String)
  }),
  forecast: Schema.optionalKey(Schema.Array(Schema.Struct({
    compute: Schema.Finite,
    params: Schema.Finite,
    tokens: Schema.Finite,
    loss: Schema.Finite
  })))
})

const decodeStoredIsoflop = Schema.decodeUnknownOption(StoredIsoflop)

/** What the fit panel shows: the IsoFLOP plot, the power laws and the forecasts. */
export interface FitView {
  readonly created_at: string
  readonly spec: TopLevelSpec
  /** N*(C) = k·C^a and D*(C) = k·C^b; null when too few budgets bracketed their minimum. */
  readonly laws: {
    readonly params_opt: { readonly k: number; readonly a: number }
    readonly tokens_opt: { readonly k: number; readonly b: number }
  } | null
  /** Why there are no power laws, when there are none. */
  readonly problem: string | null
  readonly forecasts: ReadonlyArray<{ readonly compute: number; readonly params: number; readonly tokens: number; readonly loss: number }>
}

/** The latest stored fit drawn over the experiment's completed runs; none when it is not an IsoFLOP fit. */
export const fitView = (experiment: string, stored: StoredFit, results: ReadonlyArray<ResultRow>): Option.Option<FitView> =>
  Option.map(decodeStoredIsoflop(stored.json), ({ isoflop, forecast }) => ({
    created_at: stored.created_at,
    spec: isoflopPlotSpec({
      title: `IsoFLOP curves — ${experiment}`,
      points: results.map((row) => ({ id: row.run_id, params: row.params, tokens: row.tokens, budget: row.budget, loss: row.loss })),
      budgets: (isoflop.budgets ?? []).flatMap((budget) =>
        budget.params_opt === null || budget.loss_opt === null
          ? []
          : [{ ...budget, params_opt: budget.params_opt, loss_opt: budget.loss_opt }]
      )
    }),
    laws: isoflop.params_opt !== undefined && isoflop.tokens_opt !== undefined
      ? { params_opt: isoflop.params_opt, tokens_opt: isoflop.tokens_opt }
      : null,
    problem: isoflop.error ?? null,
    forecasts: forecast ?? []
  }))
