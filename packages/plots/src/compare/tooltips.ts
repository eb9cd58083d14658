// The tooltips the comparison plots share, so that a run or a minimum reads the same in each.
import type { TooltipDef } from "./encoding.ts"
import { experimentField } from "./experiments.ts"

/** Whose mark it is: "Experiment", or "Candidate" where each line is one candidate against its baseline. */
export const experimentTooltip = (title = "Experiment"): TooltipDef => ({ field: experimentField, type: "nominal", title })

/** Every comparison plot names a budget in its tooltips alike. */
export const budgetTooltipTitle = "Budget C (FLOPs)"

/** A run's tooltip, its loss read from `lossField`; with its budget where `budgetTitle` is given, for a plot whose axes do not show it. */
export const runTooltip = (lossField: string, budgetTitle?: string): Array<TooltipDef> => [
  experimentTooltip(),
  { field: "id", type: "nominal", title: "Run" },
  ...(budgetTitle === undefined ? [] : [{ field: "budget_label", type: "nominal", title: budgetTitle } as const]),
  { field: "params_text", type: "nominal", title: "N (parameters)" },
  { field: "tokens_text", type: "nominal", title: "D (tokens)" },
  { field: lossField, type: "quantitative", title: "Loss (nats/token)", format: ".4f" }
]

/** A budget's loss minimum: its budget, the model size there and the loss, read from `lossField`. */
export const minimumLossTooltip = (lossField: string): Array<TooltipDef> => [
  experimentTooltip(),
  { field: "budget_label", type: "nominal", title: budgetTooltipTitle },
  { field: "params_text", type: "nominal", title: "N at minimum" },
  { field: lossField, type: "quantitative", title: "Loss at minimum", format: ".4f" }
]
